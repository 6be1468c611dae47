"""SQLCipher: keyed connections, plain versus encrypted files, and the check on opening.

Every connection applies the key before anything else reads the file and proves it with a
read, so a wrong key fails before SQLite writes anything (no WAL switch, no schema).
Encrypting a database from a version without encryption is `encrypt_in_place`; copying
one database into another and proving the copy whole is `database_copy`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import DatabaseDamagedError, UnlockError
from therapy_notes.file_modes import write_private_file
from therapy_notes.storage.database_files import sibling
from therapy_notes.storage.errors import DatabaseLocation, translate

logger = logging.getLogger(__name__)

dbapi = sqlcipher
"""The DB-API module the engine and every raw connection use (SQLite with SQLCipher)."""

SQLITE_HEADER = b"SQLite format 3\x00"

StepHook = Callable[[str], None]
"""Called after each step of a migration, backup or restore (tests stop there)."""


class FileState(StrEnum):
    """What is at a database path, judged from its first bytes only."""

    MISSING = "missing"
    """No file, or an empty one: nothing to lose."""
    PLAINTEXT = "plaintext"
    """An unencrypted SQLite file (it starts with the SQLite header)."""
    ENCRYPTED = "encrypted"
    """Anything else: an SQLCipher file has no readable header."""


def file_state(path: Path) -> FileState:
    """Classify `path` without opening it as a database (a plain read of 16 bytes)."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return FileState.MISSING
    if not head:
        return FileState.MISSING
    return FileState.PLAINTEXT if head == SQLITE_HEADER else FileState.ENCRYPTED


def quoted(text: str) -> str:
    """`text` as an SQL string or identifier in double quotes (PRAGMA takes no parameters)."""
    return '"' + text.replace('"', '""') + '"'


def key_literal(key: DatabaseKey) -> str:
    """SQLCipher's raw-key syntax: the key is used as is, without its passphrase KDF."""
    return f"x'{key.raw.hex()}'"


def wrong_key_message(where: DatabaseLocation) -> str:
    """What to say when a key does not open an existing file."""
    return (
        f"The key does not open {where.file}: the passphrase or recovery key is wrong, or "
        "the file belongs to another data folder. Nothing was read or changed. Try again "
        "with the right passphrase (THERAPY_NOTES_PASSPHRASE) or your recovery key "
        "(THERAPY_NOTES_RECOVERY_KEY)."
    )


def connect(path: Path, key: DatabaseKey | None, where: DatabaseLocation) -> Any:
    """A DB-API connection to `path`, keyed (or plain when `key` is None) and checked.

    The connection is in autocommit mode (`isolation_level=None`): callers issue BEGIN
    themselves, and may use it from another thread (the engine's pool does).

    Raises:
        UnlockError: `key` does not open the existing file.
        StorageError: the file cannot be opened or read.
    """
    try:
        connection = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlcipher.Error as exc:
        raise translate(exc, where) from exc
    try:
        # SQLCipher would print a wrong key's HMAC failures on stderr; the message says it.
        connection.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            connection.execute("PRAGMA key = " + quoted(key_literal(key)))
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        connection.close()
        if key is not None and "not a database" in str(exc):
            logger.warning("database key rejected")
            raise UnlockError(wrong_key_message(where)) from exc
        raise translate(exc, where) from exc
    return connection


# --- checking a database when it opens ------------------------------------------------

SALT_BYTES = 16
SALT_SUFFIX = ".salt"
"""Beside the database: its SQLCipher salt (not secret: it is the file's first 16 bytes),
kept so that a header overwritten by garbage is told apart from a wrong key."""

DamageReport = Callable[[Path, str], str]
"""Builds the message for a damaged database from its path and what is wrong with it."""


def check_database(
    path: Path, key: DatabaseKey | None, where: DatabaseLocation, damaged: DamageReport
) -> None:
    """Refuse an empty or damaged database before anything writes to it; reads only.

    An empty file is never taken for a new database (it would replace lost sessions with
    an empty one). `PRAGMA quick_check` then reads every b-tree page; on an encrypted file
    each of those reads checks the page's HMAC, so a damaged page shows up here. When the
    first page does not decrypt, `PRAGMA cipher_integrity_check` tells a wrong key (no page
    verifies) from a damaged header (the other pages verify, with the file's salt or the
    salt saved at the last good open).

    Raises:
        DatabaseDamagedError: the file is empty or damaged (`damaged` words the message).
        UnlockError: `key` is not this database's key.
        StorageError: the file cannot be read.
    """
    if not path.exists():
        return
    if path.stat().st_size == 0:
        logger.warning("database file is empty")
        raise DatabaseDamagedError(damaged(path, "the file is empty (0 bytes)"))
    try:
        connection = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlcipher.Error as exc:
        raise translate(exc, where) from exc
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            connection.execute("PRAGMA key = " + quoted(key_literal(key)))
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError as exc:
            if key is None or "not a database" not in str(exc):
                logger.warning("database damaged: first page unreadable")
                raise DatabaseDamagedError(damaged(path, "its first page cannot be read")) from exc
            if not _pages_verify(path, key):
                logger.warning("database key rejected")
                raise UnlockError(wrong_key_message(where)) from exc
            logger.warning("database damaged: header does not decrypt, other pages do")
            raise DatabaseDamagedError(damaged(path, "its header is damaged")) from exc
        problems = _quick_check(connection)
        if problems:
            logger.warning("database damaged: quick_check found %d problems", len(problems))
            raise DatabaseDamagedError(damaged(path, "some of its pages are damaged"))
    except sqlcipher.Error as exc:
        raise DatabaseDamagedError(damaged(path, "it cannot be read as a database")) from exc
    finally:
        connection.close()
    if key is not None:
        remember_salt(path)


def _quick_check(connection: Any) -> list[str]:
    try:
        rows = [str(r[0]) for r in connection.execute("PRAGMA quick_check").fetchall()]
    except sqlcipher.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def _pages_verify(path: Path, key: DatabaseKey) -> bool:
    """True when some pages of `path` pass their HMAC under `key` (so the key is right)."""
    pages = max(1, path.stat().st_size // 4096)
    saved = sibling(path, SALT_SUFFIX)
    salts: list[str | None] = [None]
    if saved.is_file():
        salts.append(saved.read_bytes()[:SALT_BYTES].hex())
    for salt in salts:
        literal = key_literal(key) if salt is None else f"x'{key.raw.hex()}{salt}'"
        connection = sqlcipher.connect(str(path), isolation_level=None)
        try:
            connection.execute("PRAGMA cipher_log_level = NONE")
            connection.execute("PRAGMA key = " + quoted(literal))
            failures = len(connection.execute("PRAGMA cipher_integrity_check").fetchall())
        except sqlcipher.Error:
            failures = pages
        finally:
            connection.close()
        if failures < pages:
            return True
    return False


def remember_salt(path: Path) -> None:
    """Keep the salt of a database that just opened and checked clean."""
    with path.open("rb") as file:
        salt = file.read(SALT_BYTES)
    saved = sibling(path, SALT_SUFFIX)
    try:
        if not saved.is_file() or saved.read_bytes() != salt:
            write_private_file(saved, salt)
    except OSError as exc:
        logger.info("database salt not saved (%s)", type(exc).__name__)
