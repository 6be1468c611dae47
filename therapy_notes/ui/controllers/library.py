"""Patients, their sessions, search and the clinician's own text: the stored side of the window.

A thin bridge: `PatientsService`, `SessionsService` and `NotesService` do the data work
(each call one unit of work on a worker thread, so a slow disk never freezes the window);
this controller owns the tasks, keeps the clinician's typing down to one writer per
section, and hands results to the UI thread as signals.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from therapy_notes.domain.audit import SearchHit
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.patients import Patient
from therapy_notes.errors import UserFacingError
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService
from therapy_notes.services.sessions import SessionDetail, SessionsService, SessionSummary
from therapy_notes.ui.controllers.tasks import TaskGroup

__all__ = ["DEFAULT_ACTOR", "LibraryController", "SessionDetail", "SessionSummary"]

_log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_ACTOR = "clinician"


class LibraryController(QObject):
    """Loads and saves what is stored, for the window's lists, search and note editor.

    Risks are acknowledged through `NotesController` (one checked, audited path).

    Signals:
        patients_listed: patients matching the last search (list[Patient]).
        patient_saved: the saved `Patient` (object).
        sessions_listed: patient id or None, `SessionSummary` rows (object, list).
        header_loaded: a `PatientHeader` for the session view (object).
        usage_loaded: a stored session's id, its `TokenUsage` and cost in USD (int, object,
            float).
        session_loaded: a `SessionDetail` (object).
        search_finished: the query and its `SearchHit`s (str, list).
        error_posted: a message the user can act on (str).
    """

    patients_listed = Signal(list)
    patient_saved = Signal(object)
    sessions_listed = Signal(object, list)
    header_loaded = Signal(object)
    usage_loaded = Signal(int, object, float)
    session_loaded = Signal(object)
    search_finished = Signal(str, list)
    error_posted = Signal(str)

    def __init__(
        self,
        patients: PatientsService,
        sessions: SessionsService,
        notes: NotesService,
        parent: QObject | None = None,
        *,
        actor: Callable[[], str] = lambda: DEFAULT_ACTOR,
    ) -> None:
        super().__init__(parent)
        self._patients = patients
        self._sessions = sessions
        self._notes = notes
        self._actor = actor
        self._tasks = TaskGroup("library")
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

    async def _call(self, work: Awaitable[T]) -> T | None:
        """The service's answer, or None after posting what went wrong in the environment."""
        try:
            return await work
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return None

    async def _list_patients(self, search: str) -> None:
        patients = await self._call(self._patients.find(search))
        if patients is not None:
            self.patients_listed.emit(patients)

    async def _save_patient(self, patient: Patient) -> None:
        saved = await self._call(self._patients.save(patient, self._actor()))
        if saved is not None:
            self.patient_saved.emit(saved)

    async def _list_sessions(self, patient_id: int | None) -> None:
        rows = await self._call(self._sessions.summaries(patient_id))
        if rows is not None:
            self.sessions_listed.emit(patient_id, rows)

    async def _load_usage(self, session_id: int) -> None:
        used = await self._call(self._sessions.usage(session_id))
        if used is not None:
            self.usage_loaded.emit(session_id, used.usage, used.cost_usd)

    async def _load_header(self, patient_id: int) -> None:
        header = await self._call(self._patients.header(patient_id))
        if header is not None:
            self.header_loaded.emit(header)

    async def _load_session(self, session_id: int) -> None:
        detail = await self._call(self._sessions.detail(session_id))
        if detail is None:
            return
        for entry in detail.note.entries:
            if entry.source is EntrySource.CLINICIAN and entry.id is not None:
                self._clinician_ids[(session_id, entry.section)] = entry.id
        self.session_loaded.emit(detail)

    async def _search(self, query: str) -> None:
        hits: list[SearchHit] | None = await self._call(self._sessions.search(query))
        if hits is not None:
            self.search_finished.emit(query, hits)

    async def _write_clinician_text(self, key: tuple[int, str]) -> None:
        session_id, section = key
        try:
            while key in self._pending_text:
                text = self._pending_text.pop(key)
                saved = await self._call(
                    self._notes.save_clinician_text(
                        session_id, section, text, self._clinician_ids.get(key)
                    )
                )
                if saved is not None and saved.id is not None:
                    self._clinician_ids[key] = saved.id
        finally:
            self._writing.discard(key)
