"""The token budget: used against the cap, input and output, cost; one click raises it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from therapy_notes.services.usage import BudgetSnapshot

AMBER = "#d98e04"
RED = "#c62828"
"""Status colours: readable on light and dark palettes alike; everything else is the OS's."""

PAUSED_MESSAGE = (
    "Note updates paused: the next one would pass the token cap. The transcript keeps recording."
)


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
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(160)
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
        layout.addWidget(self.detail)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.raise_button)
        self.level = "normal"
        self.show_budget(None)

    def show_budget(self, budget: BudgetSnapshot | None) -> None:
        if budget is None:
            self.bar.setValue(0)
            self.bar.setFormat("no session")
            self.detail.setText("")
            self._set_level("normal")
            return
        self.bar.setValue(min(1000, round(budget.ratio * 1000)))
        self.bar.setFormat(f"{budget.used_tokens:,} / {budget.cap_tokens:,}")
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
        self.message.setText(PAUSED_MESSAGE if level == "red" else "")
        self.message.setStyleSheet(f"color: {RED}; font-weight: bold;" if level == "red" else "")
        self.raise_button.setVisible(level in ("amber", "red"))
