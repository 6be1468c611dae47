"""The one rule for credentials: the OpenAI key goes to OpenAI's hosts over TLS, nowhere else."""

from __future__ import annotations

import pytest

from therapy_notes.domain.engine_url import (
    NO_CREDENTIAL,
    Credential,
    EngineCredentials,
    credential_for,
    credential_kind,
    is_loopback_endpoint,
    is_openai_endpoint,
)

CREDENTIALS = EngineCredentials(openai_key="sk-user-key", engine_token="clinic-token")


@pytest.mark.parametrize(
    "url",
    [
        "wss://api.openai.com/v1",
        "WSS://API.OPENAI.COM/v1",
        "https://api.openai.com/v1",
        "wss://eu.api.openai.com/v1",
        "wss://clinic-resource.openai.azure.com/openai/v1",
        "wss://api.openai.com:443/v1",
    ],
)
def test_openai_hosts_over_tls_get_the_key(url: str) -> None:
    assert is_openai_endpoint(url)
    assert credential_kind(url) is Credential.OPENAI_KEY
    assert credential_for(url, CREDENTIALS) == "sk-user-key"


@pytest.mark.parametrize(
    "url",
    [
        "ws://127.0.0.1:8765/v1",
        "WS://127.0.0.1:8765/v1",
        "ws://api.openai.com/v1",  # plaintext: anyone on the path reads it
        "http://api.openai.com/v1",
        "wss://api.openai.com.attacker.example/v1",  # suffix of a foreign domain
        "wss://attacker.example/api.openai.com/v1",  # OpenAI only in the path
        "wss://api.openai.com@attacker.example/v1",  # user info: the host is the attacker
        "wss://attacker.example#@api.openai.com/v1",
        "wss://attacker.example\\@api.openai.com/v1",  # parsers disagree on backslashes
        "wss://notopenai.com/v1",
        "wss://openai.com.evil/v1",
        "wss://clinic.example:8765/v1",
        "wss://api.openai.com:notaport/v1",
        "",
        "api.openai.com",
    ],
)
def test_every_other_url_gets_the_engine_token(url: str) -> None:
    assert not is_openai_endpoint(url)
    assert credential_kind(url) is Credential.ENGINE_TOKEN
    assert credential_for(url, CREDENTIALS) == "clinic-token"


def test_a_missing_credential_is_never_replaced_by_the_other() -> None:
    key_only = EngineCredentials(openai_key="sk-user-key")
    assert credential_for("ws://127.0.0.1:1/v1", key_only) == NO_CREDENTIAL
    token_only = EngineCredentials(engine_token="clinic-token")
    assert credential_for("wss://api.openai.com/v1", token_only) == NO_CREDENTIAL


def test_loopback_in_any_letter_case() -> None:
    assert is_loopback_endpoint("WS://127.0.0.1:9/v1")
    assert is_loopback_endpoint("ws://LOCALHOST:9/v1")
    assert is_loopback_endpoint("ws://[::1]:9/v1")
    assert not is_loopback_endpoint("ws://127.0.0.1.example:9/v1")
    assert not is_loopback_endpoint("wss://api.openai.com/v1")
