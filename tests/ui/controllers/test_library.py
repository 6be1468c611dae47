"""LibraryController over real services on an encrypted SQLite file, on the qasync loop.

What the window's lists, session view, search and the clinician's own field receive as
signals, and what ends up stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import wait_for_signal
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.patient_header import PatientHeader
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.signing import SigningKey
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService
from therapy_notes.services.sessions import SessionDetail, SessionsService, SessionSummary
from therapy_notes.storage import Database, open_database
from therapy_notes.storage.profile_cache import ProfileCache
from therapy_notes.ui.controllers.library import LibraryController

NOW = datetime(2026, 11, 9, 10, 30, tzinfo=UTC)


@dataclass
class Library:
    db: Database
    controller: LibraryController
    cache: ProfileCache


@pytest.fixture
def library(tmp_path: Path, qtbot: Any) -> Iterator[Library]:
    db = open_database(tmp_path / "therapy_notes.db", DatabaseKey.generate())
    cache = ProfileCache(db.uow_factory, ttl_s=300.0, clock=lambda: 0.0)  # never expires
    notes = NotesService(db.uow_factory, signing_key=SigningKey.from_secret(b"k" * 32), tz=UTC)
    controller = LibraryController(
        PatientsService(db.uow_factory, profiles=cache, clock=lambda: NOW),
        SessionsService(db.uow_factory),
        notes,
        actor=lambda: "ana",
    )
    yield Library(db, controller, cache)
    db.close()


def _emitted(signal: Any) -> list[tuple[Any, ...]]:
    got: list[tuple[Any, ...]] = []
    signal.connect(lambda *args: got.append(args))
    return got


def _session(db: Database, patient_id: int | None, *, clinician_plan: str = "") -> int:
    with db.uow_factory() as uow:
        record = uow.sessions.start(patient_id, "soap", "local", NOW)
        uow.segments.add(record.id, Segment("item_1", 0, 3000, "The stairs are hard."))
        uow.notes.add_entry(record.id, NoteEntry("subjective", "Stairs hard.", EntrySource.MODEL))
        if clinician_plan:
            uow.notes.add_entry(record.id, NoteEntry("plan", clinician_plan, EntrySource.CLINICIAN))
        uow.usage.add(record.id, "response", TokenUsage(input_text_tokens=500), 0.004, NOW)
        uow.sessions.set_status(record.id, SessionStatus.DRAFT, NOW + timedelta(minutes=30))
        return record.id


def _plan(db: Database, session_id: int) -> list[tuple[str, EntrySource]]:
    with db.uow_factory() as uow:
        entries = uow.notes.load(session_id).entries
    return [(e.text, e.source) for e in entries if e.section == "plan"]


def test_a_saved_patient_is_listed_audited_and_seen_by_the_next_session(
    run: Callable[..., Any], library: Library
) -> None:
    controller = library.controller

    async def scenario() -> None:
        saved = wait_for_signal(controller.patient_saved)
        controller.save_patient(Patient("Jordan Lee", "MRN-1", diagnoses=("Frozen shoulder",)))
        (patient,) = await saved
        assert isinstance(patient, Patient)
        assert patient.id is not None
        assert library.cache.get(patient.id).diagnoses == ("Frozen shoulder",)

        saved = wait_for_signal(controller.patient_saved)
        controller.save_patient(
            Patient("Jordan Lee", "MRN-1", diagnoses=("Rotator cuff",), id=patient.id)
        )
        await saved
        assert library.cache.get(patient.id).diagnoses == ("Rotator cuff",)

        listed = wait_for_signal(controller.patients_listed)
        controller.list_patients("mrn-1")
        (patients,) = await listed
        assert [(p.id, p.diagnoses) for p in patients] == [(patient.id, ("Rotator cuff",))]
        with library.db.uow_factory() as uow:
            trail = uow.audit.for_entity("patient", patient.id)
        assert [(r.actor, r.action, r.at) for r in trail] == [
            ("ana", "add_patient", NOW),
            ("ana", "update_patient", NOW),
        ]

    run(scenario())


def test_sessions_header_usage_and_a_stored_session_arrive_as_signals(
    run: Callable[..., Any], library: Library
) -> None:
    db, controller = library.db, library.controller
    with db.uow_factory() as uow:
        patient = uow.patients.add(Patient("Jordan Lee", precautions=("Falls",)))
    assert patient.id is not None
    session_id = _session(db, patient.id)
    unassigned = _session(db, None)

    async def scenario() -> None:
        listed = wait_for_signal(controller.sessions_listed)
        controller.list_sessions(patient.id)
        pid, rows = await listed
        assert pid == patient.id
        assert all(isinstance(r, SessionSummary) for r in rows)
        assert [(r.record.id, r.usage.input_tokens, r.duration_s) for r in rows] == [
            (session_id, 500, 30 * 60)
        ]
        listed = wait_for_signal(controller.sessions_listed)
        controller.list_sessions(None)
        pid, rows = await listed
        assert pid is None
        assert [r.record.id for r in rows] == [unassigned]

        header = wait_for_signal(controller.header_loaded)
        controller.load_header(patient.id)
        (loaded_header,) = await header
        assert isinstance(loaded_header, PatientHeader)
        assert loaded_header.safety_precautions[0].safety == "Fall risk"

        usage = wait_for_signal(controller.usage_loaded)
        controller.load_usage(session_id)
        used_id, used, cost = await usage
        assert (used_id, used, cost) == (session_id, TokenUsage(input_text_tokens=500), 0.004)

        loaded = wait_for_signal(controller.session_loaded)
        controller.load_session(session_id)
        (detail,) = await loaded
        assert isinstance(detail, SessionDetail)
        assert [s.text for s in detail.segments] == ["The stairs are hard."]
        assert [e.text for e in detail.note.entries] == ["Stairs hard."]

    run(scenario())


def test_search_relays_hits_and_ignores_a_blank_query(
    run: Callable[..., Any], library: Library
) -> None:
    session_id = _session(library.db, None)
    controller = library.controller
    finished = _emitted(controller.search_finished)

    async def scenario() -> None:
        controller.search("   ")
        await controller.wait_idle()
        assert finished == []
        controller.search("  stairs ")
        await controller.wait_idle()
        ((query, hits),) = finished
        assert query == "stairs"
        assert {h.session_id for h in hits} == {session_id}

    run(scenario())


def test_fast_typing_stores_one_clinician_entry_with_the_last_text(
    run: Callable[..., Any], library: Library
) -> None:
    session_id = _session(library.db, None)
    controller = library.controller

    async def scenario() -> None:
        for text in ("Home", "Home exer", "Home exercises daily."):
            controller.save_clinician_text(session_id, "plan", text)
        await controller.wait_idle()
        assert _plan(library.db, session_id) == [("Home exercises daily.", EntrySource.CLINICIAN)]
        controller.save_clinician_text(session_id, "plan", "Home exercises twice daily.")
        await controller.wait_idle()
        assert _plan(library.db, session_id) == [
            ("Home exercises twice daily.", EntrySource.CLINICIAN)
        ]

    run(scenario())


def test_a_reopened_session_edits_its_stored_clinician_entry(
    run: Callable[..., Any], library: Library
) -> None:
    session_id = _session(library.db, None, clinician_plan="Review in a week.")
    controller = library.controller

    async def scenario() -> None:
        loaded = wait_for_signal(controller.session_loaded)
        controller.load_session(session_id)
        await loaded
        controller.save_clinician_text(session_id, "plan", "Review in two weeks.")
        await controller.wait_idle()
        assert _plan(library.db, session_id) == [("Review in two weeks.", EntrySource.CLINICIAN)]

    run(scenario())


def test_what_storage_refuses_is_a_message_and_no_result(
    run: Callable[..., Any], library: Library
) -> None:
    session_id = _session(library.db, None)
    controller = library.controller
    errors = _emitted(controller.error_posted)
    loaded = _emitted(controller.session_loaded)

    async def scenario() -> None:
        controller.load_session(9999)
        await controller.wait_idle()
        assert loaded == []
        assert len(errors) == 1
        with library.db.uow_factory() as uow:
            uow.sessions.set_status(session_id, SessionStatus.SIGNED)
        controller.save_clinician_text(session_id, "plan", "Too late.")
        await controller.wait_idle()
        assert len(errors) == 2
        assert "signed" in errors[1][0]
        assert _plan(library.db, session_id) == []

    run(scenario())
