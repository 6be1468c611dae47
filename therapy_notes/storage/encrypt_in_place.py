"""Encrypting a plain database (from a version without encryption) in place, crash-safely.

In steps that each leave a complete database behind: export to an encrypted sibling,
verify the sibling (integrity check, every table's row count and content digest), then
swap it in with one atomic rename. Killed at any point, the plain original is still whole
until the rename, and a rerun starts the export again from it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError
from therapy_notes.storage.database_copy import export_to, verify
from therapy_notes.storage.database_files import (
    SIDECAR_SUFFIXES,
    fsync_folder,
    remove_with_sidecars,
    sibling,
)
from therapy_notes.storage.encryption import FileState, StepHook, connect, file_state
from therapy_notes.storage.errors import DatabaseLocation, message_for, translate

logger = logging.getLogger(__name__)

ENCRYPTING_SUFFIX = ".encrypting"


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
