"""Patients on the left with a search box, and the selected patient's sessions below."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.patients import Patient
from therapy_notes.ui.controllers.library import SessionSummary
from therapy_notes.ui.widgets.recording_bar import elapsed_text

DATA_ROLE = Qt.ItemDataRole.UserRole + 1
NO_PATIENT = "No patient (dictations)"
SEARCH_DELAY_MS = 250


def local_time(at: datetime) -> str:
    """A stored UTC time as the clinician reads it: local, to the minute."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


class PatientPanel(QWidget):
    """Lists patients and sessions; says which one the clinician picked.

    Signals:
        search_changed: the patient search text, after typing pauses (str).
        patient_selected: the patient, or None for sessions without one (object).
        add_requested: the clinician wants a new profile ().
        edit_requested: the profile to edit (object: Patient).
        session_activated: the id of the session to open (int).
    """

    search_changed = Signal(str)
    patient_selected = Signal(object)
    add_requested = Signal()
    edit_requested = Signal(object)
    session_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search patients")
        self.search_box.setAccessibleName("Search patients")
        self.search_box.setClearButtonEnabled(True)
        self.patients = QListWidget()
        self.patients.setAccessibleName("Patients")
        buttons = QHBoxLayout()
        self.add_button = QPushButton("New patient…")
        self.add_button.setAccessibleName("New patient")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setAccessibleName("Edit patient")
        self.edit_button.setEnabled(False)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        self.sessions = QTableWidget(0, 5)
        self.sessions.setAccessibleName("Sessions")
        self.sessions.setHorizontalHeaderLabels(["Date", "Length", "Status", "Tokens", "Cost"])
        self.sessions.verticalHeader().hide()
        self.sessions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sessions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sessions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.sessions.horizontalHeader()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.search_box)
        layout.addWidget(self.patients, 3)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Sessions"))
        layout.addWidget(self.sessions, 2)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search_changed.emit(self.search_box.text()))
        self.search_box.textChanged.connect(self._search_timer.start)
        self.patients.currentItemChanged.connect(self._on_patients_current_item_changed)
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.sessions.cellActivated.connect(self._on_sessions_cell_activated)
        self.sessions.cellClicked.connect(self._on_sessions_cell_activated)

    @property
    def current_patient(self) -> Patient | None:
        row = self.patients.currentRow()
        value = self.patients.item(row).data(DATA_ROLE) if row >= 0 else None
        return value if isinstance(value, Patient) else None

    def show_patients(self, patients: list[Patient], select_id: int | None = None) -> None:
        current = self.current_patient
        keep_id = select_id if select_id is not None else (current.id if current else None)
        self.patients.blockSignals(True)
        self.patients.clear()
        none_item = QListWidgetItem(NO_PATIENT)
        none_item.setData(DATA_ROLE, None)
        self.patients.addItem(none_item)
        selected: QListWidgetItem | None = None
        for patient in patients:
            label = patient.name + (f"  ·  {patient.identifier}" if patient.identifier else "")
            item = QListWidgetItem(label)
            item.setData(DATA_ROLE, patient)
            self.patients.addItem(item)
            if patient.id == keep_id:
                selected = item
        self.patients.blockSignals(False)
        self.patients.setCurrentItem(selected or none_item)

    def show_sessions(self, rows: list[SessionSummary]) -> None:
        self.sessions.setRowCount(len(rows))
        for i, row in enumerate(rows):
            duration = row.duration_s
            cells = [
                local_time(row.record.started_at),
                elapsed_text(duration) if duration is not None else "—",
                row.record.status.value,
                f"{row.usage.total_tokens:,}",
                f"${row.cost_usd:.4f}",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(DATA_ROLE, row.record.id)
                self.sessions.setItem(i, column, item)

    def _on_patients_current_item_changed(
        self, item: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        patient = self.current_patient
        self.edit_button.setEnabled(patient is not None)
        self.patient_selected.emit(patient)

    def _on_edit_button_clicked(self) -> None:
        if self.current_patient is not None:
            self.edit_requested.emit(self.current_patient)

    def _on_sessions_cell_activated(self, row: int, _column: int) -> None:
        item = self.sessions.item(row, 0)
        if item is not None:
            self.session_activated.emit(int(item.data(DATA_ROLE)))
