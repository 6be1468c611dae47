"""The local engine in a child process of its own, beside the window.

On a thread of the window's process the engine's Python work (voice activity detection,
resampling, the protocol, the note composer) held the window's GIL: in a long session the
window stalled for half a second at a time. In a child process the engine has an
interpreter of its own, and the speech model is loaded there, so the window's memory holds
none of it.

The child is started with `spawn` (a fresh interpreter, no copy of the window's Qt state,
the same on every platform), listens on the host and port it is given with the per-run
token the parent chose, and reports its port over a pipe. It never outlives the window:
when the pipe's other end closes (the parent exited, however it exited) or its parent
process changes, it stops. Its log records come back over the same pipe into the app's
log, so there is one log and one redaction.

This module is imported by the window, so it imports nothing of the engine at the top:
the child imports the server, the window never does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

from therapy_notes.errors import EngineUnavailableError, ModelError

# Imported here, on the thread that imports this module: `Process.start` would otherwise
# import them on the worker thread it runs on, beside whatever the window imports then.
if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import multiprocessing.popen_spawn_win32
else:
    import multiprocessing.popen_spawn_posix
    import multiprocessing.resource_tracker

_log = logging.getLogger(__name__)

_READY: Final = "ready"
_FAILED: Final = "failed"
_LOG: Final = "log"
_STOP: Final = "stop"
_EXITED: Final = "exited"
_MODEL: Final = "model"
_PORT: Final = "port"
_BUG: Final = "bug"

PARENT_CHECK_INTERVAL_S = 0.5
"""How often the child also checks that its parent is still the process that started it."""
START_TIMEOUT_S = 180.0
"""A child that neither listens nor fails by then is hung; a busy laptop loads in seconds."""


@dataclass(frozen=True, slots=True)
class ChildOptions:
    """What the child needs to serve; plain values, since they cross into a new process."""

    host: str
    port: int
    model_dir: str | None
    token: str
    parent_pid: int
    log_level: int


class EngineProcess:
    """`LocalEngine` in a child process; the same start/stop/url/token surface.

    Args:
        host: the interface the child binds (loopback: the engine is for this computer).
        port: 0 picks a free port; a restarted engine asks for its predecessor's.
        model_dir: a CTranslate2 Whisper model folder (None = the bundled tiny.en).
        token: the per-run bearer token; random when None.
        stop_timeout_s: how long a stopping child may take before it is terminated.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        model_dir: Path | None = None,
        token: str | None = None,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._model_dir = model_dir
        self._token = token or secrets.token_urlsafe(32)
        self._stop_timeout_s = stop_timeout_s
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._watch: _ChildWatch | None = None
        self._bound_port: int | None = None

    @property
    def token(self) -> str:
        """The per-run bearer token; the engine refuses every other credential."""
        return self._token

    @property
    def port(self) -> int:
        """The port the child listens on (raises before `start`)."""
        if self._bound_port is None:
            raise RuntimeError("the local engine process is not started")
        return self._bound_port

    @property
    def url(self) -> str:
        """The client's `websocket_base_url`, e.g. `ws://127.0.0.1:PORT/v1`."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"ws://{host}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (for a watchdog, a test, a benchmark)."""
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        """Start the child and wait, without blocking the loop, until it listens.

        Raises:
            ModelError: the speech model is missing or damaged.
            OSError: the port is taken.
            EngineUnavailableError: the child ended or hung before it listened.
        """
        if self._process is not None:
            return
        loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        options = ChildOptions(
            host=self._host,
            port=self._requested_port,
            model_dir=str(self._model_dir) if self._model_dir is not None else None,
            token=self._token,
            parent_pid=os.getpid(),
            log_level=logging.getLogger("therapy_notes").getEffectiveLevel(),
        )
        process = context.Process(
            target=serve_in_child,
            args=(child_end, options),
            name="therapy-notes-engine",
            daemon=True,  # multiprocessing also ends it if this interpreter exits normally
        )
        watch = _ChildWatch(loop)
        try:
            # Creating the process copies page tables and writes its start-up data: off the loop.
            await asyncio.to_thread(process.start)
        except BaseException:
            parent_end.close()
            child_end.close()
            raise
        child_end.close()  # only the child holds its end now: its exit is our EOF
        self._process, self._conn, self._watch = process, parent_end, watch
        threading.Thread(
            target=_read_child,
            args=(parent_end, process, watch.post),
            name="local-engine-pipe",
            daemon=True,
        ).start()
        try:
            self._bound_port = await asyncio.wait_for(asyncio.shield(watch.ready), START_TIMEOUT_S)
        except TimeoutError:
            await self.stop()
            raise EngineUnavailableError(
                "The local speech engine did not start in time. Restart the app; if it keeps "
                "happening, close other programs that keep this computer busy."
            ) from None
        except BaseException:  # failed, or cancelled (the app quit while it was loading)
            await self.stop()
            raise
        _log.info("local engine process %s listening on port %s", process.pid, self._bound_port)

    async def wait_exited(self) -> int | None:
        """Wait until the child has ended, for whatever reason; its exit code.

        Raises:
            RuntimeError: the process was never started.
        """
        if self._watch is None:
            raise RuntimeError("the local engine process is not started")
        return await asyncio.shield(self._watch.exited)

    async def stop(self) -> None:
        """Ask the child to close every connection and exit; end it if it does not."""
        if self._process is None:
            return
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):  # a child that already died closed the pipe
                conn.send((_STOP,))
        await self._end_child()

    async def _end_child(self) -> None:
        """Wait for the child to exit (terminate it, then kill it, if it will not)."""
        process, watch, conn = self._process, self._watch, self._conn
        if process is None or watch is None:
            return
        for end in (None, process.terminate, process.kill):
            if end is not None:
                _log.warning("local engine process %s did not stop; ending it", process.pid)
                end()
            try:
                await asyncio.wait_for(asyncio.shield(watch.exited), self._stop_timeout_s)
                break
            except TimeoutError:
                continue
        if conn is not None:
            conn.close()
        self._process, self._conn, self._bound_port = None, None, None
        _log.info("local engine process %s stopped", process.pid)

    async def __aenter__(self) -> EngineProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class _ChildWatch:
    """One child's messages, settled on the parent's loop: ready, failed, logs, exit."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.ready: asyncio.Future[int] = loop.create_future()
        self.exited: asyncio.Future[int | None] = loop.create_future()
        # Nobody may ever wait for `ready` (a start cancelled early): no "never retrieved".
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())

    def post(self, message: tuple[Any, ...]) -> None:
        """Called on the pipe's reader thread: hand the message to the loop."""
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            self._loop.call_soon_threadsafe(self._handle, message)

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == _LOG:
            _forward_log(*message[1:])
        elif kind == _READY:
            if not self.ready.done():
                self.ready.set_result(int(message[1]))
        elif kind == _FAILED:
            if not self.ready.done():
                self.ready.set_exception(_start_failure(*message[1:]))
        elif kind == _EXITED:
            code = message[1]
            if not self.ready.done():
                self.ready.set_exception(
                    EngineUnavailableError(
                        f"The local speech engine stopped while starting (exit code {code}). "
                        "Restart the app; if it keeps failing, reinstall Therapy Notes."
                    )
                )
            if not self.exited.done():
                self.exited.set_result(code)


