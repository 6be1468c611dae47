"""Backups: the whole database, encrypted, in one file the user picks; and restoring one.

A backup is an SQLCipher database encrypted with the database key, so the recovery key
printed at setup opens it on any computer, and no second secret has to be kept. It is
written beside its destination, verified (integrity check, every table's rows and content
digest) and only then renamed into place, so a failed backup never replaces a good one.
A backup may be taken while the app records: it copies one consistent snapshot.

A restore copies a backup into a data folder that has no database yet, re-encrypted with
that folder's key, verified the same way before it is renamed into place.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError, UnlockError
from therapy_notes.file_modes import make_private_folder, write_private_file
from therapy_notes.storage.database_copy import TableDigest, export_to, verify
from therapy_notes.storage.database_files import fsync_folder, remove_with_sidecars, sibling
from therapy_notes.storage.encryption import (
    FileState,
    StepHook,
    check_database,
    connect,
    dbapi,
    file_state,
)
from therapy_notes.storage.errors import DatabaseLocation, message_for, storage_errors

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
RESTORING_SUFFIX = ".restoring"
LAST_BACKUP_SUFFIX = ".last-backup.json"
"""Beside the database: where its last verified backup was written, and when."""


@dataclass(frozen=True, slots=True)
class BackupRecord:
    """The last backup of a database that was written and verified."""

    path: Path
    written_at: datetime
    rows: int


def last_good_backup(db_path: Path) -> BackupRecord | None:
    """The last verified backup of the database at `db_path`, if one was recorded."""
    try:
        data = json.loads(sibling(db_path, LAST_BACKUP_SUFFIX).read_text(encoding="utf-8"))
        return BackupRecord(
            Path(data["path"]), datetime.fromisoformat(data["written_at"]), int(data["rows"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record_backup(db_path: Path, target: Path, report: CopyReport) -> None:
    record = {
        "path": str(target.resolve()),
        "written_at": datetime.now(UTC).isoformat(),
        "rows": report.rows,
    }
    try:
        write_private_file(
            sibling(db_path, LAST_BACKUP_SUFFIX), (json.dumps(record) + "\n").encode("utf-8")
        )
    except OSError as exc:
        logger.warning("backup written but not recorded (%s)", type(exc).__name__)


def damaged_message(db_path: Path) -> Callable[[Path, str], str]:
    """What to tell the user about a damaged database, naming its last good backup."""

    def message(path: Path, what: str) -> str:
        record = last_good_backup(db_path)
        if record is not None and record.path.is_file():
            restore = (
                f"The last good backup is {record.path} (made "
                f"{record.written_at:%Y-%m-%d %H:%M} UTC, {record.rows} rows): move the "
                f"damaged file out of {path.parent}, then run "
                f"'therapy-notes restore {record.path}'."
            )
        elif record is not None:
            restore = (
                f"The last backup recorded, {record.path}, is no longer there: move "
                f"the damaged file out of {path.parent} and restore another backup "
                "with 'therapy-notes restore FILE'."
            )
        else:
            restore = (
                f"No backup of it is recorded here: move the damaged file out of "
                f"{path.parent} and restore a backup you have with "
                "'therapy-notes restore FILE'."
            )
        return (
            f"The database {path} is damaged ({what}), so it was not opened and nothing "
            f"was written to it. {restore} Keep the damaged file: it may still be "
            "recoverable."
        )

    return message


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a backup or restore copied: tables and rows (the schema not counted)."""

    tables: int
    rows: int

    @classmethod
    def of(cls, digests: dict[str, TableDigest]) -> CopyReport:
        tables = {k: v for k, v in digests.items() if k != "(schema)"}
        return cls(len(tables), sum(d.rows for d in tables.values()))


