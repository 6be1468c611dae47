"""Real SQLite and OS failures become StorageErrors that say what to do."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from therapy_notes.errors import StorageError
from therapy_notes.storage.errors import DatabaseLocation, storage_errors, translate


@pytest.fixture
def where(tmp_path: Path) -> DatabaseLocation:
    return DatabaseLocation(tmp_path / "therapy_notes.db")


def _raised(path: Path, uri_mode: str, sql: str) -> sqlite3.Error:
    conn = sqlite3.connect(f"file:{path}?mode={uri_mode}", uri=True)
    try:
        conn.execute(sql)
        conn.commit()
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("expected SQLite to fail")


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_READONLY \(OperationalError\)$",
)
def test_read_only_database(where: DatabaseLocation) -> None:
    assert where.path is not None
    sqlite3.connect(where.path).close()
    exc = _raised(where.path, "ro", "CREATE TABLE t (x)")
    message = str(translate(exc, where))
    assert "is read-only or cannot be opened" in message
    assert where.folder in message


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_NOTADB \(DatabaseError\)$",
)
def test_not_a_database(where: DatabaseLocation) -> None:
    assert where.path is not None
    where.path.write_bytes(os.urandom(4096))
    exc = _raised(where.path, "rw", "SELECT * FROM sqlite_master")
    message = str(translate(exc, where))
    assert message.startswith(f"{where.path} is not a Therapy Notes database or is damaged")


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_FULL \(OperationalError\)$",
)
def test_full_database(where: DatabaseLocation) -> None:
    assert where.path is not None
    conn = sqlite3.connect(where.path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA max_page_count={conn.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.Error) as info:
        conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    conn.close()
    message = str(translate(info.value, where))
    assert message == (
        f"The disk holding {where.folder} is full. Free some space on it, then try again. "
        "Everything saved before this point is safe."
    )


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_(FULL|READONLY|IOERR) \((OS|Permission)Error\)$",
)
def test_os_errors_map_by_errno(where: DatabaseLocation) -> None:
    full = translate(OSError(errno.ENOSPC, "No space left on device"), where)
    denied = translate(PermissionError(errno.EACCES, "Permission denied"), where)
    broken = translate(OSError(errno.EIO, "Input/output error"), where)
    assert "is full" in str(full)
    assert "read-only" in str(denied)
    assert "disk I/O error" in str(broken)


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database failure SQLITE_FULL \(OSError\)$"
)
def test_server_databases_are_described_without_a_path() -> None:
    message = str(translate(OSError(errno.ENOSPC, "full"), DatabaseLocation(None)))
    assert "The disk holding the database server is full" in message


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_ERROR \(OperationalError\)$",
)
def test_context_manager_translates_operational_errors_but_not_bugs(
    where: DatabaseLocation,
) -> None:
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(StorageError), storage_errors(where):
                conn.execute(text("SELECT * FROM missing_table"))
            with pytest.raises(IntegrityError), storage_errors(where):
                conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()
