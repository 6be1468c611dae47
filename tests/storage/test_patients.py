"""Patients round-trip through a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from therapy_notes.domain.patients import Patient
from therapy_notes.errors import NotFoundError
from therapy_notes.storage import SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def test_patient_round_trip_and_update(uow_factory: UowFactory) -> None:
    patient = Patient(
        name="Noor Haddad",
        identifier="MRN-0042",
        date_of_birth=date(1961, 7, 14),
        diagnoses=("adhesive capsulitis, left shoulder",),
        goals=("reach overhead shelf", "sleep on left side"),
        precautions=("no lifting over 5 kg",),
        preferred_template="dap",
    )
    with uow_factory() as uow:
        saved = uow.patients.add(patient)
    assert saved.id is not None
    assert saved == replace(patient, id=saved.id)
    with uow_factory() as uow:
        assert uow.patients.get(saved.id) == saved
        uow.patients.update(replace(saved, goals=("lift 5 kg",), precautions=()))
    with uow_factory() as uow:
        updated = uow.patients.get(saved.id)
    assert updated.goals == ("lift 5 kg",)
    assert updated.precautions == ()
    assert updated.diagnoses == patient.diagnoses


def test_patient_list_searches_name_and_identifier_in_any_case(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        for name, ident in (("Zoe Park", "A-1"), ("Adam Zimmer", "B-2"), ("Cy Wu", "C_3")):
            uow.patients.add(Patient(name, identifier=ident))
    with uow_factory() as uow:
        assert [p.name for p in uow.patients.list()] == ["Adam Zimmer", "Cy Wu", "Zoe Park"]
        assert [p.name for p in uow.patients.list("ZIM")] == ["Adam Zimmer"]
        assert [p.name for p in uow.patients.list("b-2")] == ["Adam Zimmer"]
        assert [p.name for p in uow.patients.list("%")] == []  # LIKE wildcards are text
        assert [p.name for p in uow.patients.list("_")] == ["Cy Wu"]


def test_unknown_patient_is_not_found(uow_factory: UowFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError, match="Patient 404 does not exist"):
        uow.patients.get(404)
    with uow_factory() as uow, pytest.raises(NotFoundError):
        uow.patients.update(Patient("Ghost", id=404))
    with uow_factory() as uow, pytest.raises(NotFoundError):
        uow.sessions.start(404, "soap", "local", at())
