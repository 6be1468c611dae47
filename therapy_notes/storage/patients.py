"""Patients: profiles, looked up by id and listed for the library."""

from __future__ import annotations

import builtins

from sqlalchemy import or_, select

from therapy_notes.domain.patients import Patient
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import (
    PatientRow,
    utc_now,
)
from therapy_notes.storage.repository import Repository


def _patient(row: PatientRow) -> Patient:
    return Patient(
        name=row.name,
        identifier=row.identifier,
        date_of_birth=row.date_of_birth,
        diagnoses=tuple(row.diagnoses),
        goals=tuple(row.goals),
        precautions=tuple(row.precautions),
        preferred_template=row.preferred_template,
        id=row.id,
    )


class SqlPatientRepository(Repository):
    """Patients of the local registry (`PatientRepository`)."""

    @translated
    def add(self, patient: Patient) -> Patient:
        row = PatientRow(id=patient.id)
        self._fill(row, patient)
        self._session.add(row)
        self._session.flush()
        return _patient(row)

    @translated
    def get(self, patient_id: int) -> Patient:
        return _patient(self._require(PatientRow, patient_id, "Patient"))

    @translated
    def update(self, patient: Patient) -> None:
        if patient.id is None:
            raise ValueError("an unsaved patient cannot be updated; add it first")
        row = self._require(PatientRow, patient.id, "Patient")
        self._fill(row, patient)
        row.updated_at = utc_now()
        self._session.flush()

    @staticmethod
    def _fill(row: PatientRow, patient: Patient) -> None:
        row.name = patient.name
        row.identifier = patient.identifier
        row.date_of_birth = patient.date_of_birth
        row.diagnoses = patient.diagnoses
        row.goals = patient.goals
        row.precautions = patient.precautions
        row.preferred_template = patient.preferred_template

    @translated
    def list(self, search: str = "") -> builtins.list[Patient]:
        """Patients by name; `search` matches part of the name or identifier, any case."""
        query = select(PatientRow).order_by(PatientRow.name, PatientRow.id)
        if search.strip():
            term = search.strip()
            query = query.where(
                or_(
                    PatientRow.name.icontains(term, autoescape=True),
                    PatientRow.identifier.icontains(term, autoescape=True),
                )
            )
        return [_patient(row) for row in self._session.scalars(query)]
