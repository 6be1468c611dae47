"""The transcript names who spoke, in words and (for the clinician) weight and colour."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette

from therapy_notes.domain.session import Segment, SpeakerRole
from therapy_notes.ui.widgets.transcript_view import IDLE_HINT, LISTENING_HINT, TranscriptView


def test_rows_name_the_speaker_not_by_colour_alone(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show_segment(Segment("a", 0, 2000, "How is the knee?", speaker=SpeakerRole.CLINICIAN))
    view.show_segment(Segment("b", 2500, 4000, "Better.", speaker=SpeakerRole.CLIENT))
    assert view.texts() == ["[00:00]  Clinician:  How is the knee?", "[00:02]  Client:  Better."]
    clinician, client = view.item(0), view.item(1)
    assert clinician.font().bold()
    assert not client.font().bold()
    assert clinician.foreground().color() == view.palette().color(QPalette.ColorRole.Link)
    assert clinician.toolTip().startswith("Clinician")


def test_relabelled_segments_change_their_rows_in_place(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    first = Segment("a", 0, 2000, "I slipped on Thursday.", speaker=SpeakerRole.CLINICIAN)
    view.show_segment(first)
    view.show_segment(Segment("b", 2500, 4000, "Did you hit anything?"))
    view.relabel([Segment("a", 0, 2000, first.text, speaker=SpeakerRole.CLIENT)])
    assert view.texts() == [
        "[00:00]  Client:  I slipped on Thursday.",
        "[00:02]  Speaker:  Did you hit anything?",
    ]
    assert not view.item(0).font().bold()


def test_a_segment_finished_late_takes_its_place_in_time(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show_segment(Segment("a", 0, 2000, "First."))
    view.show_segment(Segment("c", 9000, 9500, "Third."))
    view.show_partial("d", "still speaking")
    view.show_segment(Segment("b", 4000, 8000, "Second, finished late."))
    assert view.texts() == [
        "[00:00]  Speaker:  First.",
        "[00:04]  Speaker:  Second, finished late.",
        "[00:09]  Speaker:  Third.",
        "…  still speaking",
    ]


def test_an_empty_transcript_says_what_to_do(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    assert view.hint == IDLE_HINT
    assert "F9" in view.hint
    with_hint = view.viewport().grab().toImage()
    view.set_hint("")
    blank = view.viewport().grab().toImage()
    assert with_hint != blank, "the hint is drawn on the empty view"
    view.set_hint(LISTENING_HINT)
    view.show_segment(Segment("a", 0, 1000, "Hello."))
    with_row = view.viewport().grab().toImage()
    view.set_hint("")
    assert view.viewport().grab().toImage() == with_row, "no hint once there are rows"
