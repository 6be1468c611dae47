"""The patient at the top of the session view: who, what for, what to watch, what was planned.

It draws a `PatientHeader` (the rule of which precautions are safety risks is the
domain's); a safety precaution is set apart by a warning sign, its risk named in words,
and the danger tone, so it does not rely on colour alone.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from therapy_notes.domain.patient_header import PatientHeader, Precaution
from therapy_notes.ui.tones import DANGER

NO_PATIENT_TEXT = (
    "No patient chosen: this session is a dictation. Choose a patient on the left to see "
    "their diagnoses, goals, precautions and last plan here."
)
EMPTY_VALUE = "—"


def _list(items: tuple[str, ...]) -> str:
    return "; ".join(items) if items else EMPTY_VALUE


def _safety_line(item: Precaution) -> str:
    """One safety precaution, naming its risk unless the text already does."""
    if item.safety.lower() in item.text.lower():
        return f"⚠ <b>{escape(item.text)}</b>"
    return f"⚠ <b>{escape(item.safety)}:</b> {escape(item.text)}"


class PatientHeaderView(QFrame):
    """Shows the chosen patient's profile, or what to do when none is chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientHeader")
        self.setAccessibleName("Patient")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 10, 6)
        outer.setSpacing(4)
        self.name = QLabel()
        self.name.setAccessibleName("Patient name")
        font = self.name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.name.setFont(font)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.name)
        self.safety = QLabel()
        self.safety.setAccessibleName("Safety precautions")
        self.safety.setWordWrap(True)
        self.safety.setStyleSheet(DANGER.style(extra="padding: 4px 8px; border-radius: 3px;"))
        outer.addWidget(self.safety)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.diagnoses = QLabel()
        self.goals = QLabel()
        self.precautions = QLabel()
        self.last_plan = QLabel()
        self._captions: list[QLabel] = []
        rows = (
            ("Diagnoses", self.diagnoses),
            ("Goals", self.goals),
            ("Precautions", self.precautions),
            ("Last plan", self.last_plan),
        )
        for row, (caption, value) in enumerate(rows):
            label = QLabel(caption)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            bold = label.font()
            bold.setBold(True)
            label.setFont(bold)
            value.setAccessibleName(caption)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(label, row, 0)
            grid.addWidget(value, row, 1)
            self._captions.append(label)
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)
        self.empty = QLabel(NO_PATIENT_TEXT)
        self.empty.setAccessibleName("No patient chosen")
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty)
        self.header: PatientHeader | None = None
        self.show_no_patient()

    def show_header(self, header: PatientHeader) -> None:
        self.header = header
        patient = header.patient
        facts = [patient.identifier] if patient.identifier else []
        if patient.date_of_birth is not None:
            facts.append(f"born {patient.date_of_birth:%Y-%m-%d}")
        self.name.setText(patient.name + (f"  ·  {'  ·  '.join(facts)}" if facts else ""))
        self.diagnoses.setText(_list(patient.diagnoses))
        self.goals.setText(_list(patient.goals))
        ordinary = tuple(p.text for p in header.precautions if not p.is_safety)
        self.precautions.setText(_list(ordinary))
        safety = header.safety_precautions
        self.safety.setText("<br>".join(_safety_line(p) for p in safety))
        self.safety.setVisible(bool(safety))
        if header.last_plan and header.last_session_at is not None:
            when = header.last_session_at.astimezone().strftime("%Y-%m-%d")
            self.last_plan.setText(f"{when}: {' '.join(header.last_plan)}")
        else:
            self.last_plan.setText("None yet: the plan of this patient's latest note shows here.")
        self._set_profile_visible(True)
        has_row = bool(ordinary) or not header.precautions  # all safety ones: shown above
        self._captions[2].setVisible(has_row)
        self.precautions.setVisible(has_row)

    def show_no_patient(self) -> None:
        self.header = None
        self._set_profile_visible(False)

    def _set_profile_visible(self, on: bool) -> None:
        for widget in (self.name, self.diagnoses, self.goals, self.precautions, self.last_plan):
            widget.setVisible(on)
        for caption in self._captions:
            caption.setVisible(on)
        if not on:
            self.safety.hide()
        self.empty.setVisible(not on)
