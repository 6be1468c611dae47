"""The local engine: a WebSocket server speaking the Realtime protocol (PROTOCOL.md section 10).

This is the I/O shell, in the websockets library's sans-I/O shape: the rules live in
modules that never touch a socket (`handshake` decides who may connect, `protocol` parses
and builds events, `conversation` holds one connection's session and conversation), and
`client_session` drives one connection with them. This module listens: it answers the
handshake, refuses what the limits refuse, and hands each admitted connection to a
`ClientSession`. One `LocalEngine` owns the loaded speech models and serves any number of
connections; recognition runs in each tracker's worker threads, so the event loop only
moves messages. The clinic's network server is `clinic_server`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.http11 import Response as HttpResponse

from therapy_notes.engine.access import TokenChecker, TokenStore
from therapy_notes.engine.client_session import ClientSession, TrackerFactory, TurnTrackerLike
from therapy_notes.engine.handshake import (
    AccessPolicy,
    OneLineHandshakeLog,
    Refusal,
    admit,
    is_beta,
    select_subprotocol,
    session_kind,
)
from therapy_notes.engine.limits import SESSION_LIMIT_CLOSE_CODE, EngineLimits
from therapy_notes.engine.protocol import client_events as client
from therapy_notes.engine.protocol import server_events as events
from therapy_notes.engine.protocol.fields import ProtocolViolation

if TYPE_CHECKING:
    from therapy_notes.engine.turns import EngineModels

_log = logging.getLogger(__name__)

BETA_CLOSE_CODE = 4000


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
            await asyncio.to_thread(self._models.close)
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
        connection = ClientSession(ws, self._tracker_factory, session_type, model, self._limits)
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
