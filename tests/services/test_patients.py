"""PatientsService: the header of a stored patient, over in-memory storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.memory_uow import MemoryStore
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import SessionStatus
from therapy_notes.errors import NotFoundError
from therapy_notes.services.patients import PatientsService


async def test_the_header_has_the_profile_and_the_latest_plan() -> None:
    store = MemoryStore()
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with store.uow() as uow:
        patient = uow.patients.add(
            Patient("Jordan Lee", "MRN-1", diagnoses=("Frozen shoulder",), precautions=("Falls",))
        )
        assert patient.id is not None
        for days, plan in ((0, "Old plan."), (7, "Add band rows.")):
            record = uow.sessions.start(patient.id, "soap", "local", start + timedelta(days=days))
            uow.notes.add_entry(record.id, NoteEntry("plan", plan, EntrySource.MODEL))
            uow.sessions.set_status(record.id, SessionStatus.DRAFT)
    header = await PatientsService(store.uow).header(patient.id)
    assert header.patient.diagnoses == ("Frozen shoulder",)
    assert header.last_plan == ("Add band rows.",)
    assert header.safety_precautions[0].safety == "Fall risk"


async def test_a_deleted_patient_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        await PatientsService(MemoryStore().uow).header(99)
