"""A banner for stated risks that stays until the clinician acknowledges each one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from therapy_notes.domain.notes import RiskFlag
from therapy_notes.ui.tones import DANGER

BANNER_STYLE = (
    f"QFrame#riskBanner {{ background-color: {DANGER.background}; border-radius: 4px; }}"
    f" QFrame#riskBanner QLabel {{ color: {DANGER.foreground}; }}"
)
"""The danger tone: white on a deep red, readable on light and dark windows alike."""


class RiskBanner(QFrame):
    """Shows the oldest unacknowledged risk and how many more wait.

    Signals:
        acknowledged: the id of the risk flag the clinician acknowledged (int).
    """

    acknowledged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("riskBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.setAccessibleName("Risk alert")
        layout = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Risk description")
        self.button = QPushButton("Acknowledge")
        self.button.setAccessibleName("Acknowledge risk")
        self.button.clicked.connect(self._on_button_clicked)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self._pending: list[RiskFlag] = []
        self.hide()

    def add_risk(self, risk: RiskFlag) -> None:
        if risk.acknowledged_at is not None or risk.id is None:
            return
        if any(r.id == risk.id for r in self._pending):
            return
        self._pending.append(risk)
        self._refresh()

    def clear_risks(self) -> None:
        self._pending.clear()
        self._refresh()

    def remove(self, risk_id: int) -> None:
        self._pending = [r for r in self._pending if r.id != risk_id]
        self._refresh()

    @property
    def pending_ids(self) -> list[int]:
        return [r.id for r in self._pending if r.id is not None]

    def _refresh(self) -> None:
        if not self._pending:
            self.hide()
            return
        risk = self._pending[0]
        more = f" ({len(self._pending) - 1} more)" if len(self._pending) > 1 else ""
        evidence = f": “{risk.evidence}”" if risk.evidence else ""
        self.label.setText(
            f"<b>{risk.kind.display_name}</b>{evidence}{more}<br>A risk was stated: review it "
            "and follow your safety protocol, then acknowledge."
        )
        self.show()

    def _on_button_clicked(self) -> None:
        if self._pending and self._pending[0].id is not None:
            self.button.setEnabled(False)
            self.acknowledged.emit(self._pending[0].id)
            self.button.setEnabled(True)
