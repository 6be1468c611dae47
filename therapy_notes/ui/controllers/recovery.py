"""Crash recovery for the window: find sessions a crash left open and hand them back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from therapy_notes.errors import UserFacingError
from therapy_notes.services.recovery import RecoveryService
from therapy_notes.ui.controllers.tasks import TaskGroup

PatientNames = Callable[[], Awaitable[dict[int, str]]]
"""Every patient's name by id, from a service (`PatientsService.names`)."""


class RecoveryController(QObject):
    """Asks `RecoveryService` once at start; recovers what the clinician chooses.

    Signals:
        interrupted_found: `InterruptedSession`s, oldest first, and patient names by id
            (list, object: dict[int, str]).
        session_recovered: the id of the session, now a draft (int).
        error_posted: a message the user can act on (str).
    """

    interrupted_found = Signal(list, object)
    session_recovered = Signal(int)
    error_posted = Signal(str)

    def __init__(
        self,
        service: RecoveryService,
        patient_names: PatientNames,
        actor: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._patient_names = patient_names
        self._actor = actor
        self._tasks = TaskGroup("recovery")

    def find_interrupted(self) -> None:
        self._tasks.spawn(self._find(), "find")

    def recover(self, session_ids: list[int]) -> None:
        self._tasks.spawn(self._recover(session_ids), "recover")

    async def wait_idle(self) -> None:
        await self._tasks.wait()

    async def shutdown(self) -> None:
        await self._tasks.wait()  # a recovery half done would leave nothing inconsistent

    async def _find(self) -> None:
        try:
            found = await self._service.find_interrupted()
            names = await self._patient_names() if found else {}
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self.interrupted_found.emit(found, names)

    async def _recover(self, session_ids: list[int]) -> None:
        for session_id in session_ids:
            try:
                await self._service.recover(session_id, self._actor())
            except UserFacingError as exc:
                self.error_posted.emit(str(exc))
                continue
            self.session_recovered.emit(session_id)
