"""SQLCipher: keyed connections, plain versus encrypted files, and encrypting a plain file.

Every connection applies the key before anything else reads the file and proves it with a
read, so a wrong key fails before SQLite writes anything (no WAL switch, no schema).

A database from a version without encryption is encrypted in place in steps that each
leave a complete database behind: export to an encrypted sibling, verify the sibling
(integrity check, every table's row count and content digest), then swap it in with one
atomic rename. Killed at any point, the plain original is still whole until the rename,
and a rerun starts the export again from it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import DatabaseDamagedError, StorageError, UnlockError
from therapy_notes.file_modes import create_private_file, write_private_file
from therapy_notes.storage.errors import DatabaseLocation, message_for, translate

logger = logging.getLogger(__name__)

dbapi = sqlcipher
"""The DB-API module the engine and every raw connection use (SQLite with SQLCipher)."""

SQLITE_HEADER = b"SQLite format 3\x00"
ENCRYPTING_SUFFIX = ".encrypting"
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")

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
            connection.execute("PRAGMA key = " + _quote(key_literal(key)))
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
            connection.execute("PRAGMA key = " + _quote(key_literal(key)))
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
            connection.execute("PRAGMA key = " + _quote(literal))
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


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _ident(name: str) -> str:
    return _quote(name)


# --- comparing databases -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableDigest:
    """Row count and SHA-256 of every row of one table, in a fixed order."""

    rows: int
    sha256: str


def table_digests(connection: Any, schema: str = "main") -> dict[str, TableDigest]:
    """Every stored table's digest, plus the schema's, for comparing two databases.

    FTS5 virtual tables are left out because their shadow tables (`*_data`, `*_content`)
    hold the index and are compared like any table.
    """
    master = f"{_ident(schema)}.sqlite_master"
    rows = connection.execute(
        f"SELECT type, name, tbl_name, sql FROM {master} ORDER BY type, name"  # noqa: S608
    ).fetchall()
    digests = {"(schema)": _digest(iter(rows), len(rows))}
    for kind, name, _table, sql in rows:
        is_internal = name.startswith("sqlite_") and name != "sqlite_sequence"
        if kind != "table" or is_internal or str(sql or "").upper().startswith("CREATE VIRTUAL"):
            continue
        width = len(
            connection.execute(f"PRAGMA {_ident(schema)}.table_info({_ident(name)})").fetchall()
        )
        order = ", ".join(str(i) for i in range(1, width + 1))
        count = connection.execute(
            f"SELECT count(*) FROM {_ident(schema)}.{_ident(name)}"  # noqa: S608
        ).fetchone()[0]
        cursor = connection.execute(
            f"SELECT * FROM {_ident(schema)}.{_ident(name)} ORDER BY {order}"  # noqa: S608
        )
        digests[name] = _digest(cursor, int(count))
    return digests


def _digest(rows: Any, count: int) -> TableDigest:
    sha = hashlib.sha256()
    for row in rows:
        encoded = repr(tuple(row)).encode("utf-8", "surrogatepass")
        sha.update(len(encoded).to_bytes(8, "big"))
        sha.update(encoded)
    return TableDigest(count, sha.hexdigest())


def export_to(
    source: Any, target: Path, key: DatabaseKey, where: DatabaseLocation
) -> dict[str, TableDigest]:
    """Copy `source` (an open connection) into a new file encrypted with `key`.

    The copy and the returned digests come from one read transaction, so a database that
    another window writes to meanwhile is copied as one consistent snapshot.
    """
    remove_with_sidecars(target)
    try:
        create_private_file(target)  # 0600 from the start; SQLite keeps its mode
    except OSError as exc:
        raise translate(exc, where) from exc
    try:
        source.execute("ATTACH DATABASE ? AS export KEY ?", (str(target), key_literal(key)))
        try:
            source.execute("BEGIN")
            try:
                digests = table_digests(source)
                source.execute("SELECT sqlcipher_export('export')").fetchone()
                version = int(source.execute("PRAGMA main.user_version").fetchone()[0])
                source.execute(f"PRAGMA export.user_version = {version}")
            except BaseException:
                source.execute("ROLLBACK")
                raise
            source.execute("COMMIT")
        finally:
            source.execute("DETACH DATABASE export")
    except sqlcipher.Error as exc:
        raise translate(exc, where) from exc
    _fsync(target)
    return digests


def verify(
    path: Path, key: DatabaseKey, expected: dict[str, TableDigest], where: DatabaseLocation
) -> None:
    """Check `path` opens with `key`, passes `integrity_check` and holds exactly `expected`.

    Raises:
        StorageError: the copy differs or is damaged (the caller keeps the original).
    """
    connection = connect(path, key, where)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchall()
        actual = table_digests(connection)
    except sqlcipher.Error as exc:
        raise translate(exc, where) from exc
    finally:
        connection.close()
    if check != [("ok",)]:
        logger.warning("copy failed its integrity check (%d problems)", len(check))
        raise StorageError(
            f"The copy of {where.file} is damaged, so it was not used; the original is "
            "unchanged. Check the disk, then try again."
        )
    if actual != expected:
        differing = sorted(
            n for n in expected.keys() | actual.keys() if expected.get(n) != actual.get(n)
        )
        logger.warning("copy differs from its source in %d tables", len(differing))
        raise StorageError(
            f"The copy of {where.file} does not match the original, so it was not used; the "
            "original is unchanged. Try again."
        )


# --- files -------------------------------------------------------------------------------


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_with_sidecars(path: Path) -> None:
    """Delete a database file with its -wal, -shm and -journal files, if present."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDECAR_SUFFIXES)):
        candidate.unlink(missing_ok=True)


