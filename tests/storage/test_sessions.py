"""Sessions and segments round-trip through a real SQLite file; deleting a session cascades."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import text

from therapy_notes.domain.notes import EntrySource, Measurement, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import NotFoundError
from therapy_notes.storage import Database, SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def test_session_lifecycle(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        patient = uow.patients.add(Patient("Ola Berg"))
        assert patient.id is not None
        first = uow.sessions.start(patient.id, "soap", "local", at(0))
        second = uow.sessions.start(patient.id, "girp", "gpt-realtime-2", at(30))
        dictation = uow.sessions.start(None, "dictation", "local", at(45))
    assert first.status is SessionStatus.RECORDING
    assert dictation.patient_id is None
    with uow_factory() as uow:
        uow.sessions.set_status(first.id, SessionStatus.DRAFT, ended_at=at(20))
        uow.sessions.set_status(second.id, SessionStatus.FAILED)
    with uow_factory() as uow:
        assert [s.id for s in uow.sessions.for_patient(patient.id)] == [second.id, first.id]
        stored = uow.sessions.get(first.id)
        assert (stored.status, stored.ended_at, stored.template) == (
            SessionStatus.DRAFT,
            at(20),
            "soap",
        )
        assert [s.id for s in uow.sessions.with_status(SessionStatus.RECORDING)] == [dictation.id]
        assert uow.sessions.get(second.id).engine == "gpt-realtime-2"
        with pytest.raises(NotFoundError):
            uow.sessions.set_status(999, SessionStatus.DRAFT)


def test_segments_round_trip_in_audio_order(uow_factory: UowFactory, session_id: int) -> None:
    later = Segment("item_b", 5_000, 7_500, "Flexion is one hundred and twenty degrees.")
    earlier = Segment("item_a", 0, 4_200, "My shoulder hurts at night, about six out of ten.")
    with uow_factory() as uow:
        stored_later = uow.segments.add(session_id, later)
        stored_earlier = uow.segments.add(session_id, earlier)
    assert stored_later == replace(later, id=stored_later.id)
    with uow_factory() as uow:
        assert uow.segments.for_session(session_id) == [stored_earlier, stored_later]


def test_replayed_segment_is_not_stored_twice(uow_factory: UowFactory, session_id: int) -> None:
    original = Segment("item_7", 1_000, 2_000, "first transcript")
    with uow_factory() as uow:
        stored = uow.segments.add(session_id, original)
    with uow_factory() as uow:
        again = uow.segments.add(session_id, replace(original, text="replayed transcript"))
    assert again == stored
    with uow_factory() as uow:
        assert uow.segments.for_session(session_id) == [stored]


def test_same_item_id_in_another_session_is_a_different_segment(
    uow_factory: UowFactory, session_id: int
) -> None:
    with uow_factory() as uow:
        other = uow.sessions.start(None, "soap", "local", at())
        a = uow.segments.add(session_id, Segment("item_1", 0, 1, "a"))
        b = uow.segments.add(other.id, Segment("item_1", 0, 1, "b"))
    assert a.id != b.id


def test_segment_for_unknown_session_is_not_found(uow_factory: UowFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError, match="Session 77"):
        uow.segments.add(77, Segment("x", 0, 1, "t"))


def test_deleting_a_session_deletes_everything_that_belongs_to_it(
    db: Database, uow_factory: UowFactory, session_id: int
) -> None:
    with uow_factory() as uow:
        keep = uow.sessions.start(None, "soap", "local", at())
        uow.segments.add(keep.id, Segment("k", 0, 1, "kept words"))
        uow.segments.add(session_id, Segment("a", 0, 1, "gone words"))
        uow.notes.add_entry(session_id, NoteEntry("plan", "gone entry", EntrySource.MODEL))
        uow.notes.add_measurement(session_id, Measurement("pain_score", 6, "/10"))
        uow.notes.add_risk(session_id, RiskFlag(RiskKind.FALL_RISK, "gone risk"))
        uow.usage.add(session_id, "response", TokenUsage(output_text_tokens=5), 0.1, at())
    with uow_factory() as uow:
        uow.sessions.delete(session_id)
    tables = ("segments", "note_entries", "measurements", "risk_flags", "usage_records")
    with db.engine.connect() as conn:
        for table in tables:
            count = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE session_id = :id"), {"id": session_id}
            ).scalar_one()
            assert count == 0, table
        assert conn.execute(text("SELECT count(*) FROM segments")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM patients")).scalar_one() == 1
    with uow_factory() as uow:
        assert [h.snippet for h in uow.search.search("words")] == ["kept [words]"]
        with pytest.raises(NotFoundError):
            uow.sessions.get(session_id)
