"""Widgets on their own: they draw what they are given and never disturb the clinician."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from therapy_notes.domain.notes import EntrySource, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.session import RecordingState, Segment
from therapy_notes.domain.usage import Prices, TokenUsage
from therapy_notes.services.templates import load_template
from therapy_notes.services.usage import BudgetSnapshot
from therapy_notes.ui.widgets.budget_gauge import PAUSED_MESSAGE, BudgetGauge
from therapy_notes.ui.widgets.note_view import NoteView
from therapy_notes.ui.widgets.recording_bar import RecordingBar
from therapy_notes.ui.widgets.risk_banner import RiskBanner
from therapy_notes.ui.widgets.transcript_view import TranscriptView


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


def test_incoming_entries_never_touch_the_clinicians_text(qtbot: Any) -> None:
    view = NoteView()
    qtbot.addWidget(view)
    view.show()
    view.set_template(load_template("soap"))
    section = view.section("subjective")
    section.editor.setFocus()
    qtbot.keyClicks(section.editor, "Came in early")
    cursor = section.editor.textCursor()
    cursor.setPosition(4)
    section.editor.setTextCursor(cursor)
    with qtbot.waitSignal(view.clinician_text_edited, timeout=3000) as saved:
        view.add_entry(NoteEntry("subjective", "Reports pain 6/10.", EntrySource.MODEL))
    assert saved.args == ["subjective", "Came in early"]
    assert section.editor.toPlainText() == "Came in early"
    assert section.editor.textCursor().position() == 4
    assert section.entry_texts() == ["Reports pain 6/10."]
    section.editor.moveCursor(QTextCursor.MoveOperation.End)


def _budget(used: int, cap: int) -> BudgetSnapshot:
    usage = TokenUsage(input_audio_tokens=used)
    return BudgetSnapshot(usage, cap, Prices().cost_usd(usage), used >= 0.8 * cap, used >= cap)


def test_budget_gauge_turns_amber_then_red(qtbot: Any) -> None:
    gauge = BudgetGauge()
    qtbot.addWidget(gauge)
    gauge.show()
    gauge.show_recording_state(RecordingState.RECORDING)
    gauge.show_budget(_budget(100, 1000))
    assert gauge.level == "normal"
    assert not gauge.raise_button.isVisible()
    gauge.show_budget(_budget(800, 1000))
    assert gauge.level == "amber"
    assert gauge.raise_button.isVisible()
    gauge.show_budget(_budget(1000, 1000))
    assert gauge.level == "red"
    assert gauge.message.text() == PAUSED_MESSAGE
    assert gauge.bar.format() == "1,000 / 1,000"
    with qtbot.waitSignal(gauge.raise_requested, timeout=1000):
        gauge.raise_button.click()


def test_risk_banner_waits_for_each_acknowledgement(qtbot: Any) -> None:
    banner = RiskBanner()
    qtbot.addWidget(banner)
    banner.add_risk(RiskFlag(RiskKind.SELF_HARM, "thoughts of self harm", id=7))
    banner.add_risk(RiskFlag(RiskKind.FALL_RISK, "two falls", id=8))
    assert banner.isVisibleTo(banner.parentWidget() or banner)
    assert "Self-harm" in banner.label.text()
    assert "1 more" in banner.label.text()
    with qtbot.waitSignal(banner.acknowledged, timeout=1000) as ack:
        banner.button.click()
    assert ack.args == [7]
    assert banner.pending_ids == [7, 8]  # stays until the acknowledgement is stored
    banner.remove(7)
    assert "Fall risk" in banner.label.text()
    banner.remove(8)
    assert banner.isHidden()


def test_recording_bar_shows_connection_states(qtbot: Any) -> None:
    bar = RecordingBar(("soap", "dap"))
    qtbot.addWidget(bar)
    bar.show_state(RecordingState.RECORDING, "")
    assert not bar.record_button.isEnabled()
    assert bar.stop_button.isEnabled()
    assert not bar.template_box.isEnabled()
    bar.show_state(RecordingState.RECONNECTING, "Connection lost", attempt=3)
    assert bar.connection_label.text() == "Reconnecting (attempt 3)"
    bar.show_state(RecordingState.FAILED, "The API key was refused.")
    assert bar.connection_label.text() == "Not recording"
    assert bar.connection_label.toolTip() == "The API key was refused."
    assert bar.record_button.isEnabled()
    bar.show_elapsed(3725)
    assert bar.elapsed.text() == "1:02:05"