def sibling(path: Path, suffix: str) -> Path:
    """A file beside `path` for work in progress (same folder, so a rename is atomic)."""
    return path.with_name(path.name + suffix)


# --- encrypting a plain database in place ------------------------------------------------


def encrypt_in_place(path: Path, key: DatabaseKey, *, on_step: StepHook | None = None) -> bool:
    """Encrypt the plain database at `path` with `key`; True when there was one to encrypt.

    Steps (`on_step` is called after each): "checkpointed" (the WAL folded into the file),
    "exported" (the encrypted sibling written), "verified", "sidecars_removed" (the empty
    plain WAL files gone, so none can be replayed onto the new file), "replaced" (the
    atomic rename). The plain file is replaced only by a verified copy.

    Raises:
        StorageError: the file is not a Therapy Notes database, is busy, or the copy failed
            its checks; the plain original is then left as it was.
    """
    where = DatabaseLocation(path)
    work = sibling(path, ENCRYPTING_SUFFIX)
    state = file_state(path)
    if state is FileState.ENCRYPTED:
        remove_with_sidecars(work)  # left by a run killed after its swap was prepared
        return False
    if state is FileState.MISSING:
        return False
    logger.info("encrypting a plain database")
    step = on_step or (lambda _name: None)
    source = connect(path, None, where)
    try:
        _require_ours(source, where)
        try:
            source.execute("PRAGMA locking_mode = EXCLUSIVE")  # no other writer until closed
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlcipher.Error as exc:
            raise translate(exc, where) from exc
        step("checkpointed")
        expected = export_to(source, work, key, where)
        step("exported")
    finally:
        source.close()
    verify(work, key, expected, where)
    step("verified")
    _drop_plain_sidecars(path, where)
    step("sidecars_removed")
    os.replace(work, path)
    fsync_folder(path.parent)
    step("replaced")
    logger.info("database encrypted (%d tables)", len(expected) - 1)
    return True


def _require_ours(connection: Any, where: DatabaseLocation) -> None:
    try:
        tables = {
            str(n)
            for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except sqlcipher.Error as exc:
        raise translate(exc, where) from exc
    if tables and "alembic_version" not in tables:
        raise StorageError(message_for("SQLITE_NOTADB", where))


def _drop_plain_sidecars(path: Path, where: DatabaseLocation) -> None:
    """Remove the plain file's WAL files, which must be empty after the checkpoint."""
    wal = sibling(path, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        logger.warning("plain database still has a write-ahead log after closing")
        raise StorageError(message_for("SQLITE_BUSY", where))
    for suffix in SIDECAR_SUFFIXES:
        sibling(path, suffix).unlink(missing_ok=True)
