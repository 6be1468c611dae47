"""The budget gauge reads at a glance: numbers beside the bar, one message for the state."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.session import RecordingState
from therapy_notes.domain.usage import BudgetSnapshot, Prices, TokenUsage
from therapy_notes.ui.tones import DANGER
from therapy_notes.ui.widgets.budget_gauge import (
    NEAR_CAP_MESSAGE,
    PAUSED_MESSAGE,
    PAUSED_WHILE_PAUSED_MESSAGE,
    STOPPED_AT_CAP_MESSAGE,
    BudgetGauge,
)


def _snapshot(used: int, *, warning: bool = False, exhausted: bool = False) -> BudgetSnapshot:
    return BudgetSnapshot(TokenUsage(input_audio_tokens=used), 1000, 0.0123, warning, exhausted)


def test_numbers_are_beside_the_bar_not_on_its_colour(qtbot: Any) -> None:
    gauge = BudgetGauge()
    qtbot.addWidget(gauge)
    gauge.show()
    gauge.show_budget(_snapshot(990, warning=True, exhausted=True))
    assert not gauge.bar.isTextVisible()
    assert gauge.amount.text() == "990 of 1,000"
    assert gauge.level == "red"


def test_one_message_that_follows_the_session_state(qtbot: Any) -> None:
    gauge = BudgetGauge()
    qtbot.addWidget(gauge)
    gauge.show()
    gauge.show_recording_state(RecordingState.RECORDING)
    gauge.show_budget(_snapshot(850, warning=True))
    assert gauge.message.text() == NEAR_CAP_MESSAGE
    gauge.show_budget(_snapshot(1000, warning=True, exhausted=True))
    assert gauge.message.text() == PAUSED_MESSAGE
    assert DANGER.background in gauge.message.styleSheet()
    assert DANGER.foreground in gauge.message.styleSheet()
    assert gauge.raise_button.isVisible()
    gauge.show_cap_message("The service's own words about the cap.")
    assert gauge.message.text() == "The service's own words about the cap."
    gauge.show_recording_state(RecordingState.RECORDING, is_paused=True)
    assert gauge.message.text() == PAUSED_WHILE_PAUSED_MESSAGE
    gauge.show_recording_state(RecordingState.STOPPED)
    assert gauge.message.text() == STOPPED_AT_CAP_MESSAGE
    assert "keeps recording" not in gauge.message.text()
    assert not gauge.raise_button.isVisible()  # nothing to raise once stopped


def test_no_session_no_message(qtbot: Any) -> None:
    gauge = BudgetGauge()
    qtbot.addWidget(gauge)
    gauge.show()
    gauge.show_budget(None)
    assert gauge.amount.text() == "no session open"
    assert not gauge.message.isVisible()
    assert not gauge.raise_button.isVisible()


def test_a_stored_session_shows_what_it_used(qtbot: Any) -> None:
    gauge = BudgetGauge()
    qtbot.addWidget(gauge)
    gauge.show()
    gauge.show_stored_usage(TokenUsage(input_audio_tokens=1200), 0.0456)
    assert gauge.amount.text() == "This session used 1,200 tokens"
    assert "$0.0456" in gauge.detail.text()
    assert not gauge.bar.isVisible()
    gauge.show_budget(None)
    assert gauge.bar.isVisible()


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
