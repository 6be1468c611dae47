"""The database key as a value: 32 random bytes that never show up in a repr or a log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class DatabaseKey:
    """The raw SQLCipher key.

    It is always random (never a passphrase): a passphrase only wraps it, so changing the
    passphrase or the keyring never re-encrypts the database, and one recovery key opens
    the database and every backup of it.
    """

    raw: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError(f"a database key is {KEY_BYTES} bytes")

    def __repr__(self) -> str:
        return "DatabaseKey(<redacted>)"

    @classmethod
    def generate(cls) -> DatabaseKey:
        """A fresh key from the operating system's random source."""
        return cls(secrets.token_bytes(KEY_BYTES))