def backup_database(
    db_path: Path, key: DatabaseKey, target: Path, *, on_step: StepHook | None = None
) -> CopyReport:
    """Write an encrypted, verified copy of the database at `db_path` to `target`.

    Raises:
        UnlockError: `key` does not open the database.
        StorageError: the database is missing or damaged, or `target` cannot be written;
            an existing file at `target` is then left as it was.
    """
    where, out = DatabaseLocation(db_path), DatabaseLocation(target)
    if not db_path.is_file():
        raise StorageError(f"There is no database at {db_path} to back up.")
    # A damaged (or empty) database is never copied over a good backup.
    check_database(db_path, key, where, damaged_message(db_path))
    with storage_errors(out):
        if not target.parent.exists():  # a folder the user already has keeps its mode
            make_private_folder(target.parent)
    partial = sibling(target, PARTIAL_SUFFIX)
    source = connect(db_path, key, where)
    try:
        _require_intact(source, where)
        expected = export_to(source, partial, key, out)
    finally:
        source.close()
    step = on_step or (lambda _name: None)
    try:
        step("exported")
        verify(partial, key, expected, out)
        step("verified")
        with storage_errors(out):
            os.replace(partial, target)
    finally:
        remove_with_sidecars(partial)
    fsync_folder(target.parent)
    report = CopyReport.of(expected)
    _record_backup(db_path, target, report)
    logger.info("backup written (%d tables, %d rows)", report.tables, report.rows)
    return report


def restore_database(
    backup: Path,
    backup_key: DatabaseKey,
    db_path: Path,
    key: DatabaseKey,
    *,
    on_step: StepHook | None = None,
) -> CopyReport:
    """Copy the backup at `backup` (opened with `backup_key`) to a new `db_path` under `key`.

    Raises:
        UnlockError: `backup_key` does not open the backup.
        StorageError: a database already exists at `db_path` (it is left untouched), or the
            backup is damaged or not a Therapy Notes backup.
    """
    where, source_where = DatabaseLocation(db_path), DatabaseLocation(backup)
    if file_state(db_path) is not FileState.MISSING:
        raise StorageError(
            f"A database already exists at {db_path}, so the backup was not restored over it. "
            "Move that file away first, or restore into an empty data folder."
        )
    if not backup.is_file():
        raise StorageError(f"There is no backup file at {backup}.")
    with storage_errors(where):
        make_private_folder(db_path.parent)
    work = sibling(db_path, RESTORING_SUFFIX)
    source = connect(backup, backup_key, source_where)
    try:
        _require_intact(source, source_where)
        tables = {
            str(n) for (n,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in tables:
            raise StorageError(message_for("SQLITE_NOTADB", source_where))
        expected = export_to(source, work, key, where)
    finally:
        source.close()
    step = on_step or (lambda _name: None)
    try:
        step("exported")
        verify(work, key, expected, where)
        step("verified")
        if file_state(db_path) is not FileState.MISSING:  # made meanwhile: keep it
            raise StorageError(
                f"A database appeared at {db_path} during the restore; it "
                "was left untouched. Restore into an empty data folder."
            )
        remove_with_sidecars(db_path)  # an empty file and stray sidecars of no database
        with storage_errors(where):
            os.replace(work, db_path)
    finally:
        remove_with_sidecars(work)
    fsync_folder(db_path.parent)
    report = CopyReport.of(expected)
    logger.info("backup restored (%d tables, %d rows)", report.tables, report.rows)
    return report


def opens_with(path: Path, key: DatabaseKey) -> bool:
    """True when `key` opens the (backup) file at `path`; reads only."""
    try:
        connect(path, key, DatabaseLocation(path)).close()
    except (UnlockError, StorageError):
        return False
    return True


def _require_intact(connection: Any, where: DatabaseLocation) -> None:
    try:
        check = connection.execute("PRAGMA integrity_check").fetchall()
    except dbapi.Error as exc:
        logger.warning("integrity check could not run (%s)", type(exc).__name__)
        raise StorageError(message_for("SQLITE_CORRUPT", where)) from exc
    if check != [("ok",)]:
        logger.warning("integrity check failed (%d problems)", len(check))
        raise StorageError(message_for("SQLITE_CORRUPT", where))
