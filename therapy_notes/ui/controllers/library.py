"""Patients, their sessions, search and saved notes: the stored side of the window.

Every read and write runs in one unit of work on a worker thread, so a slow disk never
freezes the window; results come back as signals on the UI thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from therapy_notes.domain.audit import AuditRecord, SearchHit
from therapy_notes.domain.notes import EntrySource, Note, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import UserFacingError
from therapy_notes.services.patients import PatientsService
from therapy_notes.services.ports import UnitOfWork
from therapy_notes.ui.controllers.tasks import TaskGroup

_log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_ACTOR = "clinician"


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One row of the sessions table."""

    record: SessionRecord
    usage: TokenUsage
    cost_usd: float

    @property
    def duration_s(self) -> int | None:
        if self.record.ended_at is None:
            return None
        return max(0, int((self.record.ended_at - self.record.started_at).total_seconds()))


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """A stored session as the session view shows it."""

    record: SessionRecord
    segments: tuple[Segment, ...]
    note: Note


class LibraryController(QObject):
    """Loads and saves what is stored, for the window's lists, search and note editor.

    Signals:
        patients_listed: patients matching the last search (list[Patient]).
        patient_saved: the saved `Patient` (object).
        sessions_listed: patient id or None, `SessionSummary` rows (object, list).
        header_loaded: a `PatientHeader` for the session view (object).
        usage_loaded: a stored session's id, its `TokenUsage` and cost in USD (int, object,
            float).
        session_loaded: a `SessionDetail` (object).
        search_finished: the query and its `SearchHit`s (str, list).
        risk_acknowledged: the id of the acknowledged risk flag (int).
        error_posted: a message the user can act on (str).
    """

    patients_listed = Signal(list)
    patient_saved = Signal(object)
    sessions_listed = Signal(object, list)
    header_loaded = Signal(object)
    usage_loaded = Signal(int, object, float)
    session_loaded = Signal(object)
    search_finished = Signal(str, list)
    risk_acknowledged = Signal(int)
    error_posted = Signal(str)

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
        *,
        actor: Callable[[], str] = lambda: DEFAULT_ACTOR,
    ) -> None:
        super().__init__(parent)
        self._uow_factory = uow_factory
        self._actor = actor
        self._clock = clock
        self._tasks = TaskGroup("library")
        self._patients = PatientsService(uow_factory)
        self._pending_text: dict[tuple[int, str], str] = {}
        self._writing: set[tuple[int, str]] = set()
        self._clinician_ids: dict[tuple[int, str], int] = {}

    # -- intent ------------------------------------------------------------------------------

    def list_patients(self, search: str = "") -> None:
        self._tasks.spawn(self._list_patients(search), "patients")

    def save_patient(self, patient: Patient) -> None:
        self._tasks.spawn(self._save_patient(patient), "save-patient")

    def list_sessions(self, patient_id: int | None) -> None:
        self._tasks.spawn(self._list_sessions(patient_id), "sessions")

    def load_session(self, session_id: int) -> None:
        self._tasks.spawn(self._load_session(session_id), "load-session")

    def load_usage(self, session_id: int) -> None:
        """What a stored session used, for the footer while it is open."""
        self._tasks.spawn(self._load_usage(session_id), "session-usage")

    def load_header(self, patient_id: int) -> None:
        """The patient's header for the session view (profile, precautions, last plan)."""
        self._tasks.spawn(self._load_header(patient_id), "patient-header")

    def search(self, query: str) -> None:
        if query.strip():
            self._tasks.spawn(self._search(query.strip()), "search")

    def acknowledge_risk(self, risk_id: int) -> None:
        self._tasks.spawn(self._acknowledge(risk_id), "acknowledge-risk")

    def save_clinician_text(self, session_id: int, section: str, text: str) -> None:
        """Keep the clinician's own text for a section; the latest edit wins.

        One writer per section runs at a time, so fast typing never creates two entries.
        """
        key = (session_id, section)
        self._pending_text[key] = text
        if key not in self._writing:
            self._writing.add(key)
            self._tasks.spawn(self._write_clinician_text(key), "clinician-text")

    async def wait_idle(self) -> None:
        await self._tasks.wait()

    async def shutdown(self) -> None:
        """Let pending writes finish (they are the clinician's words), then stop."""
        await self._tasks.wait()

    # -- work --------------------------------------------------------------------------------

    async def _run(self, work: Callable[[UnitOfWork], T]) -> T | None:
        def run() -> T:
            with self._uow_factory() as uow:
                return work(uow)

        try:
            return await asyncio.to_thread(run)
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return None

    async def _list_patients(self, search: str) -> None:
        patients = await self._run(lambda uow: uow.patients.list(search))
        if patients is not None:
            self.patients_listed.emit(patients)

    async def _save_patient(self, patient: Patient) -> None:
        at, actor = self._clock(), self._actor()

        def save(uow: UnitOfWork) -> Patient:
            if patient.id is None:
                saved = uow.patients.add(patient)
                action = "add_patient"
            else:
                uow.patients.update(patient)
                saved, action = patient, "update_patient"
            uow.audit.record(AuditRecord(actor, action, "patient", saved.id, at))
            return saved

        saved = await self._run(save)
        if saved is not None:
            self.patient_saved.emit(saved)

    async def _list_sessions(self, patient_id: int | None) -> None:
        def load(uow: UnitOfWork) -> list[SessionSummary]:
            if patient_id is not None:
                records = uow.sessions.for_patient(patient_id)
            else:
                records = [
                    r
                    for status in SessionStatus
                    for r in uow.sessions.with_status(status)
                    if r.patient_id is None
                ]
            records.sort(key=lambda r: r.started_at, reverse=True)
            return [
                SessionSummary(r, uow.usage.total(r.id), uow.usage.cost_usd(r.id)) for r in records
            ]

        rows = await self._run(load)
        if rows is not None:
            self.sessions_listed.emit(patient_id, rows)

    async def _load_usage(self, session_id: int) -> None:
        used = await self._run(
            lambda uow: (uow.usage.total(session_id), uow.usage.cost_usd(session_id))
        )
        if used is not None:
            self.usage_loaded.emit(session_id, used[0], used[1])

    async def _load_header(self, patient_id: int) -> None:
        try:
            header = await self._patients.header(patient_id)
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self.header_loaded.emit(header)

    async def _load_session(self, session_id: int) -> None:
        def load(uow: UnitOfWork) -> SessionDetail:
            return SessionDetail(
                uow.sessions.get(session_id),
                tuple(uow.segments.for_session(session_id)),
                uow.notes.load(session_id),
            )

        detail = await self._run(load)
        if detail is None:
            return
        for entry in detail.note.entries:
            if entry.source is EntrySource.CLINICIAN and entry.id is not None:
                self._clinician_ids[(session_id, entry.section)] = entry.id
        self.session_loaded.emit(detail)

    async def _search(self, query: str) -> None:
        hits: list[SearchHit] | None = await self._run(lambda uow: uow.search.search(query))
        if hits is not None:
            self.search_finished.emit(query, hits)

    async def _acknowledge(self, risk_id: int) -> None:
        at, actor = self._clock(), self._actor()

        def ack(uow: UnitOfWork) -> bool:
            uow.notes.acknowledge_risk(risk_id, at)
            uow.audit.record(
                AuditRecord(
                    actor,
                    "acknowledge_risk",
                    "risk_flag",
                    risk_id,
                    at,
                    None,
                    json.dumps({"acknowledged_at": at.isoformat()}),
                )
            )
            return True

        if await self._run(ack):
            self.risk_acknowledged.emit(risk_id)

    async def _write_clinician_text(self, key: tuple[int, str]) -> None:
        session_id, section = key
        try:
            while key in self._pending_text:
                text = self._pending_text.pop(key)
                entry_id = self._clinician_ids.get(key)

                def write(
                    uow: UnitOfWork, text: str = text, entry_id: int | None = entry_id
                ) -> NoteEntry:
                    if entry_id is None:
                        return uow.notes.add_entry(
                            session_id, NoteEntry(section, text, EntrySource.CLINICIAN)
                        )
                    return uow.notes.update_entry(entry_id, text, EntrySource.CLINICIAN.value)

                saved = await self._run(write)
                if saved is not None and saved.id is not None:
                    self._clinician_ids[key] = saved.id
        finally:
            self._writing.discard(key)
