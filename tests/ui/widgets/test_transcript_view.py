"""The transcript names who spoke, in words and (for the clinician) weight and colour."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from therapy_notes.domain.session import Segment, SpeakerRole
from therapy_notes.ui.widgets.transcript_view import (
    IDLE_HINT,
    LISTENING_HINT,
    TENTATIVE_ROLE,
    PartialRowDelegate,
    TranscriptView,
    partial_text,
)


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


def test_a_turn_in_progress_shows_its_unconfirmed_words_apart(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(420, 300)
    view.show()
    view.show_partial("e", "Right knee", "flexion is about")
    assert view.texts() == ["…  Right knee flexion is about"]
    delegate = view.itemDelegate()
    assert isinstance(delegate, PartialRowDelegate)
    index = view.indexFromItem(view.item(0))
    option = QStyleOptionViewItem()
    option.initFrom(view)
    delegate.initStyleOption(option, index)  # as painting does: the row's faint foreground
    document = delegate.document(option, index, 400)
    fragments = []
    block = document.begin()
    it = block.begin()
    while not it.atEnd():
        fragment = it.fragment()
        fragments.append((fragment.text(), fragment.charFormat()))
        it += 1
    firm = [f for text, f in fragments if "Right knee" in text]
    unsure = [f for text, f in fragments if "flexion is about" in text]
    assert firm
    assert unsure
    assert firm[0].underlineStyle() is QTextCharFormat.UnderlineStyle.NoUnderline
    assert unsure[0].underlineStyle() is QTextCharFormat.UnderlineStyle.DotLine  # not colour alone
    placeholder = view.palette().placeholderText().color()
    assert unsure[0].foreground().color() == placeholder
    assert firm[0].foreground().color() != placeholder


def test_partial_text_joins_what_is_there() -> None:
    assert partial_text("Right knee", "flexion is about") == "…  Right knee flexion is about"
    assert partial_text("", "Hello") == "…  Hello"
    assert partial_text("Hello there", "") == "…  Hello there"
    assert partial_text("", "") == "…  "


def test_a_long_turn_in_progress_wraps_to_more_lines(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(240, 400)
    view.show()
    view.show_partial("short", "Okay", "")
    view.show_partial(
        "long",
        "I have been sleeping badly since we moved house in the spring",
        "and the pain in my shoulder wakes me up most nights",
    )
    short = view.visualItemRect(view.item(0)).height()
    qtbot.waitUntil(lambda: view.visualItemRect(view.item(1)).height() > 2 * short)


def test_the_final_segment_replaces_the_styled_partial(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show_partial("f", "I slipped", "on Thurs")
    view.show_segment(Segment("f", 0, 2000, "I slipped on Thursday."))
    item = view.item(0)
    assert item.data(TENTATIVE_ROLE) is None
    assert view.texts() == ["[00:00]  Speaker:  I slipped on Thursday."]


def test_final_segment_replaces_its_partial(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show_partial("item_1", "patient reports")
    view.show_partial("item_1", "patient reports pain")
    assert view.texts() == ["…  patient reports pain"]
    view.show_segment(Segment("item_1", 61_000, 64_000, "Patient reports pain."))
    assert view.texts() == ["[01:01]  Speaker:  Patient reports pain."]


def test_auto_scroll_pauses_while_reading_earlier_text(qtbot: Any) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(300, 120)
    view.show()
    for i in range(40):
        view.show_segment(Segment(f"item_{i}", i * 1000, i * 1000 + 900, f"Line {i}."))
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    bar.setValue(0)  # the clinician scrolls up to read
    view.show_segment(Segment("item_new", 99_000, 99_500, "New speech."))
    QApplication.processEvents()  # a (wrong) deferred scroll would run now
    assert bar.value() == 0
    bar.setValue(bar.maximum())
    old_maximum = bar.maximum()
    view.show_segment(Segment("item_newer", 100_000, 100_500, "More speech."))
    qtbot.waitUntil(
        lambda: bar.maximum() > old_maximum and bar.value() == bar.maximum(), timeout=2000
    )
