"""Crash recovery against a real encrypted database: list, recover, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.errors import NotFoundError, UserFacingError
from therapy_notes.services.recovery import RECOVER_ACTION, RecoveryService
from therapy_notes.storage.database import open_database

STARTED = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
NOW = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)


async def test_interrupted_session_is_listed_then_recovered_as_a_draft(tmp_path: Path) -> None:
    db_path, key = tmp_path / "therapy_notes.db", DatabaseKey.generate()
    db = open_database(db_path, key)
    with db.uow_factory() as uow:
        patient = uow.patients.add(Patient("Ines Varga"))
        assert patient.id is not None
        crashed = uow.sessions.start(patient.id, "soap", "local", STARTED).id
        for i in range(3):
            uow.segments.add(crashed, Segment(f"item_{i}", i * 4000, i * 4000 + 3500, "words"))
        finished = uow.sessions.start(patient.id, "soap", "local", STARTED).id
        uow.sessions.set_status(finished, SessionStatus.DRAFT, STARTED)
        empty = uow.sessions.start(None, "soap", "local", STARTED + timedelta(hours=1)).id
    db.close()  # the app "crashed"; a new one starts

    db = open_database(db_path, key)
    try:
        service = RecoveryService(db.uow_factory, clock=lambda: NOW)
        found = await service.find_interrupted()
        assert [(s.session_id, s.segment_count) for s in found] == [(crashed, 3), (empty, 0)]
        assert found[0].patient_id == patient.id

        recovered = await service.recover(crashed, "dr.okafor")
        assert recovered.segment_count == 3
        with db.uow_factory() as uow:
            session = uow.sessions.get(crashed)
            audit = uow.audit.for_entity("session", crashed)
        assert session.status is SessionStatus.DRAFT
        assert session.ended_at == STARTED + timedelta(milliseconds=11_500)  # last words
        assert [(a.actor, a.action, a.at) for a in audit] == [("dr.okafor", RECOVER_ACTION, NOW)]
        assert [s.session_id for s in await service.find_interrupted()] == [empty]

        with pytest.raises(UserFacingError, match="not an interrupted recording"):
            await service.recover(crashed, "dr.okafor")
        with pytest.raises(NotFoundError):
            await service.recover(999, "dr.okafor")
        with db.uow_factory() as uow:
            assert len(uow.audit.for_entity("session", crashed)) == 1
    finally:
        db.close()
