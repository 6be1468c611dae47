"""The local engine: a WebSocket server speaking the Realtime protocol (PROTOCOL.md section 10).

One `LocalEngine` owns the loaded speech models and serves any number of connections. Each
connection has its own session config, conversation and turn tracker; recognition runs in
the tracker's worker threads, so the event loop only moves messages. Bad client input gets
an `error` event and the connection keeps working, as on the cloud.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import re
import secrets
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from therapy_notes.domain.tools import FLAG_RISK
from therapy_notes.domain.usage import estimate_audio_tokens as audio_tokens
from therapy_notes.domain.usage import estimate_text_tokens as text_tokens
from therapy_notes.engine import protocol as p
from therapy_notes.engine.access import TokenChecker, TokenStore
from therapy_notes.engine.composer import (
    ComposerTurn,
    ToolCallSpec,
    compose,
    sections_from_session,
    tool_names,
)
from therapy_notes.engine.handshake import (
    AccessPolicy,
    OneLineHandshakeLog,
    Refusal,
    admit,
    is_beta,
    select_subprotocol,
    session_kind,
)
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
from therapy_notes.engine.usage import ContextBlock, cached_split, response_usage
from therapy_notes.errors import UserFacingError

if TYPE_CHECKING:
    from therapy_notes.engine.turns import EngineModels

_log = logging.getLogger(__name__)

BETA_CLOSE_CODE = 4000
TRANSCRIPT_WAIT_S = 60.0
"""How long a response waits for turns still being recognised before it composes anyway."""
HISTORY_TURNS = 240
"""How many composed turns the composer re-reads for context (questions, earlier values)."""
CACHED_CONTEXTS = 16
"""Earlier responses' contexts a new response's prefix is matched against (the cloud keeps
a prefix cached for minutes; a session asks for a note update about once a minute)."""
_ROLE_PREFIX = re.compile(r"^\s*(clinician|client|therapist|patient|speaker)\s*:", re.IGNORECASE)

_DELTA_CHARS = 48
_PCM_BYTES_PER_MS = p.SAMPLE_RATE_HZ * 2 // 1000
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


def vad_settings(session: p.JsonObject) -> VadSettings | None:
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
) -> Response | None:
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
            max_size=p.WEBSOCKET_MAX_SIZE,
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
    violation = p.ProtocolViolation(
        "session_limit_reached",
        f"This engine serves at most {max_sessions} sessions at once and all are in use. "
        "Try again in a minute or ask the administrator to raise --max-sessions.",
    )
    with contextlib.suppress(ConnectionClosed):
        await ws.send(json.dumps(p.error_event(violation)))
        await ws.close(SESSION_LIMIT_CLOSE_CODE, "session_limit_reached")


async def _refuse_beta(ws: ServerConnection) -> None:
    violation = p.ProtocolViolation(
        "beta_api_shape_disabled",
        "The Realtime beta API shape is disabled. Remove the 'OpenAI-Beta' header (or the "
        "'openai-beta.realtime-v1' subprotocol) and use the GA event shapes.",
    )
    with contextlib.suppress(ConnectionClosed):
        await ws.send(json.dumps(p.error_event(violation)))
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


@dataclass(slots=True)
class _Item:
    """A conversation item and what the server knows about it beyond its JSON."""

    item: p.JsonObject
    audio_seconds: float = 0.0
    text: str | None = None
    """Transcript or typed text the composer may use (user items only)."""
    is_turn: bool = False
    composed: bool = False
    emitted: set[str] = field(default_factory=set)
    """Calls already sent for this turn: a turn cut short by `max_output_tokens` is
    composed again, and only its calls not yet sent may follow."""
    ready: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class _Response:
    id: str
    max_output_tokens: int | str
    metadata: p.JsonObject | None
    output: list[p.JsonObject] = field(default_factory=list)
    usage: p.JsonObject | None = None
    task: asyncio.Task[None] | None = None
    context: list[ContextBlock] = field(default_factory=list)
    """What the conversation held when the response was created: what it is billed for."""


class _Connection:
    """The state of one client connection: session, conversation, tracker, response."""

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
        self._session_id = p.new_id("sess")
        self._conversation_id = p.new_id("conv")
        self._created_at_s = p.now_s()
        self._session = p.default_session(session_type, model)
        self._items: dict[str, _Item] = {}
        self._order: list[str] = []
        self._tracker = tracker_factory(lambda: p.new_id("item"))
        self._response: _Response | None = None
        self._history: list[ComposerTurn] = []
        """Turns already composed: the composer reads them for context only."""
        self._labelled_turns = False
        self._contexts: list[list[ContextBlock]] = []
        """What earlier responses read, newest last: their shared start is billed cached."""

    # ---- lifecycle

    @property
    def session_id(self) -> str:
        return self._session_id

    async def run(self) -> None:
        _log.info("connection %s opened (%s)", self._session_id, self._session["type"])
        pump = asyncio.create_task(self._pump_turn_events(), name=f"turns-{self._session_id}")
        try:
            await self._send(p.session_created(self._session, self._session_id, self._created_at_s))
            await self._send(p.conversation_created(self._conversation_id))
            self._tracker.set_turn_detection(vad_settings(self._session))
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
            _log.info("connection %s closed", self._session_id)

    async def _close_idle(self) -> None:
        """A silent client holds a session slot; free it with a reason the client can show."""
        minutes = self._limits.idle_timeout_s / 60
        _log.info("connection %s idle for %.0f min, closing", self._session_id, minutes)
        await self._error(
            "idle_timeout",
            f"No client events for {minutes:g} minutes; the session was closed. Reconnect "
            "to continue.",
            None,
        )
        await self._ws.close(IDLE_CLOSE_CODE, "idle_timeout")

    async def _on_append(self, event: p.AudioAppend) -> None:
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

    async def _send(self, event: p.JsonObject) -> None:
        await self._ws.send(json.dumps(event))

    async def _error(
        self, code: str, message: str, event_id: str | None, param: str | None = None
    ) -> None:
        await self._send(p.error_event(p.ProtocolViolation(code, message, param, event_id)))

    # ---- client events

    async def _dispatch(self, event: p.ClientEvent | p.ProtocolViolation) -> None:
        match event:
            case p.ProtocolViolation():
                _log.info("refused client event (%s) on %s", event.code, self._session_id)
                await self._send(p.error_event(event))
            case p.SessionUpdate():
                await self._on_session_update(event)
            case p.AudioAppend():
                await self._on_append(event)
            case p.AudioCommit():
                await self._on_commit(event)
            case p.AudioClear():
                self._tracker.clear()
                await self._send(p.buffer_cleared())
            case p.ItemCreate():
                await self._on_item_create(event)
            case p.ItemDelete():
                await self._on_item_delete(event)
            case p.ItemRetrieve():
                item = self._items.get(event.item_id)
                if item is None:
                    await self._item_not_found(event.item_id, event.event_id)
                else:
                    await self._send(p.item_retrieved(item.item))
            case p.ResponseCreate():
                await self._on_response_create(event)
            case p.ResponseCancel():
                await self._on_response_cancel(event)

    async def _on_session_update(self, event: p.SessionUpdate) -> None:
        patch = event.session
        if patch["type"] != self._session["type"]:
            await self._error(
                "invalid_value",
                f"This is a {self._session['type']} session; its type cannot change to "
                f"{patch['type']!r}. Open a new connection for a different session type.",
                event.event_id,
                "session.type",
            )
            return
        if "model" in patch and patch["model"] != self._session.get("model"):
            await self._error(
                "invalid_value",
                "The model cannot change within a session; connect again with ?model=.",
                event.event_id,
                "session.model",
            )
            return
        self._session = p.merge_session(self._session, patch)
        self._tracker.set_turn_detection(vad_settings(self._session))
        await self._send(p.session_updated(self._session, self._session_id, self._created_at_s))

    async def _on_commit(self, event: p.AudioCommit) -> None:
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

    async def _on_item_create(self, event: p.ItemCreate) -> None:
        raw = event.item
        item_id = raw.get("id") or p.new_id("item")
        if item_id in self._items:
            await self._error(
                "invalid_value",
                f"An item with id '{item_id}' already exists in the conversation.",
                event.event_id,
                "item.id",
            )
            return
        previous = event.previous_item_id
        if previous is not None and previous != "root" and previous not in self._items:
            await self._error(
                "invalid_value",
                f"Previous item with id '{previous}' does not exist.",
                event.event_id,
                "previous_item_id",
            )
            return
        item = _stored_item(raw, item_id)
        entry = _Item(item)
        if item["type"] == "message" and item["role"] == "user":
            entry.is_turn = True
            entry.text = _message_text(item)
            entry.audio_seconds = 0.0
            if entry.text and _ROLE_PREFIX.match(entry.text):
                self._labelled_turns = True
        entry.ready.set()
        if previous is None:
            previous = self._order[-1] if self._order else None
            self._order.append(item_id)
        elif previous == "root":
            self._order.insert(0, item_id)
            previous = None
        else:
            self._order.insert(self._order.index(previous) + 1, item_id)
        self._items[item_id] = entry
        await self._send(p.item_added(item, previous))
        await self._send(p.item_done(item, previous))

    async def _on_item_delete(self, event: p.ItemDelete) -> None:
        entry = self._items.pop(event.item_id, None)
        if entry is None:
            await self._item_not_found(event.item_id, event.event_id)
            return
        self._order.remove(event.item_id)
        # A deleted turn is no longer context either: a client that hands a turn over again
        # (with its speaker corrected) has it composed afresh.
        self._history = [t for t in self._history if t.item_id != event.item_id]
        entry.ready.set()
        await self._send(p.item_deleted(event.item_id))

    async def _item_not_found(self, item_id: str, event_id: str | None) -> None:
        await self._error(
            "item_not_found",
            f"Item with item_id '{item_id[:100]}' not found in the conversation.",
            event_id,
            "item_id",
        )

    async def _on_response_create(self, event: p.ResponseCreate) -> None:
        if self._session["type"] == "transcription":
            await self._error(
                "invalid_request_for_session_type",
                "A transcription session produces transcripts only and cannot create "
                "responses. Connect with ?model= for a realtime session to get tool calls.",
                event.event_id,
            )
            return
        if self._response is not None:
            await self._error(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self._response.id}. Wait until the response is finished before creating "
                "a new one.",
                event.event_id,
            )
            return
        overrides = event.response
        response = _Response(
            id=p.new_id("resp"),
            max_output_tokens=overrides.get("max_output_tokens")
            or self._session.get("max_output_tokens")
            or "inf",
            metadata=overrides.get("metadata"),
        )
        response.context = self._context(
            overrides.get("instructions") or self._session.get("instructions") or "",
            overrides.get("tools") or self._session.get("tools") or [],
        )
        self._response = response
        await self._send(p.response_created(self._response_body(response, "in_progress")))
        response.task = asyncio.create_task(
            self._run_response(response, overrides), name=f"response-{response.id}"
        )

    async def _on_response_cancel(self, event: p.ResponseCancel) -> None:
        response = self._response
        if response is None or (event.response_id and event.response_id != response.id):
            await self._error(
                "response_cancel_not_active",
                "Cancellation failed: no active response found.",
                event.event_id,
            )
            return
        await self._cancel_response()
        details = {"type": "cancelled", "reason": "client_cancelled"}
        await self._send(
            p.response_done(self._response_body(response, "cancelled", status_details=details))
        )

    async def _cancel_response(self) -> None:
        response, self._response = self._response, None
        if response is None or response.task is None:
            return
        response.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await response.task

    # ---- responses

    def _response_body(
        self, response: _Response, status: str, *, status_details: p.JsonObject | None = None
    ) -> p.JsonObject:
        return p.response_body(
            response.id,
            self._conversation_id,
            status=status,
            output=response.output,
            max_output_tokens=response.max_output_tokens,
            metadata=response.metadata,
            usage=response.usage,
            status_details=status_details,
        )

    async def _run_response(self, response: _Response, overrides: p.JsonObject) -> None:
        try:
            await self._compose_response(response, overrides)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001 - a task's top: log, answer `failed`, keep serving
            _log.exception("response %s failed", response.id)
            details = {"type": "failed", "error": {"type": "server_error", "code": "local_engine"}}
            if self._response is response:
                self._response = None
            with contextlib.suppress(ConnectionClosed):
                await self._send(
                    p.response_done(self._response_body(response, "failed", status_details=details))
                )

    async def _compose_response(self, response: _Response, overrides: p.JsonObject) -> None:
        pending = [e for e in self._items.values() if e.is_turn and not e.composed]
        waits = [asyncio.create_task(e.ready.wait()) for e in pending if not e.ready.is_set()]
        if waits:
            _, late = await asyncio.wait(waits, timeout=TRANSCRIPT_WAIT_S)
            for task in late:
                task.cancel()
        turns_entries = [
            (item_id, self._items[item_id])
            for item_id in self._order
            if self._items[item_id].is_turn
            and not self._items[item_id].composed
            and self._items[item_id].ready.is_set()
            # A client that hands over labelled text turns ("Client: ...") replaces each
            # audio turn with one; composing the audio turn too would write it twice.
            and not (self._labelled_turns and self._items[item_id].audio_seconds > 0)
        ]
        turns = [ComposerTurn(i, e.text) for i, e in turns_entries if e.text]
        tools: list[p.JsonObject] = overrides.get("tools") or self._session.get("tools") or []
        instructions: str = overrides.get("instructions") or self._session.get("instructions") or ""
        # Composing re-reads the conversation so far: a worker thread, so a long session's
        # note update never holds up another client's audio on this loop.
        composed = await asyncio.to_thread(
            compose,
            turns,
            sections_from_session(tools, instructions),
            available_tools=_allowed_tools(
                tools, overrides.get("tool_choice", self._session.get("tool_choice"))
            ),
            history=self._history[-HISTORY_TURNS:],
        )
        calls = [call for call in composed if not self._already_sent(call)]
        budget = response.max_output_tokens
        spent = 0
        emitted: list[ToolCallSpec] = []
        status, details = "completed", None
        for index, call in enumerate(calls):
            arguments = json.dumps(call.arguments)
            cost = text_tokens(call.name) + text_tokens(arguments)
            # Risk calls lead and are never cut: a flag that waits for a later response
            # is lost when the session ends first.
            is_risk = call.name == FLAG_RISK
            if isinstance(budget, int) and emitted and spent + cost > budget and not is_risk:
                status = "incomplete"
                details = {"type": "incomplete", "reason": "max_output_tokens"}
                break
            await self._emit_call(response, index, call.name, arguments)
            spent += cost
            emitted.append(call)
            for item_id in call.source_item_ids:
                if item_id in self._items:
                    self._items[item_id].emitted.add(_call_key(call))
        left_ids = {i for c in calls[len(emitted) :] for i in c.source_item_ids}
        # Only the turns before the first one left unfinished count as composed: the next
        # response composes the rest in the same order with the same context, so its
        # calls come out the same and those already sent are not sent twice.
        finished = True
        for item_id, entry in turns_entries:
            finished = finished and item_id not in left_ids
            entry.composed = finished
            if entry.composed and entry.text:
                self._history.append(ComposerTurn(item_id, entry.text))
        response.usage = self._usage(response.context, spent)
        self._response = None
        await self._send(
            p.response_done(self._response_body(response, status, status_details=details))
        )
        _log.info("response %s %s with %d calls", response.id, status, len(emitted))

    def _already_sent(self, call: ToolCallSpec) -> bool:
        key = _call_key(call)
        sources = [self._items[i] for i in call.source_item_ids if i in self._items]
        return bool(sources) and all(key in item.emitted for item in sources)

    def _context(self, instructions: str, tools: list[p.JsonObject]) -> list[ContextBlock]:
        """What a response "sees", in the cloud's order: instructions, tools, every item."""
        blocks = [ContextBlock("instructions:" + instructions, text_tokens(instructions))]
        if tools:
            schema = json.dumps(tools)
            blocks.append(ContextBlock("tools:" + schema, text_tokens(schema)))
        for item_id in self._order:
            entry = self._items[item_id]
            item = entry.item
            if entry.audio_seconds > 0:
                blocks.append(ContextBlock(item_id, audio_tokens(entry.audio_seconds), True))
                continue
            if item["type"] == "message":
                tokens = text_tokens(_message_text(item) or "")
            elif item["type"] == "function_call":
                tokens = text_tokens(item.get("name", "")) + text_tokens(item.get("arguments", ""))
            elif item["type"] == "function_call_output":
                tokens = text_tokens(item.get("output", ""))
            else:
                continue
            blocks.append(ContextBlock(item_id, tokens))
        return blocks

    def _usage(self, context: list[ContextBlock], output_text_tokens: int) -> p.JsonObject:
        """A response's usage; the start it shares with an earlier response is cached."""
        cached_text, cached_audio = cached_split(context, self._contexts)
        self._contexts = [*self._contexts[-(CACHED_CONTEXTS - 1) :], context]
        return response_usage(
            input_text_tokens=sum(b.tokens for b in context if not b.is_audio),
            input_audio_tokens=sum(b.tokens for b in context if b.is_audio),
            output_text_tokens=output_text_tokens,
            cached_text_tokens=cached_text,
            cached_audio_tokens=cached_audio,
        )

    async def _emit_call(self, response: _Response, index: int, name: str, arguments: str) -> None:
        item_id, call_id = p.new_id("item"), p.new_id("call")
        previous = self._order[-1] if self._order else None
        started = p.function_call_item(item_id, call_id, name, "", "in_progress")
        await self._send(p.output_item_added(response.id, index, started))
        self._order.append(item_id)
        entry = _Item(started)
        entry.ready.set()
        self._items[item_id] = entry
        await self._send(p.item_added(started, previous))
        for start in range(0, len(arguments), _DELTA_CHARS):
            await self._send(
                p.arguments_delta(
                    response.id, item_id, index, call_id, arguments[start : start + _DELTA_CHARS]
                )
            )
            await asyncio.sleep(0)
        await self._send(p.arguments_done(response.id, item_id, index, call_id, name, arguments))
        finished = p.function_call_item(item_id, call_id, name, arguments, "completed")
        entry.item = finished
        response.output.append(finished)
        await self._send(p.output_item_done(response.id, index, finished))
        await self._send(p.item_done(finished, previous))

    # ---- turns from the tracker

    async def _pump_turn_events(self) -> None:
        try:
            async for event in self._tracker.events():
                await self._on_turn_event(event)
        except ConnectionClosed:
            pass

    def _transcribing(self) -> bool:
        audio_in = (self._session.get("audio") or {}).get("input") or {}
        return audio_in.get("transcription") is not None

    async def _on_turn_event(self, event: TurnEvent) -> None:
        match event:
            case TurnStarted():
                await self._send(p.speech_started(event.item_id, event.audio_start_ms))
            case TurnPartial():
                if self._transcribing() and (event.delta or event.tentative):
                    await self._send(
                        p.transcription_delta(event.item_id, event.delta, event.tentative)
                    )
            case TurnStopped():
                await self._send(p.speech_stopped(event.item_id, event.audio_end_ms))
            case TurnCommitted():
                await self._on_turn_committed(event)
            case TurnFinal():
                entry = self._items.get(event.item_id)
                if entry is not None:
                    entry.text = event.transcript
                    entry.audio_seconds = event.audio_seconds or entry.audio_seconds
                    entry.item["content"][0]["transcript"] = event.transcript
                    entry.ready.set()
                if self._transcribing():
                    await self._send(
                        p.transcription_completed(
                            event.item_id, event.transcript, event.audio_seconds
                        )
                    )
            case TurnFailed():
                entry = self._items.get(event.item_id)
                if entry is not None:
                    entry.ready.set()
                if self._transcribing():
                    await self._send(p.transcription_failed(event.item_id, event.message))

    async def _on_turn_committed(self, event: TurnCommitted) -> None:
        """Add a committed audio turn once, whether it came from `commit()` or the stream."""
        if event.item_id in self._items:
            return
        previous = self._order[-1] if self._order else None
        item = p.user_audio_item(event.item_id, None)
        seconds = max(0, event.audio_end_ms - event.audio_start_ms) / 1000
        self._items[event.item_id] = _Item(item, audio_seconds=seconds, is_turn=True)
        self._order.append(event.item_id)
        await self._send(p.buffer_committed(event.item_id, previous))
        await self._send(p.item_added(item, previous))
        await self._send(p.item_done(item, previous))


