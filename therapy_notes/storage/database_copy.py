"""Copying a database into a new encrypted file, and proving the copy holds the same data.

Both the in-place encryption and the backup copy with `sqlcipher_export` from one read
transaction, then open the copy and compare every table's row count and content digest
before anything is replaced: a copy that differs is never used.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError
from therapy_notes.file_modes import create_private_file
from therapy_notes.storage.database_files import fsync_file, remove_with_sidecars
from therapy_notes.storage.encryption import connect, key_literal, quoted
from therapy_notes.storage.errors import DatabaseLocation, translate

logger = logging.getLogger(__name__)


def _ident(name: str) -> str:
    return quoted(name)


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
    fsync_file(target)
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
