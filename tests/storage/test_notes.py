"""A note's entries, measurements and risks round-trip through a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from therapy_notes.domain.notes import EntrySource, Measurement, NoteEntry, RiskFlag, RiskKind
from therapy_notes.errors import NotFoundError
from therapy_notes.storage import Database, SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def test_note_loads_entries_in_insertion_order_with_measurements_and_risks(
    uow_factory: UowFactory, session_id: int
) -> None:
    entries = [
        NoteEntry("subjective", "Reports night pain.", EntrySource.MODEL, (3, 1)),
        NoteEntry("assessment", "Improving ROM.", EntrySource.LOCAL_COMPOSER),
        NoteEntry("subjective", "Sleeps 5 hours.", EntrySource.CLINICIAN, created_at=at(5)),
    ]
    measurement = Measurement("range_of_motion", 120.0, "degrees", "shoulder", "left", (2,))
    risk = RiskFlag(RiskKind.FALL_RISK, "Tripped twice this week.", (4,))
    with uow_factory() as uow:
        stored = [uow.notes.add_entry(session_id, e) for e in entries]
        stored_measurement = uow.notes.add_measurement(session_id, measurement)
        stored_risk = uow.notes.add_risk(session_id, risk)
    assert stored[2].created_at == at(5)
    assert all(e.created_at is not None and e.created_at.tzinfo is UTC for e in stored)
    with uow_factory() as uow:
        note = uow.notes.load(session_id)
    assert note.template == "soap"
    assert note.entries == stored
    assert [e.text for e in note.entries_in("subjective")] == [
        "Reports night pain.",
        "Sleeps 5 hours.",
    ]
    assert note.entries[0].segment_ids == (3, 1)
    assert note.measurements == [replace(measurement, id=stored_measurement.id)]
    assert note.risks == [replace(risk, id=stored_risk.id)]


def test_update_entry_changes_text_and_source_and_keeps_updated_at(
    db: Database, uow_factory: UowFactory, session_id: int
) -> None:
    with uow_factory() as uow:
        entry = uow.notes.add_entry(
            session_id,
            NoteEntry("plan", "Home exercise.", EntrySource.MODEL, created_at=at(1)),
        )
    assert entry.id is not None
    with uow_factory() as uow:
        edited = uow.notes.update_entry(entry.id, "Home exercise, 3 sets daily.", "reviewer")
    assert edited == replace(
        entry, text="Home exercise, 3 sets daily.", source=EntrySource.REVIEWER, version=2
    )
    with db.engine.connect() as conn:
        updated_at = conn.execute(
            text("SELECT updated_at FROM note_entries WHERE id = :id"), {"id": entry.id}
        ).scalar_one()
    if isinstance(updated_at, str):  # SQLite keeps text, PostgreSQL a timestamptz
        updated_at = datetime.fromisoformat(updated_at).replace(tzinfo=UTC)
    assert updated_at > at(1)
    with uow_factory() as uow:
        assert uow.audit.for_entity("note_entry", entry.id) == []  # services audit, not storage
        with pytest.raises(NotFoundError):
            uow.notes.update_entry(9999, "x", "reviewer")


def test_acknowledge_risk(uow_factory: UowFactory, session_id: int) -> None:
    with uow_factory() as uow:
        risk = uow.notes.add_risk(session_id, RiskFlag(RiskKind.SELF_HARM, "Stated a plan."))
    assert risk.id is not None
    assert risk.acknowledged_at is None
    with uow_factory() as uow:
        uow.notes.acknowledge_risk(risk.id, at(40))
    with uow_factory() as uow:
        assert uow.notes.load(session_id).risks[0].acknowledged_at == at(40)
        with pytest.raises(NotFoundError):
            uow.notes.acknowledge_risk(12345, at(41))
        with pytest.raises(NotFoundError):
            uow.notes.load(12345)
