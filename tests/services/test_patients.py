"""PatientsService: the header over in-memory storage; list, save, progress on a real file.

The real-file tests use an encrypted SQLite database, as the app does, and the real
profile cache, so a saved edit is seen by the next read of the profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.memory_uow import MemoryStore
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, Measurement, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import SessionStatus
from therapy_notes.errors import NotFoundError
from therapy_notes.services.patients import PatientsService, ProgressPoint, series_name
from therapy_notes.storage import Database, open_database
from therapy_notes.storage.profile_cache import ProfileCache

NOW = datetime(2026, 11, 9, 10, 30, tzinfo=UTC)


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


# --- a real, encrypted database file -------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "therapy_notes.db", DatabaseKey.generate())
    yield db
    db.close()


def _service(database: Database, profiles: ProfileCache | None = None) -> PatientsService:
    return PatientsService(database.uow_factory, profiles=profiles, clock=lambda: NOW)


async def test_a_new_patient_is_stored_with_an_audit_record(database: Database) -> None:
    saved = await _service(database).save(Patient("Jordan Lee", "MRN-1"), "ana")
    assert saved.id is not None
    with database.uow_factory() as uow:
        assert uow.patients.get(saved.id).name == "Jordan Lee"
        trail = uow.audit.for_entity("patient", saved.id)
    assert [(r.actor, r.action, r.at) for r in trail] == [("ana", "add_patient", NOW)]


async def test_an_edit_is_stored_and_audited_as_an_update(database: Database) -> None:
    service = _service(database)
    saved = await service.save(Patient("Jordan Lee", "MRN-1"), "ana")
    edited = Patient("Jordan Lee-Park", "MRN-1", precautions=("Falls",), id=saved.id)
    assert await service.save(edited, "rae") == edited
    assert saved.id is not None
    with database.uow_factory() as uow:
        assert uow.patients.get(saved.id) == edited
        trail = uow.audit.for_entity("patient", saved.id)
    assert [(r.actor, r.action) for r in trail] == [
        ("ana", "add_patient"),
        ("rae", "update_patient"),
    ]


async def test_saving_a_deleted_patient_is_refused_and_nothing_is_audited(
    database: Database,
) -> None:
    with pytest.raises(NotFoundError):
        await _service(database).save(Patient("Nobody", id=404), "ana")
    with database.uow_factory() as uow:
        assert uow.audit.for_entity("patient", 404) == []


async def test_an_edited_profile_is_what_the_next_session_reads(database: Database) -> None:
    seconds = [0.0]  # the cache's clock never moves: only an invalidation makes it read again
    cache = ProfileCache(database.uow_factory, ttl_s=300.0, clock=lambda: seconds[0])
    untold = ProfileCache(database.uow_factory, ttl_s=300.0, clock=lambda: seconds[0])
    service = _service(database, cache)
    saved = await service.save(Patient("Jordan Lee", diagnoses=("Frozen shoulder",)), "ana")
    assert saved.id is not None
    assert cache.get(saved.id).diagnoses == ("Frozen shoulder",)
    assert untold.get(saved.id).diagnoses == ("Frozen shoulder",)

    edited = Patient("Jordan Lee", diagnoses=("Rotator cuff tear",), id=saved.id)
    await service.save(edited, "ana")

    assert cache.get(saved.id).diagnoses == ("Rotator cuff tear",)
    assert untold.get(saved.id).diagnoses == ("Frozen shoulder",)  # a cache nobody told


async def test_find_matches_name_or_identifier_and_names_lists_everyone(
    database: Database,
) -> None:
    service = _service(database)
    jordan = await service.save(Patient("Jordan Lee", "MRN-1"), "ana")
    sam = await service.save(Patient("Sam Ortiz", "MRN-22"), "ana")
    assert [p.name for p in await service.find()] == ["Jordan Lee", "Sam Ortiz"]
    assert [p.name for p in await service.find("ortiz")] == ["Sam Ortiz"]
    assert [p.name for p in await service.find("MRN-1")] == ["Jordan Lee"]
    assert await service.find("nobody") == []
    assert jordan.id is not None
    assert sam.id is not None
    assert await service.names() == {jordan.id: "Jordan Lee", sam.id: "Sam Ortiz"}


async def test_the_header_of_a_stored_patient_has_their_last_plan(database: Database) -> None:
    service = _service(database)
    patient = await service.save(Patient("Jordan Lee", precautions=("Falls",)), "ana")
    assert patient.id is not None
    with database.uow_factory() as uow:
        for days, plan in ((0, "Old plan."), (7, "Add band rows.")):
            record = uow.sessions.start(patient.id, "soap", "local", NOW + timedelta(days=days))
            uow.notes.add_entry(record.id, NoteEntry("plan", plan, EntrySource.MODEL))
            uow.sessions.set_status(record.id, SessionStatus.DRAFT)
    header = await service.header(patient.id)
    assert header.patient.name == "Jordan Lee"
    assert header.last_plan == ("Add band rows.",)
    with pytest.raises(NotFoundError):
        await service.header(patient.id + 1)


async def test_progress_is_each_series_oldest_session_first(database: Database) -> None:
    service = _service(database)
    patient = await service.save(Patient("Jordan Lee"), "ana")
    assert patient.id is not None
    flexion = Measurement("range_of_motion", 0, "deg", "shoulder", "right")
    later, earlier = NOW + timedelta(days=7), NOW
    with database.uow_factory() as uow:
        for at, degrees, pain in ((later, 135.0, 2.0), (earlier, 120.0, None)):
            record = uow.sessions.start(patient.id, "soap", "local", at)
            uow.notes.add_measurement(
                record.id, Measurement(flexion.kind, degrees, "deg", "shoulder", "right")
            )
            if pain is not None:
                uow.notes.add_measurement(record.id, Measurement("pain_score", pain, "/10"))
        other = uow.patients.add(Patient("Sam Ortiz"))
        assert other.id is not None
        elsewhere = uow.sessions.start(other.id, "soap", "local", NOW)
        uow.notes.add_measurement(elsewhere.id, Measurement("pain_score", 9.0, "/10"))
    series = await service.progress(patient.id)
    assert series_name(flexion) == "Range of motion — right shoulder (deg)"
    assert series == {
        "Range of motion — right shoulder (deg)": [
            ProgressPoint(earlier, 120.0),
            ProgressPoint(later, 135.0),
        ],
        "Pain score (/10)": [ProgressPoint(later, 2.0)],
    }
