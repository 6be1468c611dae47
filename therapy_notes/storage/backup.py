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

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError, UnlockError
from therapy_notes.file_modes import make_private_folder
from therapy_notes.storage.encryption import (
    FileState,
    StepHook,
    TableDigest,
    connect,
    export_to,
    file_state,
    fsync_folder,
    remove_with_sidecars,
    sibling,
    verify,
)
from therapy_notes.storage.errors import DatabaseLocation, message_for, storage_errors

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
RESTORING_SUFFIX = ".restoring"


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a backup or restore copied: tables and rows (the schema not counted)."""

    tables: int
    rows: int

    @classmethod
    def of(cls, digests: dict[str, TableDigest]) -> CopyReport:
        tables = {k: v for k, v in digests.items() if k != "(schema)"}
        return cls(len(tables), sum(d.rows for d in tables.values()))


def backup_database(db_path: Path, key: DatabaseKey, target: Path, *,
                    on_step: StepHook | None = None) -> CopyReport:
    """Write an encrypted, verified copy of the database at `db_path` to `target`.

    Raises:
        UnlockError: `key` does not open the database.
        StorageError: the database is missing or damaged, or `target` cannot be written;
            an existing file at `target` is then left as it was.
    """
    where, out = DatabaseLocation(db_path), DatabaseLocation(target)
    if file_state(db_path) is FileState.MISSING:
        raise StorageError(f"There is no database at {db_path} to back up.")
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
    logger.info("backup written (%d tables, %d rows)", report.tables, report.rows)
    return report


def restore_database(backup: Path, backup_key: DatabaseKey, db_path: Path, key: DatabaseKey,
                     *, on_step: StepHook | None = None) -> CopyReport:
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
            "Move that file away first, or restore into an empty data folder.")
    if not backup.is_file():
        raise StorageError(f"There is no backup file at {backup}.")
    with storage_errors(where):
        make_private_folder(db_path.parent)
    work = sibling(db_path, RESTORING_SUFFIX)
    source = connect(backup, backup_key, source_where)
    try:
        _require_intact(source, source_where)
        tables = {str(n) for (n,) in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
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
            raise StorageError(f"A database appeared at {db_path} during the restore; it "
                               "was left untouched. Restore into an empty data folder.")
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
    check = connection.execute("PRAGMA integrity_check").fetchall()
    if check != [("ok",)]:
        logger.warning("integrity check failed (%d problems)", len(check))
        raise StorageError(message_for("SQLITE_CORRUPT", where))
