"""What a data folder's key file says: how the database key is kept, and which key it is.

The key file (`storage.key_file` reads and writes it) exists in both modes: it says
whether the OS keyring holds the key or a passphrase wraps it, and carries a check value
(an HMAC of a constant under the key) so a wrong key or passphrase is refused before the
database file is opened. It holds nothing that helps an attacker. These are the values
and the error the key service and the file adapter share; no I/O here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV
from therapy_notes.errors import UnlockError

KEY_FILE_NAME = "therapy_notes.key"
"""The key file's name, beside the database file."""

CHECK_HEX_CHARS = 2 * hashlib.sha256().digest_size
_CHECK_LABEL = b"therapy-notes database key check v1"


class KeyMode(StrEnum):
    """How a data folder keeps its database key."""

    KEYRING = "keyring"
    PASSPHRASE = "passphrase"


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """The key file's content: mode, key check, and (passphrase mode) the wrapped key."""

    mode: KeyMode
    check: str
    wrap: Mapping[str, Any] | None = None
    """`key_wrap.wrap_key`'s record; None in keyring mode."""


def key_check(key: DatabaseKey) -> str:
    """A value that identifies the key without revealing it (an HMAC of a constant)."""
    return hmac.new(key.raw, _CHECK_LABEL, hashlib.sha256).hexdigest()


class KeyFileDamagedError(UnlockError):
    """The key file cannot be used; the recovery key opens the database and rewrites it."""


def damaged_key_file(what: str = "is damaged") -> KeyFileDamagedError:
    """The error for an unusable key file: what is wrong, and that the recovery key helps."""
    return KeyFileDamagedError(
        f"The key file ({KEY_FILE_NAME}) in the data folder {what}. Start with your "
        f"recovery key in {RECOVERY_KEY_ENV}, or type it when asked, to write a new one; "
        "nothing was changed."
    )
