"""The "Review" tab: sessions whose notes wait for review and signature, oldest first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.ui.controllers.notes import ReviewRow
from therapy_notes.ui.widgets.patient_panel import local_time

SESSION_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class ReviewList(QWidget):
    """Draft notes to review.

    Signals:
        session_activated: the id of the session to review (int).
        refresh_requested: list again ().
    """

    session_activated = Signal(int)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Notes awaiting review")
        layout.addWidget(self.heading)
        self.sessions = QListWidget()
        self.sessions.setAccessibleName("Notes awaiting review")
        self.sessions.itemActivated.connect(self._on_item_activated)
        self.sessions.itemClicked.connect(self._on_item_activated)
        layout.addWidget(self.sessions, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh_requested)
        layout.addWidget(self.refresh_button)

    def show_rows(self, rows: list[ReviewRow]) -> None:
        self.sessions.clear()
        for row in rows:
            who = row.patient_name or "No patient (dictation)"
            item = QListWidgetItem(
                f"{who}\n{local_time(row.record.started_at)} · {row.record.template.upper()}"
            )
            item.setData(SESSION_ID_ROLE, row.record.id)
            self.sessions.addItem(item)
        self.heading.setText(f"Notes awaiting review ({len(rows)})")

    def session_ids(self) -> list[int]:
        return [
            int(self.sessions.item(i).data(SESSION_ID_ROLE)) for i in range(self.sessions.count())
        ]

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.session_activated.emit(int(item.data(SESSION_ID_ROLE)))
