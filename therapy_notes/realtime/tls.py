"""TLS trust for a clinic engine that uses its own certificate authority.

A clinic server's certificate is often issued by the clinic's own CA (or is self-signed),
which no operating system trusts. Rather than turning verification off, the user names the
CA's PEM file and the link trusts that CA, and only it, for the engine's URL; host names are
still checked.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from therapy_notes.errors import UserFacingError


def engine_ssl_context(ca_file: Path | None) -> ssl.SSLContext | None:
    """A client context trusting `ca_file`, or None for the system's usual trust store.

    Raises:
        UserFacingError: the file is missing or holds no usable certificate.
    """
    if ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise UserFacingError(
            f"Cannot use {ca_file} as the engine's certificate authority ({exc}). Choose the "
            "PEM file the clinic's administrator gave you."
        ) from exc
