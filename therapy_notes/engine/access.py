"""Who may use an engine server: named bearer tokens, stored only as hashes.

A clinic engine server hears patient audio, so it must know who is talking to it. Each
client machine (or person) gets a named token made here; the tokens file keeps only the
name and the SHA-256 of each token. SHA-256 rather than a slow password hash is deliberate:
a token is 32 random bytes (`secrets.token_urlsafe(32)`), so there is no dictionary to
guess from and a slow hash would only make every handshake cost CPU an attacker controls.

The file is rewritten atomically (a private temporary file, fsync, rename) with mode 0600,
and a running server reloads it when it changes, so `--revoke-token` takes effect for the
next connection without a restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from therapy_notes.errors import UserFacingError

_log = logging.getLogger(__name__)

TOKEN_BYTES = 32
FILE_MODE = 0o600
FILE_VERSION = 1
MAX_TOKEN_CHARS = 512
"""Longer bearer strings are refused before hashing: no real token is that long."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def token_digest(token: str) -> bytes:
    """The stored form of a token (see the module docstring for why SHA-256 suffices)."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def check_name(name: str) -> str:
    """A token name as it appears in logs: short, printable, no spaces.

    Raises:
        UserFacingError: the name is empty, too long or has other characters.
    """
    if not _NAME.match(name):
        raise UserFacingError(
            f"Invalid token name {name[:70]!r}: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit."
        )
    return name


@dataclass(frozen=True, slots=True)
class TokenChecker:
    """Answers "whose token is this?" in time independent of which entry matches."""

    digests: Mapping[str, bytes]
    """Token name -> SHA-256 digest."""

    @classmethod
    def single(cls, name: str, token: str) -> TokenChecker:
        """A checker for one token, e.g. the desktop app's private per-run token."""
        return cls({name: token_digest(token)})

    def owner_of(self, token: str) -> str | None:
        """The name of the token's owner, or None.

        Every stored digest is compared (no early exit) with `hmac.compare_digest`, so the
        time taken says nothing about how close a guess was or which entry it matched.
        """
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        presented = token_digest(token)
        owner: str | None = None
        for name, digest in self.digests.items():
            if hmac.compare_digest(presented, digest) and owner is None:
                owner = name
        return owner


class TokenStore:
    """The tokens file: add, revoke, list, and a checker that follows the file's changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._checker = TokenChecker({})

    @property
    def path(self) -> Path:
        return self._path

    def load(self) -> dict[str, bytes]:
        """Name -> digest from the file; a missing file has no tokens.

        Raises:
            UserFacingError: the file exists but cannot be read or parsed.
        """
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise UserFacingError(
                f"Cannot read the tokens file {self._path}: {exc.strerror or exc}."
            ) from exc
        try:
            data = json.loads(text)
            entries = data["tokens"]
            return {str(e["name"]): bytes.fromhex(str(e["sha256"])) for e in entries}
        except (ValueError, KeyError, TypeError) as exc:
            raise UserFacingError(
                f"The tokens file {self._path} is damaged ({type(exc).__name__}). Restore it "
                "or delete it and add the tokens again."
            ) from exc

    def names(self) -> list[str]:
        return sorted(self.load())

    def add(self, name: str) -> str:
        """Make a new token for `name`, store its digest, and return the token (shown once).

        Raises:
            UserFacingError: the name is invalid or already has a token (revoke it first).
        """
        check_name(name)
        digests = self.load()
        if name in digests:
            raise UserFacingError(f"A token named {name!r} exists; revoke it first to replace it.")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        digests[name] = token_digest(token)
        self._write(digests)
        return token

    def revoke(self, name: str) -> bool:
        """Remove `name`'s token; False when there was none."""
        digests = self.load()
        if digests.pop(name, None) is None:
            return False
        self._write(digests)
        return True

    def checker(self) -> TokenChecker:
        """The current tokens, reloaded when the file's size or modification time changed.

        A file that became unreadable keeps the last good tokens and logs why, so a half
        edited file never locks every client out mid-session.
        """
        try:
            st = self._path.stat()
            seen = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            seen = (0, 0)
        if seen != self._seen:
            try:
                self._checker = TokenChecker(self.load())
                self._seen = seen
            except UserFacingError:
                _log.warning(
                    "tokens file unreadable; keeping the %d tokens loaded before",
                    len(self._checker.digests),
                )
        return self._checker

    def _write(self, digests: Mapping[str, bytes]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        data = {
            "version": FILE_VERSION,
            "tokens": [
                {"name": n, "sha256": d.hex(), "updated_at": now}
                for n, d in sorted(digests.items())
            ],
        }
        folder = self._path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self._path.name}.", suffix=".tmp", dir=folder)
        try:
            # mkstemp creates the file 0600 on POSIX; chmod states it for umask-free clarity.
            os.chmod(tmp, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
