"""The token budget: used against the cap, input and output, cost; one click raises it.

Read at a glance: the numbers sit beside a thin bar (never drawn over its colour), the
bar's colour comes from the app's tones (readable on light and dark palettes), and one
message says what the cap means for the session as it is now: recording, paused, or
stopped. Whether the cap is reached is the budget service's rule; this only draws it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from therapy_notes.domain.session import RecordingState
from therapy_notes.domain.usage import BudgetSnapshot, TokenUsage
from therapy_notes.ui.tones import DANGER, WARNING

AMBER = WARNING.background
RED = DANGER.background
"""Status colours (the bar's fill); text on them uses the tone's own foreground."""

PAUSED_MESSAGE = (
    "Note updates paused: the next one would pass the token cap. The transcript keeps recording."
)
PAUSED_WHILE_PAUSED_MESSAGE = (
    "Note updates are paused at the token cap; recording is paused too. Raise the cap to "
    "resume note updates."
)
STOPPED_AT_CAP_MESSAGE = (
    "This session reached its token cap: the note was not updated after that. The "
    "transcript is complete; add what is missing to the note by hand."
)
NEAR_CAP_MESSAGE = "Most of this session's token cap is used."
MESSAGE_STYLE = "padding: 2px 8px; border-radius: 3px; font-weight: bold;"


class BudgetGauge(QWidget):
    """Draws a `BudgetSnapshot`; amber from 80 %, red once note updates pause at the cap.

    Signals:
        raise_requested: the clinician asked for a higher cap ().
    """

    raise_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Token budget used")
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)  # numbers beside the bar, never on its colour
        self.bar.setFixedWidth(120)
        self.bar.setMaximumHeight(10)
        self.amount = QLabel()
        self.amount.setAccessibleName("Tokens used of the cap")
        self.detail = QLabel()
        self.detail.setAccessibleName("Token use and cost")
        self.message = QLabel()
        self.message.setAccessibleName("Budget message")
        self.message.setWordWrap(True)
        self.raise_button = QPushButton("Raise cap")
        self.raise_button.setAccessibleName("Raise the token cap")
        self.raise_button.setToolTip("Double this session's token cap (recorded in the audit log)")
        self.raise_button.clicked.connect(self.raise_requested)
        layout.addWidget(QLabel("Tokens"))
        layout.addWidget(self.bar)
        layout.addWidget(self.amount)
        layout.addWidget(self.detail)
        layout.addWidget(self.message, 10)
        layout.addWidget(self.raise_button)
        layout.addStretch(1)  # with no message, the numbers stay beside the bar
        self.level = "normal"
        self._state = RecordingState.IDLE
        self._is_paused = False
        self._cap_text = ""
        self.show_budget(None)

    def show_stored_usage(self, usage: TokenUsage, cost_usd: float) -> None:
        """A stored session is open: what it used, with no cap to measure against."""
        self.show_budget(None)
        self.bar.hide()
        self.amount.setText(f"This session used {usage.total_tokens:,} tokens")
        self.detail.setText(
            f"in {usage.input_tokens:,} · out {usage.output_tokens:,} · ${cost_usd:.4f}"
        )

    def show_recording_state(self, state: RecordingState, is_paused: bool = False) -> None:
        """The session's state, so the message says what the cap means now."""
        self._state, self._is_paused = state, is_paused
        self._set_level(self.level)

    def show_cap_message(self, text: str) -> None:
        """The service's own words for reaching the cap: shown here, once, not twice."""
        self._cap_text = text
        self._set_level(self.level)

    def show_budget(self, budget: BudgetSnapshot | None) -> None:
        self.bar.show()
        if budget is None:
            self.bar.setValue(0)
            self.bar.setFormat("no session")
            self.amount.setText("no session open")
            self.detail.setText("")
            self._cap_text = ""
            self._set_level("normal")
            return
        self.bar.setValue(min(1000, round(budget.ratio * 1000)))
        self.bar.setFormat(f"{budget.used_tokens:,} / {budget.cap_tokens:,}")
        self.amount.setText(f"{budget.used_tokens:,} of {budget.cap_tokens:,}")
        self.detail.setText(
            f"in {budget.used.input_tokens:,} · out "
            f"{budget.used.output_tokens:,} · ${budget.cost_usd:.4f}"
        )
        if budget.is_exhausted:
            self._set_level("red")
        elif budget.is_warning:
            self._set_level("amber")
        else:
            self._set_level("normal")

    def _set_level(self, level: str) -> None:
        self.level = level
        colour = {"amber": AMBER, "red": RED}.get(level)
        self.bar.setStyleSheet(
            f"QProgressBar::chunk {{ background-color: {colour}; }}" if colour else ""
        )
        text = self._message(level)
        self.message.setText(text)
        tone = DANGER if level == "red" else WARNING
        self.message.setStyleSheet(tone.style(extra=MESSAGE_STYLE) if text else "")
        self.message.setVisible(bool(text))
        active = self._state in (
            RecordingState.CONNECTING,
            RecordingState.RECORDING,
            RecordingState.RECONNECTING,
        )
        self.raise_button.setVisible(level in ("amber", "red") and active)

    def _message(self, level: str) -> str:
        """One message for the cap, in the words of the session's state."""
        if level == "normal":
            return ""
        stopped = self._state in (RecordingState.STOPPED, RecordingState.FAILED)
        if level == "amber":
            return "" if stopped else NEAR_CAP_MESSAGE
        if stopped or self._state is RecordingState.IDLE:
            return STOPPED_AT_CAP_MESSAGE
        if self._is_paused:
            return PAUSED_WHILE_PAUSED_MESSAGE
        return self._cap_text or PAUSED_MESSAGE
