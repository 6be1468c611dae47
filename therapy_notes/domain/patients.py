"""Patients and the profile the note tools may look up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient as kept in the local registry."""

    name: str
    identifier: str = ""
    date_of_birth: date | None = None
    diagnoses: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    precautions: tuple[str, ...] = ()
    preferred_template: str = "soap"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PatientProfile:
    """What the model is told about a patient: no more than the note needs."""

    patient_id: int
    name: str
    diagnoses: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    precautions: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, patient: Patient) -> PatientProfile:
        if patient.id is None:
            raise ValueError("an unsaved patient has no profile")
        return cls(patient.id, patient.name, patient.diagnoses, patient.goals, patient.precautions)
