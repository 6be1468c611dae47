"""Who may open a session on an engine server: tokens, browser origins, TLS, startup policy."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import ssl
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from openai import AsyncOpenAI
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from tests.engine.conftest import FakeTrackers, recv_checked
from therapy_notes.engine.access import TokenChecker, TokenStore, token_digest
from therapy_notes.engine.clinic_server import check_exposure, serve_forever, server_ssl_context
from therapy_notes.engine.server import LocalEngine
from therapy_notes.errors import UserFacingError


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "tokens.json")


@pytest.fixture
async def clinic_engine(trackers: FakeTrackers, store: TokenStore) -> AsyncIterator[LocalEngine]:
    async with LocalEngine(tracker_factory=trackers, tokens=store) as running:
        yield running


async def _status(url: str, headers: dict[str, str]) -> int:
    """The HTTP status a raw websockets client gets (101 when the handshake succeeds)."""
    try:
        async with ws_connect(url, additional_headers=headers) as ws:
            json.loads(await ws.recv())
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


# --------------------------------------------------------------------------- token store


def test_tokens_file_keeps_only_hashes_and_is_private(store: TokenStore) -> None:
    token = store.add("front-desk")
    text = store.path.read_text(encoding="utf-8")
    assert token not in text
    assert token_digest(token).hex() in text
    assert store.names() == ["front-desk"]
    if sys.platform != "win32":
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(UserFacingError, match="revoke it first"):
        store.add("front-desk")
    with pytest.raises(UserFacingError, match="Invalid token name"):
        store.add("bad name\nwith newline")
    assert store.revoke("front-desk")
    assert not store.revoke("front-desk")
    assert store.names() == []


def test_checker_names_the_owner_and_refuses_the_rest() -> None:
    checker = TokenChecker({"a": token_digest("token-a"), "b": token_digest("token-b")})
    assert checker.owner_of("token-b") == "b"
    assert checker.owner_of("token-c") is None
    assert checker.owner_of("") is None
    assert checker.owner_of("x" * 10_000) is None


# --------------------------------------------------------------------------- handshake


async def test_right_token_connects_and_the_log_names_its_owner(
    clinic_engine: LocalEngine, store: TokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    token = store.add("room-3")
    caplog.set_level(logging.INFO, logger="therapy_notes.engine.server")
    client = AsyncOpenAI(api_key=token, websocket_base_url=clinic_engine.url)
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        assert (await recv_checked(conn)).type == "session.created"
    assert any("for room-3" in r.getMessage() for r in caplog.records)
    assert all(token not in r.getMessage() for r in caplog.records)


@pytest.mark.expected_log(
    "therapy_notes.engine.server", "WARNING", match=r": missing or unknown token$"
)
async def test_wrong_missing_and_revoked_tokens_get_401(
    clinic_engine: LocalEngine, store: TokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    token = store.add("room-4")
    url = f"{clinic_engine.url}/realtime?model=gpt-realtime-2"
    assert await _status(url, {"Authorization": f"Bearer {token}"}) == 101
    assert await _status(url, {"Authorization": "Bearer not-a-token"}) == 401
    assert await _status(url, {}) == 401
    assert await _status(url, {"Authorization": f"Basic {token}"}) == 401
    # The official SDK sees the refusal as an HTTP 401 (the link turns it into AuthError).
    sdk = AsyncOpenAI(api_key="sk-wrong", websocket_base_url=clinic_engine.url)
    with pytest.raises(InvalidStatus) as refused:
        async with sdk.realtime.connect(model="gpt-realtime-2"):
            pass
    assert refused.value.response.status_code == 401
    store.revoke("room-4")  # takes effect for the next handshake, no restart
    assert await _status(url, {"Authorization": f"Bearer {token}"}) == 401
    refusals = [r for r in caplog.records if "unknown token" in r.getMessage()]
    assert len(refusals) == 5
    assert all(r.levelno == logging.WARNING for r in refusals)
    assert all(
        token not in r.getMessage() and "sk-wrong" not in r.getMessage() for r in caplog.records
    )


@pytest.mark.expected_log(
    "therapy_notes.engine.server", "WARNING", match=r": missing or unknown token$"
)
async def test_per_run_engine_refuses_any_other_credential(engine: LocalEngine) -> None:
    url = f"{engine.url}/realtime?model=gpt-realtime-2"
    assert await _status(url, {"Authorization": "Bearer local-engine"}) == 401
    assert await _status(url, {"Authorization": f"Bearer {engine.token}"}) == 101
    assert LocalEngine().token != engine.token


@pytest.mark.expected_log("therapy_notes.engine.server", "WARNING", match=r": origin not allowed$")
async def test_browser_origin_is_refused_unless_allowed(
    trackers: FakeTrackers, store: TokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    token = store.add("kiosk")
    auth = {"Authorization": f"Bearer {token}"}
    async with LocalEngine(
        tracker_factory=trackers, tokens=store, allowed_origins=["https://notes.clinic.example"]
    ) as running:
        url = f"{running.url}/realtime?model=gpt-realtime-2"
        assert await _status(url, {**auth, "Origin": "https://evil.example"}) == 403
        assert await _status(url, {"Origin": "null"}) == 403
        assert await _status(url, {**auth, "Origin": "https://notes.clinic.example"}) == 101
    assert [r.levelno for r in caplog.records if "origin not allowed" in r.getMessage()] == [
        logging.WARNING,
        logging.WARNING,
    ]


async def test_failed_handshake_logs_one_line_without_traceback(
    clinic_engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection("127.0.0.1", clinic_engine.port)
    writer.write(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")  # e.g. a TLS client on ws://
    await writer.drain()
    await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()
    failed: list[logging.LogRecord] = []
    for _ in range(100):
        failed = [r for r in caplog.records if "opening handshake failed" in r.getMessage()]
        if failed:
            break
        await asyncio.sleep(0.01)
    assert len(failed) == 1
    assert failed[0].levelno == logging.INFO
    assert failed[0].exc_info is None
    assert "\n" not in failed[0].getMessage()
    assert "InvalidMessage" in failed[0].getMessage()


# --------------------------------------------------------------------------- TLS


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, as a clinic CA would issue."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clinic engine test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "engine.pem", folder / "engine.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_engine_with_the_clinic_ca(
    trackers: FakeTrackers,
    store: TokenStore,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from therapy_notes.realtime.tls import engine_ssl_context

    cert, key = _certificate(tmp_path)
    token = store.add("laptop-1")
    async with LocalEngine(
        tracker_factory=trackers, tokens=store, ssl_context=server_ssl_context(cert, key)
    ) as running:
        assert running.url.startswith("wss://127.0.0.1:")
        trusted = engine_ssl_context(cert)
        assert trusted is not None
        client = AsyncOpenAI(api_key=token, websocket_base_url=running.url)
        async with client.realtime.connect(
            model="gpt-realtime-2",
            websocket_connection_options={"ssl": trusted},  # type: ignore[typeddict-unknown-key]
        ) as conn:
            assert (await recv_checked(conn)).type == "session.created"
        # Without the clinic's CA the certificate is not trusted: no silent downgrade.
        with pytest.raises(ssl.SSLCertVerificationError):
            async with ws_connect(
                f"{running.url}/realtime?model=m",
                additional_headers={"Authorization": f"Bearer {token}"},
            ):
                pass
    caplog.clear()  # the refused TLS handshake is logged by the server as one line


def test_bad_tls_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="TLS certificate"):
        server_ssl_context(tmp_path / "missing.pem", tmp_path / "missing.key")


# --------------------------------------------------------------------------- startup policy


@pytest.mark.expected_log(
    "therapy_notes.engine.clinic_server", "WARNING", match=r"^PLAINTEXT: serving on \S+ without TLS"
)
def test_network_host_needs_tls_or_an_explicit_plaintext_flag(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check_exposure("127.0.0.1", has_tls=False, allow_plaintext=False)
    check_exposure("0.0.0.0", has_tls=True, allow_plaintext=False)
    with pytest.raises(UserFacingError, match="without TLS"):
        check_exposure("0.0.0.0", has_tls=False, allow_plaintext=False)
    check_exposure("192.168.1.20", has_tls=False, allow_plaintext=True)
    loud = [r for r in caplog.records if "PLAINTEXT" in r.getMessage()]
    assert [r.levelno for r in loud] == [logging.WARNING]


async def test_serve_forever_refuses_unsafe_or_tokenless_setups(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    with pytest.raises(UserFacingError, match="no tokens"):
        await serve_forever("127.0.0.1", 0, None, tokens=tokens)
    TokenStore(tokens).add("desk")
    with pytest.raises(UserFacingError, match="without TLS"):
        await serve_forever("0.0.0.0", 0, None, tokens=tokens)
    with pytest.raises(UserFacingError, match="both --tls-cert and --tls-key"):
        await serve_forever("0.0.0.0", 0, None, tokens=tokens, tls_cert=tmp_path / "c.pem")
