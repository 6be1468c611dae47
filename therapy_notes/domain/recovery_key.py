"""The recovery key: the database key as text a person can print, keep and type back.

It is shown once when a data folder is set up and opens the database (and every backup
of it) when the keyring is lost, the passphrase forgotten or the key file damaged. The
text is base32 in groups of five with a checksum, so a mistyped character is caught here
instead of looking like the wrong key. Pure functions, no I/O: the key service decides
when to show or ask for one.
"""

from __future__ import annotations

import base64
import hashlib

from therapy_notes.domain.keys import KEY_BYTES, DatabaseKey
from therapy_notes.errors import UnlockError

RECOVERY_KEY_ENV = "THERAPY_NOTES_RECOVERY_KEY"
"""The environment variable an unattended run (or a restore) reads the recovery key from."""

_CHECKSUM_BYTES = 3


def encode_recovery_key(key: DatabaseKey) -> str:
    """The key as base32 in groups of five, with a checksum that catches typing mistakes."""
    checksum = hashlib.sha256(key.raw).digest()[:_CHECKSUM_BYTES]
    text = base64.b32encode(key.raw + checksum).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def decode_recovery_key(text: str) -> DatabaseKey:
    """Read a recovery key as typed: case, spaces and dashes do not matter.

    Raises:
        UnlockError: it is not a recovery key, or a character is wrong.
    """
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        data = base64.b32decode(padded)
    except ValueError:
        data = b""
    raw, checksum = data[:KEY_BYTES], data[KEY_BYTES:]
    if (
        len(data) != KEY_BYTES + _CHECKSUM_BYTES
        or hashlib.sha256(raw).digest()[:_CHECKSUM_BYTES] != checksum
    ):
        raise UnlockError(
            "That is not a valid recovery key: check each group of five "
            "characters against the printed copy and try again."
        )
    return DatabaseKey(raw)
