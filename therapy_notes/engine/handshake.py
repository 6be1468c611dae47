"""Who may open a session, and which kind: the engine's WebSocket handshake, decided without I/O.

The handshake is where a clinic engine keeps out web pages, strangers and old beta clients
(PROTOCOL.md section 10, point 1), so its rules are worth testing on their own and reading
in one place. Every decision here is a plain function of the request path and headers; the
server turns a `Refusal` into an HTTP response and the one log line naming the peer, so
this module never logs, responds or touches a socket, and no refusal echoes a token.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.typing import Subprotocol

from therapy_notes.engine.access import TokenChecker

REALTIME_PATH = "/v1/realtime"
BETA_SUBPROTOCOL = "openai-beta.realtime-v1"
KEY_SUBPROTOCOL_PREFIX = "openai-insecure-api-key."


def select_subprotocol(
    _connection: ServerConnection, subprotocols: Sequence[Subprotocol]
) -> Subprotocol | None:
    """Pick `realtime` when a browser-style client offers it; never refuse the others."""
    for offered in subprotocols:
        if offered == "realtime":
            return offered
    return None


def offered_subprotocols(headers: Headers) -> list[str]:
    """Every subprotocol the client offered, across repeated and comma-joined headers."""
    return [
        s.strip()
        for value in headers.get_all("Sec-WebSocket-Protocol")
        for s in value.split(",")
        if s.strip()
    ]


def presented_token(headers: Headers) -> str:
    """The bearer token from `Authorization`, or from the browser-style key subprotocol."""
    auth = headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for offered in offered_subprotocols(headers):
        if offered.startswith(KEY_SUBPROTOCOL_PREFIX):
            return offered[len(KEY_SUBPROTOCOL_PREFIX) :]
    return ""


def is_beta(headers: Headers) -> bool:
    """True for a client speaking the retired beta shape (refused as the cloud does)."""
    return "OpenAI-Beta" in headers or BETA_SUBPROTOCOL in offered_subprotocols(headers)


def session_kind(path: str) -> tuple[str, str | None]:
    """The session type (`realtime` or `transcription`) and model a request path asks for."""
    query = parse_qs(urlsplit(path).query)
    intent = (query.get("intent") or [""])[0]
    model = query["model"][0] if query.get("model") else None
    session_type = "transcription" if intent == "transcription" and not model else "realtime"
    return session_type, model


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Who may open a session: a token checker (asked at every handshake) and browser origins.

    `checker` is a callable so a file-backed store can reload revoked tokens between
    handshakes. A browser page sends `Origin`; native clients (the SDK, the app) do not, so
    any `Origin` not listed is refused: otherwise a web page the clinician visits could reach
    the engine through the browser.
    """

    checker: Callable[[], TokenChecker]
    allowed_origins: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A handshake answered with an HTTP error instead of a WebSocket."""

    status: HTTPStatus
    body: str
    log_reason: str | None = None
    """Why, for the server's one log line naming the peer; None when not worth a line."""


@dataclass(frozen=True, slots=True)
class Admission:
    """A handshake that may go on, and the name of the token's owner."""

    owner: str


def admit(path: str, headers: Headers, access: AccessPolicy) -> Admission | Refusal:
    """Refuse browser origins (403), wrong paths (404), bad queries (400) and bad tokens (401).

    The checks run in that order, and the token store is asked only once the rest passed.
    """
    origin = headers.get("Origin")
    if origin is not None and origin not in access.allowed_origins:
        return Refusal(
            HTTPStatus.FORBIDDEN,
            "This engine does not accept connections from web pages (Origin not allowed).\n",
            "origin not allowed",
        )
    url = urlsplit(path)
    if url.path.rstrip("/") != REALTIME_PATH:
        return Refusal(HTTPStatus.NOT_FOUND, "Not found.\n")
    query = parse_qs(url.query)
    if not query.get("model") and query.get("intent") != ["transcription"]:
        return Refusal(
            HTTPStatus.BAD_REQUEST,
            "Connect with ?model=<model> or ?intent=transcription.\n",
        )
    owner = access.checker().owner_of(presented_token(headers))
    if owner is None:
        return Refusal(
            HTTPStatus.UNAUTHORIZED,
            "Missing or unknown engine token. Send 'Authorization: Bearer <token>' with a "
            "token this engine's administrator issued.\n",
            "missing or unknown token",
        )
    return Admission(owner)


class OneLineHandshakeLog(logging.LoggerAdapter[logging.Logger]):
    """Failed handshakes as one INFO line each, not an error with a traceback.

    websockets logs each failed handshake as an error with a traceback; a port scan or a
    stray TLS client would fill the log with them. The exception's type and message are
    kept on one line; other records pass unchanged.
    """

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if msg == "opening handshake failed":
            level = logging.INFO
        super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        if kwargs.get("exc_info") and msg == "opening handshake failed":
            exc = sys.exc_info()[1]
            kwargs = {k: v for k, v in kwargs.items() if k != "exc_info"}
            reason = f"{type(exc).__name__}: {exc}"[:200] if exc is not None else "unknown"
            return f"opening handshake failed ({reason})", kwargs
        return msg, kwargs
