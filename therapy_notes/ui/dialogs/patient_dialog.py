"""Add or edit a patient profile: what the note tools may look up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from therapy_notes.domain.patients import Patient


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class PatientDialog(QDialog):
    """A form for one patient; `patient()` reads it back once accepted."""

    def __init__(
        self, patient: Patient | None, templates: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit patient" if patient and patient.id else "New patient")
        self._original = patient or Patient(name="")
        self._templates = templates
        form = QFormLayout(self)
        self.name = QLineEdit(self._original.name)
        self.name.setAccessibleName("Name")
        self.identifier = QLineEdit(self._original.identifier)
        self.identifier.setAccessibleName("Identifier")
        self.identifier.setPlaceholderText("e.g. medical record number")
        self.has_dob = QCheckBox("Known")
        self.has_dob.setAccessibleName("Date of birth known")
        self.dob = QDateEdit()
        self.dob.setAccessibleName("Date of birth")
        self.dob.setCalendarPopup(True)
        self.dob.setDisplayFormat("yyyy-MM-dd")
        born = self._original.date_of_birth
        self.has_dob.setChecked(born is not None)
        self.dob.setDate(QDate(born.year, born.month, born.day) if born else QDate(1980, 1, 1))
        self.dob.setEnabled(born is not None)
        self.has_dob.toggled.connect(self.dob.setEnabled)
        self.diagnoses = self._list_editor("Diagnoses", self._original.diagnoses)
        self.goals = self._list_editor("Goals", self._original.goals)
        self.precautions = self._list_editor("Precautions", self._original.precautions)
        self.template = QComboBox()
        self.template.setAccessibleName("Preferred note template")
        self.template.addItems([t.upper() for t in templates])
        if self._original.preferred_template in templates:
            self.template.setCurrentIndex(templates.index(self._original.preferred_template))
        form.addRow("Name", self.name)
        form.addRow("Identifier", self.identifier)
        form.addRow("Date of birth", self.dob)
        form.addRow("", self.has_dob)
        form.addRow("Diagnoses", self.diagnoses)
        form.addRow("Goals", self.goals)
        form.addRow("Precautions", self.precautions)
        hint = QLabel(
            "Write each diagnosis, goal or precaution on its own line. Precautions that name "
            "a safety risk (suicide, falls, an allergy, ...) are highlighted in the session."
        )
        hint.setWordWrap(True)
        form.addRow("", hint)
        form.addRow("Preferred template", self.template)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.name.textChanged.connect(self._on_name_text_changed)
        self._on_name_text_changed(self.name.text())

    def _list_editor(self, name: str, values: tuple[str, ...]) -> QPlainTextEdit:
        editor = QPlainTextEdit("\n".join(values))
        editor.setAccessibleName(name)
        editor.setTabChangesFocus(True)
        editor.setFixedHeight(editor.fontMetrics().lineSpacing() * 3 + 14)
        return editor

    def _on_name_text_changed(self, text: str) -> None:
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(text.strip()))

    def patient(self) -> Patient:
        """The profile as entered (keeps the id of the one being edited)."""
        born: date | None = None
        if self.has_dob.isChecked():
            d = self.dob.date()
            born = date(d.year(), d.month(), d.day())
        return replace(
            self._original,
            name=self.name.text().strip(),
            identifier=self.identifier.text().strip(),
            date_of_birth=born,
            diagnoses=_lines(self.diagnoses.toPlainText()),
            goals=_lines(self.goals.toPlainText()),
            precautions=_lines(self.precautions.toPlainText()),
            preferred_template=self._templates[self.template.currentIndex()],
        )
