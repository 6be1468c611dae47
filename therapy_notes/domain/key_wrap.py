"""The database key wrapped by a passphrase, for a computer without a secure keyring.

The key is XORed with a one-use keystream from scrypt (n=2**15, r=8, p=1, a fresh salt
per wrap) and the result is MACed with the rest of scrypt's output, so a wrong
passphrase, or an edited key file, is detected before the key is used. Pure functions on
values: the key file adapter stores the record, the key service asks for the passphrase.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from therapy_notes.domain.key_record import damaged_key_file
from therapy_notes.domain.keys import KEY_BYTES, DatabaseKey
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV
from therapy_notes.errors import UnlockError

PASSPHRASE_ENV = "THERAPY_NOTES_PASSPHRASE"
"""The environment variable an unattended run reads the passphrase from (as restic, borg)."""
MIN_PASSPHRASE_CHARS = 8
"""The shortest passphrase a new key file takes (the window, the terminal and the service)."""

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_SCRYPT_MAX_N = 2**20
_WRAP_VERSION = 1
"""Part of what the MAC covers; the first key file format wrote the same number."""


class WrongPassphraseError(UnlockError):
    """The passphrase does not unwrap the key; nothing was opened or changed."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """(keystream, MAC key) from the passphrase: scrypt output split in two."""
    material = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * r * n + 2**20,
        dklen=2 * KEY_BYTES,
    )
    return material[:KEY_BYTES], material[KEY_BYTES:]


def _wrap_header(salt: bytes, n: int, r: int, p: int) -> bytes:
    return json.dumps(
        {"v": _WRAP_VERSION, "kdf": "scrypt", "salt": salt.hex(), "n": n, "r": r, "p": p},
        sort_keys=True,
    ).encode("ascii")


def wrap_key(key: DatabaseKey, passphrase: str, *, n: int = SCRYPT_N) -> dict[str, Any]:
    """The key encrypted under the passphrase: XOR with a one-use scrypt keystream + HMAC.

    The salt is fresh for every wrap, so a keystream never encrypts two keys; the MAC
    covers the KDF parameters and the wrapped key, so a wrong passphrase (or an edited
    file) is detected before the key is used.
    """
    salt = secrets.token_bytes(16)
    stream, mac_key = _derive(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    wrapped = bytes(a ^ b for a, b in zip(key.raw, stream, strict=True))
    mac = hmac.new(
        mac_key, _wrap_header(salt, n, SCRYPT_R, SCRYPT_P) + wrapped, hashlib.sha256
    ).hexdigest()
    return {
        "kdf": "scrypt",
        "salt": salt.hex(),
        "n": n,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "wrapped_key": wrapped.hex(),
        "mac": mac,
    }


def unwrap_key(wrap: Mapping[str, Any], passphrase: str) -> DatabaseKey:
    """The key from `wrap_key`'s record.

    Raises:
        WrongPassphraseError: the passphrase is wrong (or the MAC was edited).
        KeyFileDamagedError: the record is not a wrap this version can read.
    """
    try:
        salt = bytes.fromhex(str(wrap["salt"]))
        n, r, p = int(wrap["n"]), int(wrap["r"]), int(wrap["p"])
        wrapped = bytes.fromhex(str(wrap["wrapped_key"]))
        mac = bytes.fromhex(str(wrap["mac"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise damaged_key_file() from exc
    if wrap.get("kdf") != "scrypt" or not (2 <= n <= _SCRYPT_MAX_N) or len(wrapped) != KEY_BYTES:
        raise damaged_key_file()
    stream, mac_key = _derive(passphrase, salt, n, r, p)
    expected = hmac.new(mac_key, _wrap_header(salt, n, r, p) + wrapped, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        raise WrongPassphraseError(
            "The passphrase is wrong; the database was not opened or changed. Check "
            f"{PASSPHRASE_ENV} or type it again. If it is lost, start with your recovery key "
            f"in {RECOVERY_KEY_ENV} to choose a new one."
        )
    return DatabaseKey(bytes(a ^ b for a, b in zip(wrapped, stream, strict=True)))
