"""Review, sign-off, addenda, export and progress for the window, through the services.

A thin bridge: `NotesService` does the note's data work and `PatientsService` the
patients' (names for the review list, progress), so the UI never opens a unit of work.
Every action is done as the signed-in user; after each change in the review the note is
loaded again, so the window always draws what storage holds (including the signature
check). Risks are acknowledged only here, from the review or the risk banner, so there is
one checked and audited way to do it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from therapy_notes.domain.document import NoteDocument
from therapy_notes.domain.export_formats import ExportFormat, PaperSize
from therapy_notes.domain.session import SessionRecord
from therapy_notes.domain.users import User
from therapy_notes.errors import EditConflictError, UserFacingError
from therapy_notes.file_modes import write_private_file
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService, ProgressPoint
from therapy_notes.ui.controllers.tasks import TaskGroup

__all__ = ["NotesController", "ProgressPoint", "ReviewRow"]

_log = logging.getLogger(__name__)

Renderer = Callable[[NoteDocument, str, str], bytes]
"""(document, export format, paper) -> file bytes; the composition root supplies it."""
CurrentUser = Callable[[], User | None]


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One session awaiting review, with its patient's name for the list."""

    record: SessionRecord
    patient_name: str


class NotesController(QObject):
    """The note's lifecycle for the window: review list, edits, signatures, export.

    Signals:
        awaiting_listed: `ReviewRow`s of draft notes, oldest first (list).
        review_loaded: a `NoteReview` (object).
        note_changed: a change to the session's note was stored (a signature, an edit, an
            addendum), so every view listing its status should list it again (int).
        audit_listed: session id and its `AuditRecord`s, oldest first (int, list).
        exported: the path of the written file (str).
        note_copied: the note as plain text, for the clipboard (str).
        progress_loaded: patient id and series name -> `ProgressPoint`s (int, object: dict).
        risk_acknowledged: session id and the id of the risk flag now acknowledged
            (int, int).
        error_posted: a message the user can act on (str).
    """

    awaiting_listed = Signal(list)
    review_loaded = Signal(object)
    note_changed = Signal(int)
    audit_listed = Signal(int, list)
    exported = Signal(str)
    note_copied = Signal(str)
    progress_loaded = Signal(int, object)
    risk_acknowledged = Signal(int, int)
    error_posted = Signal(str)

    def __init__(
        self,
        service: NotesService,
        patients: PatientsService,
        renderer: Renderer,
        current_user: CurrentUser,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._patients = patients
        self._render = renderer
        self._current_user = current_user
        self._tasks = TaskGroup("notes")
        self._shown_versions: dict[int, int] = {}
        """Entry id -> the version last shown: an edit is saved only over that version."""

    # -- intent ------------------------------------------------------------------------------

    def list_awaiting(self) -> None:
        self._tasks.spawn(self._list_awaiting(), "awaiting")

    def load(self, session_id: int) -> None:
        self._act(session_id, None, "load")

    def edit_entry(self, session_id: int, entry_id: int, text: str) -> None:
        version = self._shown_versions.get(entry_id)
        self._act(
            session_id,
            lambda u: self._service.edit_entry(u, entry_id, text, expected_version=version),
            "edit",
        )

    def delete_entry(self, session_id: int, entry_id: int) -> None:
        self._act(session_id, lambda u: self._service.delete_entry(u, entry_id), "delete")

    def acknowledge_risk(self, session_id: int, risk_id: int, *, reload: bool = True) -> None:
        """Acknowledge a flagged risk as the signed-in user; `risk_acknowledged` follows.

        From the review (`reload`) the note is then loaded again. From the risk banner of
        a live or reopened session (`reload=False`) the view stays as it is.
        """
        if reload:
            self._act(
                session_id, lambda u: self._acknowledge(u, session_id, risk_id), "acknowledge"
            )
        else:
            self._tasks.spawn(self._acknowledge_seen(session_id, risk_id), "acknowledge-risk")

    def sign(self, session_id: int) -> None:
        self._act(session_id, lambda u: self._service.sign(u, session_id), "sign")

    def cosign(self, session_id: int) -> None:
        self._act(session_id, lambda u: self._service.cosign(u, session_id), "cosign")

    def add_addendum(self, session_id: int, reason: str, text: str) -> None:
        self._act(
            session_id,
            lambda u: self._service.add_addendum(u, session_id, reason, text),
            "addendum",
        )

    def export(
        self,
        session_id: int,
        export_format: str,
        path: Path,
        *,
        paper: str = "a4",
        include_transcript: bool = False,
    ) -> None:
        self._tasks.spawn(
            self._export(session_id, export_format, path, paper, include_transcript), "export"
        )

    def copy_note(self, session_id: int) -> None:
        self._tasks.spawn(self._copy(session_id), "copy")

    def load_progress(self, patient_id: int) -> None:
        self._tasks.spawn(self._progress(patient_id), "progress")

    async def wait_idle(self) -> None:
        await self._tasks.wait()

    async def shutdown(self) -> None:
        await self._tasks.wait()  # a signature or edit in flight is the clinician's work

    # -- work --------------------------------------------------------------------------------

    def _user(self) -> User | None:
        user = self._current_user()
        if user is None:
            self.error_posted.emit("Sign in first.")
        return user

    def _act(
        self, session_id: int, change: Callable[[User], Awaitable[object]] | None, name: str
    ) -> None:
        self._tasks.spawn(self._change_then_load(session_id, change), name)

    async def _change_then_load(
        self, session_id: int, change: Callable[[User], Awaitable[object]] | None
    ) -> None:
        user = self._user()
        if user is None:
            return
        try:
            if change is not None:
                try:
                    await change(user)
                except EditConflictError as exc:  # nothing was stored: show what is
                    self.error_posted.emit(str(exc))
                    change = None
            review = await self._service.load(user, session_id)
            trail = await self._service.audit_trail(session_id)
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self._shown_versions.update(
            {e.id: e.version for e in review.note.entries if e.id is not None}
        )
        self.review_loaded.emit(review)
        self.audit_listed.emit(session_id, trail)
        if change is not None:
            self.note_changed.emit(session_id)
            await self._list_awaiting()

    async def _acknowledge(self, user: User, session_id: int, risk_id: int) -> None:
        await self._service.acknowledge_risk(user, session_id, risk_id)
        self.risk_acknowledged.emit(session_id, risk_id)

    async def _acknowledge_seen(self, session_id: int, risk_id: int) -> None:
        user = self._user()
        if user is None:
            return
        try:
            await self._acknowledge(user, session_id, risk_id)
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))

    async def _list_awaiting(self) -> None:
        try:
            records = await self._service.awaiting_review()
            names = await self._patients.names()
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self.awaiting_listed.emit(
            [
                ReviewRow(r, names.get(r.patient_id, "") if r.patient_id is not None else "")
                for r in records
            ]
        )

    async def _document(
        self, session_id: int, export_format: str, include_transcript: bool
    ) -> NoteDocument | None:
        user = self._user()
        if user is None:
            return None
        try:
            return await self._service.export_document(
                user, session_id, export_format=export_format, include_transcript=include_transcript
            )
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return None

    async def _export(
        self, session_id: int, export_format: str, path: Path, paper: str, include_transcript: bool
    ) -> None:
        document = await self._document(session_id, export_format, include_transcript)
        if document is None:
            return
        if export_format == ExportFormat.PDF:  # QTextDocument layout belongs on the UI thread
            data = self._render(document, export_format, paper)
        else:
            data = await asyncio.to_thread(self._render, document, export_format, paper)
        try:
            await asyncio.to_thread(write_private_file, path, data)  # 0600, as the CLI
        except OSError as exc:
            self.error_posted.emit(
                f"The note could not be written to {path} ({exc.strerror or exc}). "
                "Choose another folder or free some disk space."
            )
            return
        _log.info("session %s exported (%s, %d bytes)", session_id, export_format, len(data))
        self.exported.emit(str(path))
        trail = await self._service.audit_trail(session_id)
        self.audit_listed.emit(session_id, trail)

    async def _copy(self, session_id: int) -> None:
        document = await self._document(session_id, ExportFormat.TEXT, False)
        if document is not None:
            text = (
                await asyncio.to_thread(self._render, document, ExportFormat.TEXT, PaperSize.A4)
            ).decode("utf-8")
            self.note_copied.emit(text)

    async def _progress(self, patient_id: int) -> None:
        try:
            series = await self._patients.progress(patient_id)
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self.progress_loaded.emit(patient_id, series)