async def _parse(message: str | bytes) -> p.ClientEvent | p.ProtocolViolation:
    """Parse a client message; a large one off the event loop, so other sessions keep moving.

    A 15 MiB append takes tens of milliseconds to decode; on the loop every other session's
    events would wait that long.
    """
    if len(message) > _OFF_LOOP_BYTES:
        return await asyncio.to_thread(p.parse_client_event, message)
    return p.parse_client_event(message)


def _stored_item(raw: p.JsonObject, item_id: str) -> p.JsonObject:
    """The server's copy of a client item: id, object and status set, no audio bytes."""
    item = {k: v for k, v in raw.items() if k != "id"}
    item = {"id": item_id, "object": "realtime.item", **item}
    item.setdefault("status", "completed")
    if item["type"] == "message":
        item["content"] = [
            {k: v for k, v in part.items() if k != "audio"} for part in item["content"]
        ]
    return item


def _message_text(item: p.JsonObject) -> str | None:
    texts = [
        part.get("text") or part.get("transcript") or ""
        for part in item.get("content", [])
        if isinstance(part, dict)
    ]
    joined = " ".join(t for t in texts if t).strip()
    return joined or None


def _allowed_tools(tools: list[p.JsonObject], tool_choice: Any) -> set[str]:
    names = tool_names(tools)
    if tool_choice == "none":
        return set()
    if isinstance(tool_choice, dict) and isinstance(tool_choice.get("name"), str):
        return names & {tool_choice["name"]}
    return names


def _call_key(call: ToolCallSpec) -> str:
    return call.name + json.dumps(call.arguments, sort_keys=True)