def _read_child(
    conn: Connection, process: BaseProcess, post: Callable[[tuple[Any, ...]], None]
) -> None:
    """The parent's pipe reader (its own thread): every message, then the child's exit."""
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if isinstance(message, tuple) and message:
                post(message)
    finally:
        process.join()
        post((_EXITED, process.exitcode))


def _start_failure(kind: str, message: str, errno: int) -> Exception:
    """The exception `start` raises for what the child reported."""
    if kind == _MODEL:
        return ModelError(message)
    if kind == _PORT:
        return OSError(errno, message)
    return EngineUnavailableError(
        f"The local speech engine failed to start ({message}). Restart the app; if it keeps "
        "failing, reinstall Therapy Notes and send the log file (Help > Your data) to support."
    )


def _forward_log(name: str, level: int, message: str, exc_text: str | None) -> None:
    """A record the child logged, into the parent's loggers (and their redaction)."""
    logger = logging.getLogger(name)
    if not logger.isEnabledFor(level):
        return
    record = logger.makeRecord(name, level, "(local engine process)", 0, "%s", (message,), None)
    record.processName = "local-engine"
    record.exc_text = exc_text
    logger.handle(record)


# --------------------------------------------------------------------------- the child


def serve_in_child(conn: Connection, options: ChildOptions) -> None:
    """The child's entry point: serve until the parent says stop or goes away."""
    # Ctrl+C in a terminal reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sender = _PipeSender(conn)
    handler = _PipeLogHandler(sender)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(options.log_level)
    try:
        asyncio.run(_serve(conn, sender, options))
    finally:
        root.removeHandler(handler)
        conn.close()


