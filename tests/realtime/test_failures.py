"""What a failure means for the link: server error codes, refused handshakes, reasons."""

from __future__ import annotations

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, InvalidStatus, InvalidURI
from websockets.http11 import Response

from therapy_notes.errors import AuthError, EngineUnavailableError
from therapy_notes.realtime import failures
from therapy_notes.realtime.failures import ServerErrorKind


def status(code: int) -> InvalidStatus:
    return InvalidStatus(Response(code, "", Headers()))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("invalid_api_key", ServerErrorKind.FATAL),
        ("insufficient_quota", ServerErrorKind.FATAL),
        ("beta_api_shape_disabled", ServerErrorKind.FATAL),
        ("session_expired", ServerErrorKind.EXPIRED),
        ("input_audio_buffer_commit_empty", ServerErrorKind.QUIET),
        ("item_not_found", ServerErrorKind.QUIET),
        ("conversation_already_has_active_response", ServerErrorKind.REPORTED),
        ("invalid_value", ServerErrorKind.REPORTED),
        ("", ServerErrorKind.REPORTED),
        (None, ServerErrorKind.REPORTED),
    ],
)
def test_server_error_codes_are_classified(code: str | None, kind: ServerErrorKind) -> None:
    assert failures.classify(code) is kind


def test_only_a_fatal_code_raises_auth_error_naming_the_code() -> None:
    with pytest.raises(AuthError, match=r"refused the session \(invalid_api_key\): bad key"):
        failures.check_fatal("invalid_api_key", "bad key")
    failures.check_fatal("session_expired", "expired")  # not fatal: nothing raised
    failures.check_fatal(None, "no code")


def test_a_refused_handshake_is_an_auth_error_a_404_a_bad_url_and_others_are_retried() -> None:
    assert isinstance(failures.refused_handshake(status(401)), AuthError)
    assert isinstance(failures.refused_handshake(status(403)), AuthError)
    not_found = failures.refused_handshake(status(404))
    assert isinstance(not_found, EngineUnavailableError)
    assert "HTTP 404" in str(not_found)
    assert failures.refused_handshake(status(500)) is None
    assert failures.refused_handshake(status(503)) is None


def test_the_errors_reconnected_after_include_a_404_but_a_rollover_keeps_going_without() -> None:
    assert EngineUnavailableError in failures.RECONNECT_ERRORS
    assert EngineUnavailableError not in failures.CONNECTION_ERRORS
    assert set(failures.CONNECTION_ERRORS) < set(failures.RECONNECT_ERRORS)
    assert AuthError not in failures.RECONNECT_ERRORS
    assert not issubclass(AuthError, failures.RECONNECT_ERRORS)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ConnectionRefusedError(111, "refused"), "connection refused"),
        (TimeoutError(), "timed out"),
        (ConnectionClosedError(None, None), "connection lost"),
        (status(502), "HTTP 502"),
        (OSError("no route to host"), "no route to host"),
        (OSError(), "OSError"),
    ],
)
def test_a_failed_connection_is_described_in_a_few_words(exc: BaseException, reason: str) -> None:
    assert failures.describe(exc) == reason


def test_the_final_and_url_errors_say_what_to_check() -> None:
    final = failures.unreachable("connection refused")
    assert isinstance(final, EngineUnavailableError)
    assert str(final).startswith("Could not reach the speech engine (connection refused).")
    bad = failures.bad_url(InvalidURI("http://x", "scheme isn't ws or wss"))
    assert "ws:// or wss://" in str(bad)
