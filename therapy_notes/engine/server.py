"""The local engine: a WebSocket server speaking the Realtime protocol (PROTOCOL.md section 10).

This is the I/O shell, in the websockets library's sans-I/O shape: the rules live in
modules that never touch a socket (`handshake` decides who may connect, `protocol` parses
and builds events, `conversation` holds one connection's session and conversation), and
this module only moves bytes between them, the socket and the turn tracker, with the
timing that needs a loop: idle timeouts, slicing big appends, waiting for transcripts,
cancelling a response. One `LocalEngine` owns the loaded speech models and serves any
number of connections; recognition runs in each tracker's worker threads, so the event
loop only moves messages. Bad client input gets an `error` event and the connection keeps
working, as on the cloud.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import secrets
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.http11 import Response as HttpResponse

from therapy_notes.engine.access import TokenChecker, TokenStore
from therapy_notes.engine.composer import compose, sections_from_session
from therapy_notes.engine.conversation import Conversation, PlannedCall, Response
from therapy_notes.engine.handshake import (
    AccessPolicy,
    OneLineHandshakeLog,
    Refusal,
    admit,
    is_beta,
    select_subprotocol,
    session_kind,
)
from therapy_notes.engine.protocol import client_events as client
from therapy_notes.engine.protocol import server_events as events
from therapy_notes.engine.protocol.fields import JsonObject, ProtocolViolation
from therapy_notes.engine.protocol.session_config import SAMPLE_RATE_HZ
from therapy_notes.engine.turns import (
    CommitTooShortError,
    TurnCommitted,
    TurnEvent,
    TurnFailed,
    TurnFinal,
    TurnPartial,
    TurnStarted,
    TurnStopped,
    VadSettings,
)
from therapy_notes.errors import UserFacingError

if TYPE_CHECKING:
    from therapy_notes.engine.turns import EngineModels

_log = logging.getLogger(__name__)

BETA_CLOSE_CODE = 4000
TRANSCRIPT_WAIT_S = 60.0
"""How long a response waits for turns still being recognised before it composes anyway."""
_DELTA_CHARS = 48
_PCM_BYTES_PER_MS = SAMPLE_RATE_HZ * 2 // 1000
_APPEND_SLICE_BYTES = 5000 * _PCM_BYTES_PER_MS
"""Five seconds of audio (tens of milliseconds of voice detection): what one append may work
through before other sessions get their turn. Ordinary appends (20-100 ms) are one slice."""
_OFF_LOOP_BYTES = 256 * 1024
"""Messages larger than this are parsed (base64 decode included) on a worker thread."""


class TurnTrackerLike(Protocol):
    """What the server needs from a per-connection turn tracker (see `turns.TurnTracker`)."""

    @property
    def buffered_ms(self) -> float: ...
    def set_turn_detection(self, settings: VadSettings | None) -> None: ...
    def append(self, pcm16_24k: bytes) -> None: ...
    def commit(self) -> TurnCommitted: ...
    def clear(self) -> None: ...
    def events(self) -> AsyncIterator[TurnEvent]: ...
    async def aclose(self) -> None: ...


TrackerFactory = Callable[[Callable[[], str]], TurnTrackerLike]
"""Builds one tracker for a connection, given the server's item id generator."""


def vad_settings(session: JsonObject) -> VadSettings | None:
    """The tracker's VAD settings from a session config; None means manual commits only."""
    audio_in = (session.get("audio") or {}).get("input") or {}
    td = audio_in.get("turn_detection")
    if not isinstance(td, dict):
        return None
    defaults = VadSettings()
    if td.get("type") == "semantic_vad":
        return VadSettings.semantic_vad(str(td.get("eagerness") or "auto"))
    return VadSettings(
        threshold=float(td.get("threshold", defaults.threshold)),
        prefix_padding_ms=int(td.get("prefix_padding_ms", defaults.prefix_padding_ms)),
        silence_duration_ms=int(td.get("silence_duration_ms", defaults.silence_duration_ms)),
    )


# --------------------------------------------------------------------------- handshake


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return str(address[0]) if isinstance(address, tuple) and address else "unknown"


def _process_request(
    connection: ServerConnection, request: Request, access: AccessPolicy
) -> HttpResponse | None:
    """Answer a handshake `handshake.admit` refuses with its HTTP status; admit the rest.

    Refusals are logged as one line naming the peer and the reason, never the token.
    """
    decision = admit(request.path, request.headers, access)
    if isinstance(decision, Refusal):
        if decision.log_reason is not None:
            _log.warning("refused a handshake from %s: %s", _peer(connection), decision.log_reason)
        return connection.respond(decision.status, decision.body)
    connection.username = decision.owner
    return None


