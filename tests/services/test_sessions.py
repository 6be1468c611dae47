"""SessionsService on a real, encrypted SQLite file: the rows, one session, usage, search."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import NotFoundError
from therapy_notes.services.sessions import SessionsService, SessionUsage
from therapy_notes.storage import Database, open_database

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Stored:
    patient_id: int
    older: int
    newer: int
    unassigned_draft: int
    unassigned_recording: int


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "therapy_notes.db", DatabaseKey.generate())
    yield db
    db.close()


@pytest.fixture
def stored(database: Database) -> Stored:
    """Two sessions of a patient (older one with usage), two of no patient, one of another."""
    with database.uow_factory() as uow:
        patient = uow.patients.add(Patient("Jordan Lee", "MRN-1"))
        other = uow.patients.add(Patient("Sam Ortiz", "MRN-2"))
        assert patient.id is not None
        assert other.id is not None
        older = uow.sessions.start(patient.id, "soap", "local", START)
        uow.segments.add(older.id, Segment("item_1", 0, 3000, "My shoulder aches on stairs."))
        uow.segments.add(older.id, Segment("item_2", 3000, 6000, "Mostly in the morning."))
        uow.notes.add_entry(older.id, NoteEntry("subjective", "Shoulder ache.", EntrySource.MODEL))
        uow.usage.add(older.id, "transcription", TokenUsage(input_audio_tokens=300), 0.01, START)
        uow.usage.add(
            older.id,
            "response",
            TokenUsage(input_text_tokens=900, output_text_tokens=120),
            0.02,
            START + timedelta(seconds=5),
        )
        uow.sessions.set_status(older.id, SessionStatus.DRAFT, START + timedelta(minutes=40))
        newer = uow.sessions.start(patient.id, "soap", "local", START + timedelta(days=7))
        uow.sessions.set_status(newer.id, SessionStatus.DRAFT)
        draft = uow.sessions.start(None, "dictation", "local", START + timedelta(days=1))
        uow.sessions.set_status(draft.id, SessionStatus.DRAFT)
        recording = uow.sessions.start(None, "soap", "local", START + timedelta(days=2))
        uow.sessions.start(other.id, "soap", "local", START + timedelta(days=3))
    return Stored(patient.id, older.id, newer.id, draft.id, recording.id)


async def test_a_patients_sessions_are_newest_first_with_usage_and_cost(
    database: Database, stored: Stored
) -> None:
    rows = await SessionsService(database.uow_factory).summaries(stored.patient_id)
    assert [r.record.id for r in rows] == [stored.newer, stored.older]
    newer, older = rows
    assert older.usage == TokenUsage(
        input_text_tokens=900, input_audio_tokens=300, output_text_tokens=120
    )
    assert older.cost_usd == pytest.approx(0.03)
    assert older.duration_s == 40 * 60
    assert newer.usage == TokenUsage()
    assert newer.cost_usd == 0.0
    assert newer.duration_s is None  # never ended


async def test_sessions_of_no_patient_are_listed_whatever_their_status(
    database: Database, stored: Stored
) -> None:
    rows = await SessionsService(database.uow_factory).summaries(None)
    assert [(r.record.id, r.record.status) for r in rows] == [
        (stored.unassigned_recording, SessionStatus.RECORDING),
        (stored.unassigned_draft, SessionStatus.DRAFT),
    ]


async def test_the_usage_of_one_session(database: Database, stored: Stored) -> None:
    service = SessionsService(database.uow_factory)
    used = await service.usage(stored.older)
    assert used.usage.total_tokens == 1320
    assert used.cost_usd == pytest.approx(0.03)
    assert await service.usage(stored.newer) == SessionUsage(TokenUsage(), 0.0)
    with pytest.raises(NotFoundError):
        await service.usage(9999)


async def test_one_session_with_its_transcript_and_note(database: Database, stored: Stored) -> None:
    detail = await SessionsService(database.uow_factory).detail(stored.older)
    assert detail.record.id == stored.older
    assert detail.record.patient_id == stored.patient_id
    assert [s.text for s in detail.segments] == [
        "My shoulder aches on stairs.",
        "Mostly in the morning.",
    ]
    assert [(e.section, e.text) for e in detail.note.entries] == [("subjective", "Shoulder ache.")]


async def test_a_session_deleted_meanwhile_is_not_found(database: Database, stored: Stored) -> None:
    with database.uow_factory() as uow:
        uow.sessions.delete(stored.newer)
    with pytest.raises(NotFoundError):
        await SessionsService(database.uow_factory).detail(stored.newer)


async def test_search_finds_the_transcript_and_the_note(database: Database, stored: Stored) -> None:
    service = SessionsService(database.uow_factory)
    hits = await service.search("shoulder")
    assert {(h.session_id, h.kind) for h in hits} == {
        (stored.older, "segment"),
        (stored.older, "note_entry"),
    }
    assert await service.search("elbow") == []
