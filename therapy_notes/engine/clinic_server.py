"""The clinic engine server (`therapy-notes-server`): the local engine for a clinic's network.

What the desktop's private engine never needs: a tokens file instead of a per-run token,
TLS, and a refusal to serve patient audio in the clear beyond this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
from collections.abc import Sequence
from pathlib import Path

from therapy_notes.engine.access import TokenStore
from therapy_notes.engine.limits import EngineLimits
from therapy_notes.engine.server import LocalEngine
from therapy_notes.errors import UserFacingError

_log = logging.getLogger(__name__)


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
    """Run a clinic engine until cancelled or asked to stop (the `therapy-notes-server` command).

    SIGTERM (what systemd and `docker stop` send) stops it as Ctrl+C does: every session
    gets a close frame, the model is released, and the process exits 0.

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
    # Before the model loads, so a stop asked for while it loads is not lost either.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, AttributeError):  # Windows: no signals
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
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
            await stop.wait()
            _log.info("asked to stop (SIGTERM): closing every session")
    finally:
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.remove_signal_handler(signal.SIGTERM)
