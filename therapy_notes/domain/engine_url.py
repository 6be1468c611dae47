"""Which credential goes to which engine URL: the one rule app, command line and self-test share.

The OpenAI API key is a bill-paying secret: whoever receives it can spend the clinic's money
and read its usage. It is therefore sent only to OpenAI's own hosts over TLS. Every other
engine (a clinic server, the local engine, a proxy) gets the engine token, or nothing. The
check parses the URL with `urllib.parse` rather than matching prefixes, so `WSS://API.OPENAI.COM`
is the cloud and `wss://api.openai.com.example.org`, `ws://api.openai.com` (plaintext) or
`wss://user@api.openai.com` are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

OPENAI_HOST_SUFFIXES = (".openai.com", ".openai.azure.com")
"""Hosts under these domains are OpenAI's (`api.openai.com`, an Azure OpenAI resource)."""
SECURE_SCHEMES = frozenset({"wss", "https"})
NO_CREDENTIAL = "no-credential"
"""Sent when no credential applies: the SDK needs a string, and `None` would make it read
OPENAI_API_KEY from the environment, which is exactly the leak this module prevents."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Credential(StrEnum):
    """The kind of secret an engine URL may receive."""

    OPENAI_KEY = "openai_key"
    ENGINE_TOKEN = "engine_token"


@dataclass(frozen=True, slots=True)
class EngineCredentials:
    """What the user has: an OpenAI key and a clinic engine token, either possibly absent."""

    openai_key: str | None = None
    engine_token: str | None = None


def _hostname(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    return parts.hostname


def is_openai_endpoint(url: str) -> bool:
    """True only for wss/https URLs whose host is OpenAI's, with no user info in the URL.

    User info (`user@host`) and backslashes are refused outright: parsers disagree on them,
    and a URL that one parser reads as OpenAI and another as a stranger must not get the key.
    """
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError:
        return False
    if parts.scheme.lower() not in SECURE_SCHEMES:
        return False
    if "@" in parts.netloc or "\\" in url or any(c.isspace() for c in url.strip()):
        return False
    host = parts.hostname or ""
    return host.endswith(OPENAI_HOST_SUFFIXES)


def is_loopback_endpoint(url: str) -> bool:
    """True when the URL names this machine (any letter case of the scheme or host)."""
    return (_hostname(url) or "") in LOOPBACK_HOSTS


def credential_kind(url: str) -> Credential:
    """Which secret `url` may receive."""
    return Credential.OPENAI_KEY if is_openai_endpoint(url) else Credential.ENGINE_TOKEN


def credential_for(url: str, credentials: EngineCredentials) -> str:
    """The bearer string to send to `url`: the OpenAI key only to OpenAI, else the token.

    Never returns None or the other credential; a missing one becomes `NO_CREDENTIAL`, which
    an engine that needs a token answers with 401.
    """
    if credential_kind(url) is Credential.OPENAI_KEY:
        return credentials.openai_key or NO_CREDENTIAL
    return credentials.engine_token or NO_CREDENTIAL