async def _serve(conn: Connection, sender: _PipeSender, options: ChildOptions) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop() -> None:
        with contextlib.suppress(RuntimeError):  # the loop already finished
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(
        target=_wait_for_stop,
        args=(conn, options.parent_pid, request_stop),
        name="parent-pipe",
        daemon=True,
    ).start()
    from therapy_notes.engine.server import LocalEngine

    engine = LocalEngine(
        host=options.host,
        port=options.port,
        model_dir=Path(options.model_dir) if options.model_dir is not None else None,
        token=options.token,
    )
    starting = asyncio.ensure_future(engine.start())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait((starting, stopping), return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        # Asked to stop (or orphaned) while the model loads: nothing is served yet, and the
        # loading thread cannot be interrupted, nor would the loop's shutdown wait for it.
        conn.close()
        os._exit(0)
    stopping.cancel()
    try:
        await starting
    except ModelError as exc:
        sender.send((_FAILED, _MODEL, str(exc), 0))
        return
    except OSError as exc:
        sender.send((_FAILED, _PORT, exc.strerror or str(exc), exc.errno or 0))
        return
    except Exception as exc:  # noqa: BLE001 - a bug, reported to the parent that waits
        _log.exception("the local engine could not start")
        sender.send((_FAILED, _BUG, type(exc).__name__, 0))
        return
    sender.send((_READY, engine.port))
    try:
        await stop.wait()
    finally:
        await engine.stop()


def _wait_for_stop(conn: Connection, parent_pid: int, request_stop: Callable[[], None]) -> None:
    """The child's pipe reader: a stop message, the end of the pipe, or a new parent.

    The pipe ends when the parent exits, however it exits; the parent process changing
    (this child adopted by another) is checked as well, in case the pipe stays open.
    """
    while os.getppid() == parent_pid:
        try:
            if not conn.poll(PARENT_CHECK_INTERVAL_S):
                continue
            message = conn.recv()
        except (EOFError, OSError):
            break
        if isinstance(message, tuple) and message[:1] == (_STOP,):
            break
    request_stop()


class _PipeSender:
    """Sends to the parent from any thread: the loop, the recogniser's workers, logging."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):  # parent gone, pipe closed
            self._conn.send(message)


class _PipeLogHandler(logging.Handler):
    """Every record the child logs, sent to the parent to be logged there."""

    def __init__(self, sender: _PipeSender) -> None:
        super().__init__()
        self._sender = sender
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        exc_text = self._formatter.formatException(record.exc_info) if record.exc_info else None
        self._sender.send((_LOG, record.name, record.levelno, record.getMessage(), exc_text))
