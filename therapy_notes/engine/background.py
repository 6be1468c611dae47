"""The local engine on a thread and event loop of its own, for the command line and tests.

The engine must not share its caller's event loop: voice activity detection, resampling
and protocol work for every 100 ms of audio would queue behind (and ahead of) everything
else. On its own loop it still competes for the GIL, which is why the window runs it in a
process of its own instead (`engine.process`); the command line has no window to keep
smooth, and tests that inject `EngineModels` need them in this process (`engine.launcher`
chooses).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from pathlib import Path
from typing import Self

from therapy_notes.engine.limits import EngineLimits
from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turns import EngineModels

_log = logging.getLogger(__name__)


class BackgroundEngine:
    """`LocalEngine` running on a daemon thread; the same start/stop/url surface."""

    def __init__(
        self,
        models: EngineModels | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        model_dir: Path | None = None,
        token: str | None = None,
        limits: EngineLimits | None = None,
    ) -> None:
        self._engine = LocalEngine(
            models, host=host, port=port, model_dir=model_dir, token=token, limits=limits
        )
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()

    @property
    def url(self) -> str:
        return self._engine.url

    @property
    def port(self) -> int:
        return self._engine.port

    @property
    def token(self) -> str:
        """The per-run bearer token; the engine refuses every other credential."""
        return self._engine.token

    async def start(self) -> None:
        """Start the thread and wait until the engine listens (models loaded).

        Raises:
            ModelError: the speech model is missing or damaged.
            OSError: the port is taken.
        """
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="local-engine", daemon=True)
        self._thread.start()
        try:
            await asyncio.wrap_future(self._ready)
        except BaseException:
            await asyncio.to_thread(self._thread.join)
            self._thread = None
            raise

    async def wait_lost(self) -> str:
        """Never returns: the thread ends only when `stop` ends it."""
        forever: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        return await forever

    async def stop(self) -> None:
        """Close every connection, stop the engine's loop and join its thread."""
        thread, loop, stop = self._thread, self._loop, self._stop_requested
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        await asyncio.to_thread(thread.join)
        self._thread = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop_requested = asyncio.Event()
        try:
            await self._engine.start()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of start()
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        try:
            await self._stop_requested.wait()
        finally:
            await self._engine.stop()
            _log.info("local engine thread stopped")