# --------------------------------------------------------------------------- engine


def default_max_sessions() -> int:
    """Two sessions per core: recognition of one session uses about one core at its peaks."""
    return 2 * (os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """What one client may cost the server; every limit answers with a clear error.

    Attributes:
        max_sessions: concurrent connections; the next one gets `session_limit_reached`.
        max_buffer_s: uncommitted audio per session (15 minutes); more is refused, not kept.
        idle_timeout_s: a connection that sends nothing for this long is closed.
        open_timeout_s: the TCP, TLS and WebSocket handshake must finish within this.
        max_queue: received messages buffered per connection before reading pauses.
    """

    max_sessions: int = field(default_factory=default_max_sessions)
    max_buffer_s: float = 15 * 60.0
    idle_timeout_s: float = 10 * 60.0
    open_timeout_s: float = 10.0
    max_queue: int = 4


SESSION_LIMIT_CLOSE_CODE = 1013
""""Try again later": the server is full, not broken."""
IDLE_CLOSE_CODE = 1000
_PER_RUN_TOKEN_NAME = "this-app"


class LocalEngine:
    """The local Realtime server; start it, give `url` and `token` to the client, stop it.

    Args:
        models: speech models shared by every connection; loaded on `start` when None.
        host: interface to bind (loopback by default: the engine is for this machine).
        port: TCP port; 0 picks a free one (see `port` after `start`).
        model_dir: a CTranslate2 Whisper model folder for `EngineModels.load`.
        tracker_factory: builds a connection's turn tracker; the default uses `models`.
        tokens: the clinic's token store. Without one the engine makes a random token for
            this run only (`token`), so another local user or a web page cannot use the
            desktop app's private engine.
        token: that per-run token, when the caller chooses it (e.g. a parent process that
            starts the engine and must tell its link); random when None.
        allowed_origins: browser `Origin` values to accept; any other Origin is refused.
        ssl_context: serve `wss://` with this certificate.
        limits: sessions, buffer, idle and handshake limits.
    """

    def __init__(
        self,
        models: EngineModels | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        model_dir: Path | None = None,
        tracker_factory: TrackerFactory | None = None,
        tokens: TokenStore | None = None,
        token: str | None = None,
        allowed_origins: Sequence[str] = (),
        ssl_context: ssl.SSLContext | None = None,
        limits: EngineLimits | None = None,
    ) -> None:
        self._models = models
        self._host = host
        self._requested_port = port
        self._model_dir = model_dir
        self._tracker_factory = tracker_factory
        self._server: Server | None = None
        self._bound_port: int | None = None
        self._owns_models = False
        self._ssl_context = ssl_context
        self._limits = limits or EngineLimits()
        self._active = 0
        self._token: str | None = None
        if tokens is None:
            self._token = token or secrets.token_urlsafe(32)
            per_run = TokenChecker.single(_PER_RUN_TOKEN_NAME, self._token)
            self._access = AccessPolicy(lambda: per_run, frozenset(allowed_origins))
        else:
            self._access = AccessPolicy(tokens.checker, frozenset(allowed_origins))

    @property
    def token(self) -> str:
        """The per-run bearer token clients of this engine must send.

        Raises:
            RuntimeError: the engine uses a token store, whose tokens it never sees.
        """
        if self._token is None:
            raise RuntimeError("this engine checks a token store; it has no per-run token")
        return self._token

    @property
    def port(self) -> int:
        """The bound port (raises before `start`)."""
        if self._bound_port is None:
            raise RuntimeError("the local engine is not started")
        return self._bound_port

    @property
    def url(self) -> str:
        """The client's `websocket_base_url`, e.g. `ws://127.0.0.1:PORT/v1`."""
        scheme = "wss" if self._ssl_context is not None else "ws"
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{scheme}://{host}:{self.port}/v1"

    @property
    def active_sessions(self) -> int:
        return self._active

    @property
    def max_sessions(self) -> int:
        return self._limits.max_sessions

    async def start(self) -> None:
        """Load the models (off the event loop) if needed, then bind and listen.

        Raises:
            ModelError: the speech model is missing or damaged.
            OSError: the port is taken.
        """
        if self._server is not None:
            return
        if self._tracker_factory is None:
            self._tracker_factory = await self._default_factory()
        self._server = await serve(
            self._handle,
            self._host,
            self._requested_port,
            process_request=functools.partial(_process_request, access=self._access),
            select_subprotocol=select_subprotocol,
            max_size=client.WEBSOCKET_MAX_SIZE,
            max_queue=self._limits.max_queue,
            open_timeout=self._limits.open_timeout_s,
            compression=None,
            server_header="TherapyNotes-LocalEngine",
            ssl=self._ssl_context,
            logger=OneLineHandshakeLog(logging.getLogger("websockets.server"), {}),
        )
        self._bound_port = int(next(iter(self._server.sockets)).getsockname()[1])
        _log.info("local engine listening on %s", self.url)

    async def _default_factory(self) -> TrackerFactory:
        from therapy_notes.engine.turns import EngineModels, TurnTracker

        models = self._models
        if models is None:
            models = await asyncio.to_thread(EngineModels.load, self._model_dir)
            self._models, self._owns_models = models, True
        loaded = models

        def factory(new_item_id: Callable[[], str]) -> TurnTrackerLike:
            return TurnTracker(loaded, new_item_id=new_item_id)

        return factory

    async def stop(self) -> None:
        """Close every connection and stop listening; the port can be bound again at once."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close(close_connections=True)
        await server.wait_closed()
        if self._owns_models and self._models is not None:
            # Models this engine loaded itself are released; a later `start` loads again.
            self._models.close()
            self._models, self._owns_models, self._tracker_factory = None, False, None
        _log.info("local engine on port %s stopped", self._bound_port)

    async def __aenter__(self) -> LocalEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, ws: ServerConnection) -> None:
        assert self._tracker_factory is not None
        request = ws.request
        assert request is not None
        if is_beta(request.headers):
            await _refuse_beta(ws)
            return
        if self._active >= self._limits.max_sessions:
            _log.warning(
                "refused a session for %s: %d of %d sessions in use",
                ws.username,
                self._active,
                self._limits.max_sessions,
            )
            await _refuse_full(ws, self._limits.max_sessions)
            return
        session_type, model = session_kind(request.path)
        connection = _Connection(ws, self._tracker_factory, session_type, model, self._limits)
        self._active += 1
        try:
            _log.info("session %s opened for %s", connection.session_id, ws.username)
            await connection.run()
        finally:
            self._active -= 1


async def _refuse_full(ws: ServerConnection, max_sessions: int) -> None:
    violation = ProtocolViolation(
        "session_limit_reached",
        f"This engine serves at most {max_sessions} sessions at once and all are in use. "
        "Try again in a minute or ask the administrator to raise --max-sessions.",
    )
    with contextlib.suppress(ConnectionClosed):
        await ws.send(json.dumps(events.error_event(violation)))
        await ws.close(SESSION_LIMIT_CLOSE_CODE, "session_limit_reached")


async def _refuse_beta(ws: ServerConnection) -> None:
    violation = ProtocolViolation(
        "beta_api_shape_disabled",
        "The Realtime beta API shape is disabled. Remove the 'OpenAI-Beta' header (or the "
        "'openai-beta.realtime-v1' subprotocol) and use the GA event shapes.",
    )
    with contextlib.suppress(ConnectionClosed):
        await ws.send(json.dumps(events.error_event(violation)))
        await ws.close(BETA_CLOSE_CODE, "beta_api_shape_disabled")


def is_loopback_host(host: str) -> bool:
    """True for the addresses only this machine can reach."""
    return host.lower() in {"127.0.0.1", "::1", "localhost"} or host.startswith("127.")


def server_ssl_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS 1.2+ server context from PEM files.

    Raises:
        UserFacingError: a file is missing, unreadable, or the key does not match.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise UserFacingError(
            f"Cannot load the TLS certificate {cert} with key {key}: {exc}."
        ) from exc
    return context


def check_exposure(host: str, *, has_tls: bool, allow_plaintext: bool) -> None:
    """Refuse to serve patient audio in the clear to the network unless told to, loudly.

    Raises:
        UserFacingError: a non-loopback host without TLS and without `--allow-plaintext`.
    """
    if is_loopback_host(host) or has_tls:
        return
    if not allow_plaintext:
        raise UserFacingError(
            f"Refusing to serve on {host} without TLS: session audio would cross the network "
            "unencrypted. Pass --tls-cert CERT --tls-key KEY, or --allow-plaintext on a "
            "network you trust."
        )
    _log.warning(
        "PLAINTEXT: serving on %s without TLS (--allow-plaintext); audio and tokens "
        "cross the network unencrypted",
        host,
    )


async def serve_forever(
    host: str,
    port: int,
    model_dir: Path | None,
    *,
    tokens: Path,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    allow_plaintext: bool = False,
    allowed_origins: Sequence[str] = (),
    limits: EngineLimits | None = None,
) -> None:
    """Run a clinic engine until cancelled (the `therapy-notes-server` command).

    Raises:
        UserFacingError: unsafe exposure, unreadable TLS files, or an empty tokens file.
    """
    if (tls_cert is None) != (tls_key is None):
        raise UserFacingError("Pass both --tls-cert and --tls-key, or neither.")
    check_exposure(host, has_tls=tls_cert is not None, allow_plaintext=allow_plaintext)
    store = TokenStore(tokens)
    names = store.names()
    if not names:
        raise UserFacingError(
            f"The tokens file {tokens} has no tokens, so no client could connect. Add one: "
            f"therapy-notes-server --add-token NAME --tokens {tokens}"
        )
    context = server_ssl_context(tls_cert, tls_key) if tls_cert and tls_key else None
    async with LocalEngine(
        host=host,
        port=port,
        model_dir=model_dir,
        tokens=store,
        allowed_origins=allowed_origins,
        ssl_context=context,
        limits=limits,
    ) as engine:
        _log.info(
            "serving the Realtime protocol at %s for %d tokens, at most %d sessions",
            engine.url,
            len(names),
            engine.max_sessions,
        )
        await asyncio.Future()


# --------------------------------------------------------------------------- one connection


class _Connection:
    """One client connection: drives its `Conversation` with the socket and the tracker."""

    def __init__(
        self,
        ws: ServerConnection,
        tracker_factory: TrackerFactory,
        session_type: str,
        model: str | None,
        limits: EngineLimits | None = None,
    ) -> None:
        self._ws = ws
        self._limits = limits or EngineLimits()
        self._conversation = Conversation(session_type, model)
        self._tracker = tracker_factory(lambda: events.new_id("item"))
        self._response_tasks: dict[str, asyncio.Task[None]] = {}
        self._readiness = asyncio.Event()
        """Set whenever a turn may have become ready: a waiting response looks again."""

    # ---- lifecycle

    @property
    def session_id(self) -> str:
        return self._conversation.session_id

    async def run(self) -> None:
        conversation = self._conversation
        _log.info("connection %s opened (%s)", self.session_id, conversation.session["type"])
        pump = asyncio.create_task(self._pump_turn_events(), name=f"turns-{self.session_id}")
        try:
            await self._send(
                events.session_created(
                    conversation.session, conversation.session_id, conversation.created_at_s
                )
            )
            await self._send(events.conversation_created(conversation.conversation_id))
            self._tracker.set_turn_detection(vad_settings(conversation.session))
            while True:
                try:
                    async with asyncio.timeout(self._limits.idle_timeout_s):
                        message = await self._ws.recv()
                except TimeoutError:
                    await self._close_idle()
                    break
                await self._dispatch(await _parse(message))
        except ConnectionClosed:
            pass
        finally:
            await self._cancel_response()
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await self._tracker.aclose()
            _log.info("connection %s closed", self.session_id)

    async def _close_idle(self) -> None:
        """A silent client holds a session slot; free it with a reason the client can show."""
        minutes = self._limits.idle_timeout_s / 60
        _log.info("connection %s idle for %.0f min, closing", self.session_id, minutes)
        await self._error(
            "idle_timeout",
            f"No client events for {minutes:g} minutes; the session was closed. Reconnect "
            "to continue.",
            None,
        )
        await self._ws.close(IDLE_CLOSE_CODE, "idle_timeout")

    async def _on_append(self, event: client.AudioAppend) -> None:
        """Buffer audio unless it would pass the per-session cap (then drop it and say so)."""
        limit_ms = self._limits.max_buffer_s * 1000
        if self._tracker.buffered_ms + len(event.audio) / _PCM_BYTES_PER_MS > limit_ms:
            await self._error(
                "input_audio_buffer_too_large",
                f"The input audio buffer would exceed {self._limits.max_buffer_s / 60:g} "
                "minutes of uncommitted audio; this chunk was dropped. Commit or clear the "
                "buffer, or turn on server VAD.",
                event.event_id,
            )
            return
        # Turn detection over the largest append (15 MiB, 5.5 minutes) takes seconds of CPU;
        # in one piece it would hold the event loop, and every other clinician's session
        # with it, that long. Taken five seconds at a time, the others go on in between.
        audio = event.audio
        for start in range(0, len(audio), _APPEND_SLICE_BYTES):
            self._tracker.append(audio[start : start + _APPEND_SLICE_BYTES])
            if start + _APPEND_SLICE_BYTES < len(audio):
                await asyncio.sleep(0)

    async def _send(self, event: JsonObject) -> None:
        await self._ws.send(json.dumps(event))

    async def _refuse(self, violation: ProtocolViolation) -> None:
        await self._send(events.error_event(violation))

    async def _error(
        self, code: str, message: str, event_id: str | None, param: str | None = None
    ) -> None:
        await self._refuse(ProtocolViolation(code, message, param, event_id))

    # ---- client events

    async def _dispatch(self, event: client.ClientEvent | ProtocolViolation) -> None:
        conversation = self._conversation
        match event:
            case ProtocolViolation():
                _log.info("refused client event (%s) on %s", event.code, self.session_id)
                await self._refuse(event)
            case client.SessionUpdate():
                refused = conversation.update_session(event)
                if refused is not None:
                    await self._refuse(refused)
                    return
                self._tracker.set_turn_detection(vad_settings(conversation.session))
                await self._send(
                    events.session_updated(
                        conversation.session, conversation.session_id, conversation.created_at_s
                    )
                )
            case client.AudioAppend():
                await self._on_append(event)
            case client.AudioCommit():
                await self._on_commit(event)
            case client.AudioClear():
                self._tracker.clear()
                await self._send(events.buffer_cleared())
            case client.ItemCreate():
                added = conversation.create_item(event)
                if isinstance(added, ProtocolViolation):
                    await self._refuse(added)
                    return
                await self._send(events.item_added(added.item, added.previous_item_id))
                await self._send(events.item_done(added.item, added.previous_item_id))
            case client.ItemDelete():
                refused = conversation.delete_item(event)
                if refused is not None:
                    await self._refuse(refused)
                    return
                self._readiness.set()
                await self._send(events.item_deleted(event.item_id))
            case client.ItemRetrieve():
                item = conversation.retrieve_item(event)
                if isinstance(item, ProtocolViolation):
                    await self._refuse(item)
                else:
                    await self._send(events.item_retrieved(item))
            case client.ResponseCreate():
                await self._on_response_create(event)
            case client.ResponseCancel():
                await self._on_response_cancel(event)

    async def _on_commit(self, event: client.AudioCommit) -> None:
        try:
            committed = self._tracker.commit()
        except CommitTooShortError as exc:
            await self._error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"100ms of audio, but buffer only has {exc.buffered_ms:.2f}ms of audio.",
                event.event_id,
            )
            return
        await self._on_turn_committed(committed)

    async def _on_response_create(self, event: client.ResponseCreate) -> None:
        response = self._conversation.start_response(event)
        if isinstance(response, ProtocolViolation):
            await self._refuse(response)
            return
        await self._send(
            events.response_created(self._conversation.response_body(response, "in_progress"))
        )
        self._response_tasks[response.id] = asyncio.create_task(
            self._run_response(response, event.response), name=f"response-{response.id}"
        )

    async def _on_response_cancel(self, event: client.ResponseCancel) -> None:
        response = self._conversation.cancel_response(event)
        if isinstance(response, ProtocolViolation):
            await self._refuse(response)
            return
        await self._stop_task(response)
        details = {"type": "cancelled", "reason": "client_cancelled"}
        await self._send(
            events.response_done(
                self._conversation.response_body(response, "cancelled", status_details=details)
            )
        )

    async def _cancel_response(self) -> None:
        response = self._conversation.drop_response()
        if response is not None:
            await self._stop_task(response)

    async def _stop_task(self, response: Response) -> None:
        task = self._response_tasks.pop(response.id, None)
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # ---- responses

    async def _run_response(self, response: Response, overrides: JsonObject) -> None:
        try:
            await self._compose_response(response, overrides)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001 - a task's top: log, answer `failed`, keep serving
            _log.exception("response %s failed", response.id)
            details = {"type": "failed", "error": {"type": "server_error", "code": "local_engine"}}
            self._conversation.response_failed(response)
            with contextlib.suppress(ConnectionClosed):
                await self._send(
                    events.response_done(
                        self._conversation.response_body(response, "failed", status_details=details)
                    )
                )
        finally:
            self._response_tasks.pop(response.id, None)

    async def _compose_response(self, response: Response, overrides: JsonObject) -> None:
        conversation = self._conversation
        await self._wait_for_transcripts()
        request = conversation.compose_request(overrides)
        # Composing re-reads the conversation so far: a worker thread, so a long session's
        # note update never holds up another client's audio on this loop.
        composed = await asyncio.to_thread(
            compose,
            request.turns,
            sections_from_session(request.tools, request.instructions),
            available_tools=request.available_tools,
            history=request.history,
        )
        plan = conversation.plan_calls(response, composed)
        for index, planned in enumerate(plan.calls):
            await self._emit_call(response, index, planned)
            conversation.mark_sent(planned)
        conversation.finish_response(response, request, plan)
        await self._send(
            events.response_done(
                conversation.response_body(
                    response, plan.status, status_details=plan.status_details
                )
            )
        )
        _log.info("response %s %s with %d calls", response.id, plan.status, len(plan.calls))

    async def _wait_for_transcripts(self) -> None:
        """Wait (a bounded time) for the turns still being recognised when the response began."""
        pending = self._conversation.unready_turns()
        if not pending:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(TRANSCRIPT_WAIT_S):
                while not all(entry.is_ready for entry in pending):
                    self._readiness.clear()
                    await self._readiness.wait()

    async def _emit_call(self, response: Response, index: int, planned: PlannedCall) -> None:
        call = self._conversation.start_call(planned)
        started = call.entry.item
        await self._send(events.output_item_added(response.id, index, started))
        self._conversation.add_call(call)
        await self._send(events.item_added(started, call.previous_item_id))
        arguments = call.arguments
        for start in range(0, len(arguments), _DELTA_CHARS):
            await self._send(
                events.arguments_delta(
                    response.id,
                    call.item_id,
                    index,
                    call.call_id,
                    arguments[start : start + _DELTA_CHARS],
                )
            )
            await asyncio.sleep(0)
        await self._send(
            events.arguments_done(
                response.id, call.item_id, index, call.call_id, call.name, arguments
            )
        )
        finished = self._conversation.finish_call(response, call)
        await self._send(events.output_item_done(response.id, index, finished))
        await self._send(events.item_done(finished, call.previous_item_id))

    # ---- turns from the tracker

    async def _pump_turn_events(self) -> None:
        try:
            async for event in self._tracker.events():
                await self._on_turn_event(event)
        except ConnectionClosed:
            pass

    async def _on_turn_event(self, event: TurnEvent) -> None:
        conversation = self._conversation
        match event:
            case TurnStarted():
                await self._send(events.speech_started(event.item_id, event.audio_start_ms))
            case TurnPartial():
                if conversation.is_transcribing and (event.delta or event.tentative):
                    await self._send(
                        events.transcription_delta(event.item_id, event.delta, event.tentative)
                    )
            case TurnStopped():
                await self._send(events.speech_stopped(event.item_id, event.audio_end_ms))
            case TurnCommitted():
                await self._on_turn_committed(event)
            case TurnFinal():
                conversation.finish_turn(event.item_id, event.transcript, event.audio_seconds)
                self._readiness.set()
                if conversation.is_transcribing:
                    await self._send(
                        events.transcription_completed(
                            event.item_id, event.transcript, event.audio_seconds
                        )
                    )
            case TurnFailed():
                conversation.fail_turn(event.item_id)
                self._readiness.set()
                if conversation.is_transcribing:
                    await self._send(events.transcription_failed(event.item_id, event.message))

    async def _on_turn_committed(self, event: TurnCommitted) -> None:
        """Announce a committed audio turn once, whether from `commit()` or the stream."""
        added = self._conversation.add_committed_turn(
            event.item_id, event.audio_start_ms, event.audio_end_ms
        )
        if added is None:
            return
        await self._send(events.buffer_committed(event.item_id, added.previous_item_id))
        await self._send(events.item_added(added.item, added.previous_item_id))
        await self._send(events.item_done(added.item, added.previous_item_id))


async def _parse(message: str | bytes) -> client.ClientEvent | ProtocolViolation:
    """Parse a client message; a large one off the event loop, so other sessions keep moving.

    A 15 MiB append takes tens of milliseconds to decode; on the loop every other session's
    events would wait that long.
    """
    if len(message) > _OFF_LOOP_BYTES:
        return await asyncio.to_thread(client.parse_client_event, message)
    return client.parse_client_event(message)
