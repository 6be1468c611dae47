"""The handshake's decisions, without a socket: order of checks, where a token comes from."""

from __future__ import annotations

from http import HTTPStatus

from websockets.datastructures import Headers

from therapy_notes.engine.access import TokenChecker
from therapy_notes.engine.handshake import (
    AccessPolicy,
    Admission,
    Refusal,
    admit,
    is_beta,
    presented_token,
    session_kind,
)

_PATH = "/v1/realtime?model=gpt-realtime-2"


class _CountingChecker:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> TokenChecker:
        self.calls += 1
        return TokenChecker.single("room-1", "secret-token")


def test_a_good_request_is_admitted_as_the_tokens_owner() -> None:
    access = AccessPolicy(_CountingChecker())
    decision = admit(_PATH, Headers({"Authorization": "Bearer secret-token"}), access)
    assert decision == Admission("room-1")


def test_origin_is_refused_before_the_path_and_without_asking_the_token_store() -> None:
    checker = _CountingChecker()
    access = AccessPolicy(checker, frozenset({"https://ok.example"}))
    headers = Headers({"Origin": "https://evil.example", "Authorization": "Bearer secret-token"})
    decision = admit("/elsewhere", headers, access)
    assert isinstance(decision, Refusal)
    assert decision.status == HTTPStatus.FORBIDDEN
    assert decision.log_reason == "origin not allowed"
    assert checker.calls == 0
    allowed = Headers({"Origin": "https://ok.example", "Authorization": "Bearer secret-token"})
    assert admit(_PATH, allowed, access) == Admission("room-1")


def test_wrong_path_and_missing_query_are_refused_quietly_before_the_token() -> None:
    checker = _CountingChecker()
    access = AccessPolicy(checker)
    no_token = Headers()
    wrong_path = admit("/v1/other?model=x", no_token, access)
    no_query = admit("/v1/realtime", no_token, access)
    assert isinstance(wrong_path, Refusal)
    assert isinstance(no_query, Refusal)
    assert (wrong_path.status, wrong_path.log_reason) == (HTTPStatus.NOT_FOUND, None)
    assert (no_query.status, no_query.log_reason) == (HTTPStatus.BAD_REQUEST, None)
    assert checker.calls == 0


def test_unknown_token_is_refused_with_a_reason_that_never_holds_the_token() -> None:
    access = AccessPolicy(_CountingChecker())
    decision = admit(_PATH, Headers({"Authorization": "Bearer guessed-token"}), access)
    assert isinstance(decision, Refusal)
    assert decision.status == HTTPStatus.UNAUTHORIZED
    assert decision.log_reason == "missing or unknown token"
    assert "guessed-token" not in decision.body


def test_token_from_authorization_first_then_the_browser_subprotocol() -> None:
    browser = Headers({"Sec-WebSocket-Protocol": "realtime, openai-insecure-api-key.ek_abc"})
    assert presented_token(browser) == "ek_abc"
    both = Headers({"Authorization": "Bearer sk-1"})
    both["Sec-WebSocket-Protocol"] = "openai-insecure-api-key.ek_abc"
    assert presented_token(both) == "sk-1"
    assert presented_token(Headers({"Authorization": "Basic sk-1"})) == ""


def test_beta_clients_and_session_kinds() -> None:
    assert is_beta(Headers({"OpenAI-Beta": "realtime=v1"}))
    assert is_beta(Headers({"Sec-WebSocket-Protocol": "realtime, openai-beta.realtime-v1"}))
    assert not is_beta(Headers({"Sec-WebSocket-Protocol": "realtime"}))
    assert session_kind(_PATH) == ("realtime", "gpt-realtime-2")
    assert session_kind("/v1/realtime?intent=transcription") == ("transcription", None)
    # A model wins over the transcription intent, as on the cloud.
    assert session_kind("/v1/realtime?intent=transcription&model=m") == ("realtime", "m")
