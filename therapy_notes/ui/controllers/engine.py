"""Keeps the speech engine running: the local engine beside the window, or a cloud endpoint.

The local engine loads its model for about a second; that happens in the engine's own
process while the window is already on screen, showing "starting". If the engine ends
for good while the app runs (its process could not be started again), the indicator
says so and the next Record explains why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal

from therapy_notes.errors import EngineUnavailableError, UserFacingError
from therapy_notes.ui.controllers.tasks import TaskGroup

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineEndpoint:
    """Where sessions connect: a ws(s):// base URL, its credential, "local" or "cloud".

    `api_key` is whatever `domain.engine_url.credential_for` chose for `url`: the OpenAI key
    only for OpenAI's hosts, else the engine token. `ca_file` names a clinic CA to trust.
    `lost`, for an engine this app runs, waits until it has ended for good and returns what
    to tell the user.
    """

    url: str
    api_key: str
    kind: str
    label: str
    ca_file: str = ""
    lost: Callable[[], Awaitable[str]] | None = field(default=None, compare=False)


class EngineState(StrEnum):
    """What the engine indicator draws."""

    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    STOPPED = "stopped"


EngineOpener = Callable[[], AbstractAsyncContextManager[EngineEndpoint]]
"""Starts (or just names) the engine from the current settings; stops it on exit."""


class EngineController(QObject):
    """Runs the engine in a task of its own and answers "where do sessions connect?".

    Signals:
        state_changed: the `EngineState` and a message for the user (object, str).
    """

    state_changed = Signal(object, str)

    def __init__(self, opener: EngineOpener, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._opener = opener
        self._tasks = TaskGroup("engine")
        self._endpoint: EngineEndpoint | None = None
        self._failure = ""
        self._stop = asyncio.Event()
        self._state = EngineState.STOPPED
        self._serve_task: asyncio.Task[None] | None = None

    @property
    def state(self) -> EngineState:
        return self._state

    @property
    def endpoint_label(self) -> str:
        return self._endpoint.label if self._endpoint is not None else ""

    def start(self) -> None:
        """Start the engine in the background; returns at once."""
        if self._serve_task is not None and not self._serve_task.done():
            return
        self._stop = asyncio.Event()
        self._failure = ""
        self._set(EngineState.STARTING, "Starting the speech engine…")
        self._serve_task = self._tasks.spawn(self._serve(), "serve")

    def restart(self) -> None:
        """Apply new engine settings: stop the running engine, then start again."""
        # Sessions asked to start from now on wait for the new engine, never the old one.
        self._set(EngineState.STARTING, "Restarting the speech engine…")
        self._tasks.spawn(self._restart(), "restart")

    async def endpoint(self, timeout_s: float = 60.0) -> EngineEndpoint:
        """Where to connect, once the engine is up (waits through a start or restart).

        Raises:
            EngineUnavailableError: the engine failed to start, or did not start in time.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            if self._state is EngineState.READY and self._endpoint is not None:
                return self._endpoint
            if self._state is EngineState.FAILED:
                raise EngineUnavailableError(self._failure or "The speech engine is not running.")
            if self._state is EngineState.STOPPED:
                self.start()
            if loop.time() > deadline:
                raise EngineUnavailableError(
                    "The speech engine is taking too long to start. Wait a moment and press "
                    "Record again; if it keeps happening, restart the app."
                )
            await asyncio.sleep(0.05)

    async def shutdown(self) -> None:
        self._stop.set()
        await self._tasks.wait()

    async def _restart(self) -> None:
        self._stop.set()
        if self._serve_task is not None:
            await asyncio.gather(self._serve_task, return_exceptions=True)
        self.start()

    async def _serve(self) -> None:
        try:
            async with self._opener() as endpoint:
                self._endpoint = endpoint
                self._set(EngineState.READY, endpoint.label)
                lost = await self._stopped_or_lost(endpoint)
                if lost is not None:
                    self._endpoint = None
                    raise EngineUnavailableError(lost)
        except UserFacingError as exc:
            self._failure = str(exc)
            self._set(EngineState.FAILED, str(exc))
        finally:
            self._endpoint = None
            if self._state is EngineState.READY:
                self._set(EngineState.STOPPED, "")

    async def _stopped_or_lost(self, endpoint: EngineEndpoint) -> str | None:
        """Wait for shutdown or a restart (None), or for the engine to end for good."""
        stopped = asyncio.ensure_future(self._stop.wait())
        waiting: set[asyncio.Future[Any]] = {stopped}
        lost: asyncio.Future[str] | None = None
        if endpoint.lost is not None:
            lost = asyncio.ensure_future(endpoint.lost())
            waiting.add(lost)
        try:
            done, _pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in waiting:
                future.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
        if lost is not None and lost in done and stopped not in done:
            return lost.result()
        return None

    def _set(self, state: EngineState, message: str) -> None:
        self._state = state
        _log.info("engine %s", state.value)
        self.state_changed.emit(state, message)
