"""On start: sessions a crash left open, to recover now (as drafts) or later."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.session import InterruptedSession
from therapy_notes.ui.widgets.patient_panel import local_time

SESSION_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class RecoveryDialog(QDialog):
    """Lists interrupted sessions (patient, date, segments saved); all checked at first."""

    def __init__(
        self,
        sessions: list[InterruptedSession],
        patient_names: dict[int, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover interrupted sessions")
        self.setAccessibleName("Recover interrupted sessions")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Therapy Notes closed unexpectedly while recording. Everything up to the last "
            "saved segment is kept. Recover a session to finish and sign its note."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.sessions = QListWidget()
        self.sessions.setAccessibleName("Interrupted sessions")
        for s in sessions:
            patient = (
                patient_names.get(s.patient_id, f"Patient {s.patient_id}")
                if s.patient_id is not None
                else "No patient (dictation)"
            )
            item = QListWidgetItem(
                f"{patient} — {local_time(s.started_at)} — {s.segment_count} segment(s) saved"
            )
            item.setData(SESSION_ID_ROLE, s.session_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.sessions.addItem(item)
        layout.addWidget(self.sessions)
        buttons = QDialogButtonBox()
        self.recover_button = buttons.addButton("Recover", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def rows(self) -> list[str]:
        return [self.sessions.item(i).text() for i in range(self.sessions.count())]

    def chosen_ids(self) -> list[int]:
        """The checked sessions' ids, in list order."""
        return [
            int(self.sessions.item(i).data(SESSION_ID_ROLE))
            for i in range(self.sessions.count())
            if self.sessions.item(i).checkState() == Qt.CheckState.Checked
        ]
