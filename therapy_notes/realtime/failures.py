"""What a failure means for the realtime link: which ones end it, which are retried.

The one place that classifies them: a server `error` event's code (fatal, session expired,
expected and quiet, or reported), a refused WebSocket handshake (its HTTP status), and an
exception that took a connection down (the short reason the link's state carries).
Third-party exception types stop here: the link raises `AuthError` or
`EngineUnavailableError` (STYLE.md, "Translate errors at the adapter boundary").
"""

from __future__ import annotations

import enum

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from therapy_notes.errors import AuthError, EngineUnavailableError

FATAL_CODES = frozenset(
    {
        "invalid_api_key",
        "insufficient_quota",
        "account_deactivated",
        "billing_hard_limit_reached",
        "beta_api_shape_disabled",
    }
)
"""Never retried: the account or the key is refused (LiveKit's list, and the beta shape)."""
EXPIRED_CODES = frozenset({"session_expired"})
QUIET_CODES = frozenset({"input_audio_buffer_commit_empty", "item_not_found"})
"""Expected in normal use (a commit of silence, pruning an item the engine has dropped)."""

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    ConnectionClosed,
    InvalidHandshake,
)
"""A connection failed to open, or dropped: the network's doing, worth trying again."""
RECONNECT_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, EngineUnavailableError)
"""The link reconnects after these, with backoff, until it gives up (`unreachable`).

That includes an engine URL that does not serve the API (HTTP 404, `refused_handshake`);
a rollover's failed attempt, by contrast, keeps the current connection only for
`CONNECTION_ERRORS`.
"""


class ServerErrorKind(enum.Enum):
    """What a server `error` event means for the link."""

    FATAL = "fatal"
    """The session is refused for good: fail the link."""
    EXPIRED = "expired"
    """The server ended the session (60-minute limit): reconnect at once."""
    QUIET = "quiet"
    """Expected: log at debug level, report nothing."""
    REPORTED = "reported"
    """Anything else: log a warning and report a `ServerError`."""


class SessionExpiredError(Exception):
    """The server ended the session (60-minute limit): reconnect at once, no backoff."""


def classify(code: str | None) -> ServerErrorKind:
    """The kind of a server error code (an absent code is reported)."""
    if code in FATAL_CODES:
        return ServerErrorKind.FATAL
    if code in EXPIRED_CODES:
        return ServerErrorKind.EXPIRED
    if code in QUIET_CODES:
        return ServerErrorKind.QUIET
    return ServerErrorKind.REPORTED


def check_fatal(code: str | None, message: str) -> None:
    """Raise `AuthError` if the code refuses the session for good."""
    if classify(code) is ServerErrorKind.FATAL:
        raise AuthError(
            f"The speech service refused the session ({code}): {message} "
            "Check the API key and the account in Settings."
        )


def refused_handshake(exc: InvalidStatus) -> AuthError | EngineUnavailableError | None:
    """The user-facing error for a handshake refused with this status; None: retry it."""
    status = exc.response.status_code
    if status in (401, 403):
        return AuthError(
            f"The speech service refused the API key (HTTP {status}). Check the key "
            "in Settings; nothing was sent with it."
        )
    if status == 404:
        return EngineUnavailableError(
            "The engine URL does not serve the Realtime API (HTTP 404). Check the URL in Settings."
        )
    return None


def bad_url(exc: InvalidURI) -> EngineUnavailableError:
    """The engine URL is no WebSocket address (a setting to fix, not worth retrying)."""
    return EngineUnavailableError(
        f"The engine URL is not a WebSocket address: {exc}. It must start with ws:// or wss://."
    )


def unreachable(reason: str) -> EngineUnavailableError:
    """The error the link fails with once it has given up reconnecting."""
    return EngineUnavailableError(
        f"Could not reach the speech engine ({reason}). Check the engine URL and the network, "
        "then start recording again. Everything recorded so far is saved."
    )


def describe(exc: BaseException) -> str:
    """A short reason for a failed connection, for the link's state and its final error."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionClosed):
        return "connection lost"
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    return str(exc) or type(exc).__name__
