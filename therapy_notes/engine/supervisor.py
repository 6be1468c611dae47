"""Keeps the local engine's process running for as long as the app runs.

A child process can end under the window: a crash in native code, the system ending it
when memory runs short, someone ending it in a task manager. The realtime link already
reconnects and replays every second of audio whose transcript has not come back, so the
session in progress loses nothing if an engine listens again at the same address with the
same token. So the supervisor starts a new child on its predecessor's port and token.

It gives up, with a message for the clinician, when the model can no longer be loaded,
when the port stays taken, or when the engine keeps ending (a crash that replaying the
same audio would only repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from therapy_notes.engine.process import EngineProcess
from therapy_notes.errors import EngineUnavailableError, ModelError

_log = logging.getLogger(__name__)

MAX_RESTARTS = 5
"""Restarts allowed within `RESTART_WINDOW_S`; one more means the engine cannot stay up."""
RESTART_WINDOW_S = 300.0
REBIND_ATTEMPTS = 8
"""A new child may find the old one's port still held for a moment; it tries again."""


def _rebind_delays() -> Iterator[float]:
    delay = 0.25
    while True:
        yield delay
        delay = min(delay * 2, 4.0)


class EngineSupervisor:
    """An `EngineProcess` started again whenever it ends on its own; the same surface.

    Args:
        model_dir: a CTranslate2 Whisper model folder (None = the bundled tiny.en).
        host: the interface every child binds.
        clock: seconds, for counting restarts within `RESTART_WINDOW_S`.
    """

    def __init__(
        self,
        *,
        model_dir: Path | None = None,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._model_dir = model_dir
        self._host = host
        self._clock = clock
        self._process = EngineProcess(host=host, model_dir=model_dir)
        self._watch_task: asyncio.Task[None] | None = None
        self._lost: asyncio.Future[str] | None = None
        self._restart_times: list[float] = []
        self.restarts = 0

    @property
    def url(self) -> str:
        return self._process.url

    @property
    def port(self) -> int:
        return self._process.port

    @property
    def token(self) -> str:
        """The per-run bearer token, kept across restarts so a reconnecting link gets in."""
        return self._process.token

    @property
    def pid(self) -> int | None:
        """The current child's process id, while one runs."""
        return self._process.pid

    async def start(self) -> None:
        """Start the first child and watch it.

        Raises:
            ModelError: the speech model is missing or damaged.
            OSError: the port is taken.
            EngineUnavailableError: the child ended or hung before it listened.
        """
        if self._watch_task is not None:
            return
        self._lost = asyncio.get_running_loop().create_future()
        await self._process.start()
        self._watch_task = asyncio.create_task(self._watch(), name="local-engine-watch")

    async def wait_lost(self) -> str:
        """Wait until the engine has ended for good; what to tell the clinician.

        Raises:
            RuntimeError: the supervisor was never started.
        """
        if self._lost is None:
            raise RuntimeError("the local engine supervisor is not started")
        return await asyncio.shield(self._lost)

    async def stop(self) -> None:
        """Stop watching, then stop the child (a restart under way is abandoned)."""
        task, self._watch_task = self._watch_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._process.stop()

    async def __aenter__(self) -> EngineSupervisor:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _watch(self) -> None:
        while True:
            code = await self._process.wait_exited()
            port, token = self._process.port, self._process.token
            await self._process.stop()  # collects the pipe; the child is gone already
            _log.warning(
                "local engine process ended on its own (exit code %s); starting a new one", code
            )
            now = self._clock()
            self._restart_times = [t for t in self._restart_times if now - t < RESTART_WINDOW_S] + [
                now
            ]
            if len(self._restart_times) > MAX_RESTARTS:
                self._give_up(
                    f"The local speech engine stopped {len(self._restart_times)} times in a "
                    "few minutes, so it is not started again. Everything transcribed so far "
                    "is saved. Restart the app; if it keeps happening, send the log file "
                    "(Help > Your data) to support."
                )
                return
            if not await self._start_again(port, token):
                return
            self.restarts += 1

    async def _start_again(self, port: int, token: str) -> bool:
        delays = _rebind_delays()
        reason = ""
        for _ in range(REBIND_ATTEMPTS):
            process = EngineProcess(
                host=self._host, port=port, model_dir=self._model_dir, token=token
            )
            try:
                await process.start()
            except ModelError as exc:
                self._give_up(f"The local speech engine stopped and could not start again: {exc}")
                return False
            except OSError as exc:
                reason = f"port {port}: {exc.strerror or exc}"
            except EngineUnavailableError as exc:
                reason = str(exc)
            else:
                self._process = process
                _log.info("local engine process started again on port %s", port)
                return True
            _log.info("local engine could not start again yet (%s)", reason)
            await asyncio.sleep(next(delays))
        self._give_up(
            f"The local speech engine stopped and could not start again ({reason}). "
            "Everything transcribed so far is saved. Restart the app; if it keeps failing, "
            "check that no firewall blocks connections to this computer (127.0.0.1)."
        )
        return False

    def _give_up(self, message: str) -> None:
        _log.error("local engine is not started again")
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(message)
