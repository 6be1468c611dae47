"""Each repository round-trips domain objects through a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.notes import EntrySource, Measurement, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import NotFoundError
from therapy_notes.storage import Database, SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


# --- patients ------------------------------------------------------------------------------


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


# --- sessions ------------------------------------------------------------------------------


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


# --- segments ------------------------------------------------------------------------------


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


# --- notes ---------------------------------------------------------------------------------


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


# --- usage and audit -----------------------------------------------------------------------


def test_usage_totals_and_cost(uow_factory: UowFactory, session_id: int) -> None:
    transcription = TokenUsage(input_audio_tokens=120)
    response = TokenUsage(
        input_text_tokens=900,
        input_audio_tokens=40,
        cached_text_tokens=600,
        cached_audio_tokens=10,
        output_text_tokens=80,
        output_audio_tokens=0,
    )
    with uow_factory() as uow:
        assert uow.usage.total(session_id) == TokenUsage()
        assert uow.usage.cost_usd(session_id) == 0.0
        uow.usage.add(session_id, "transcription", transcription, 0.00384, at(1))
        uow.usage.add(session_id, "response", response, 0.0061, at(2))
        uow.usage.add(session_id, "response", response, 0.0061, at(3))
    with uow_factory() as uow:
        assert uow.usage.total(session_id) == transcription + response + response
        assert uow.usage.cost_usd(session_id) == pytest.approx(0.00384 + 2 * 0.0061)
        with pytest.raises(ValueError, match="usage kind"):
            uow.usage.add(session_id, "image", response, 0.0, at(4))
        with pytest.raises(NotFoundError):
            uow.usage.total(4040)


def test_audit_trail_round_trip_in_time_order(uow_factory: UowFactory) -> None:
    later = AuditRecord("dr.k", "update", "note_entry", 5, at(9), '{"text": "a"}', '{"text": "b"}')
    earlier = AuditRecord("dr.k", "create", "note_entry", 5, at(8), None, '{"text": "a"}')
    other = AuditRecord("dr.k", "sign", "session", 5, at(10))
    with uow_factory() as uow:
        for record in (later, earlier, other):
            uow.audit.record(record)
    with uow_factory() as uow:
        trail = uow.audit.for_entity("note_entry", 5)
    assert [replace(r, id=None) for r in trail] == [earlier, later]
    assert all(r.id is not None for r in trail)


# --- cascade ---------------------------------------------------------------------------------


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
