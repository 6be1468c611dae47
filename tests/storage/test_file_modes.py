"""The data folder is 0700 and the app's files in it 0600, whatever the umask; old ones too."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.patients import Patient
from therapy_notes.file_modes import write_private_file
from therapy_notes.logging_setup import PrivateRotatingFileHandler
from therapy_notes.storage.backup import backup_database, restore_database
from therapy_notes.storage.database import open_database

KEY = DatabaseKey.generate()

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="Windows: the profile folder restricts access"),
    pytest.mark.sqlite_only,  # the data folder's files; a server keeps none on the desktop
]


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The common default umask (files 0644, folders 0755), so modes cannot come from it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write_a_patient(db_path: Path) -> None:
    db = open_database(db_path, KEY)
    try:
        with db.uow_factory() as uow:
            uow.patients.add(Patient("Dana Reyes"))
        # While open, the write-ahead log and shared memory exist: they are private too.
        sidecars = [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")]
        assert [mode(p) for p in sidecars if p.exists()] == [0o600] * len(
            [p for p in sidecars if p.exists()]
        )
        assert any(p.exists() for p in sidecars)
    finally:
        db.close()


def test_new_folder_and_database_files_are_private(tmp_path: Path) -> None:
    db_path = tmp_path / "new" / "data" / "therapy_notes.db"
    _write_a_patient(db_path)
    assert mode(db_path) == 0o600
    assert mode(db_path.parent) == 0o700
    assert mode(db_path.parent.parent) == 0o700  # a missing parent is made private too
    assert all(mode(p) == 0o600 for p in db_path.parent.iterdir())


def test_an_older_open_folder_is_tightened_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    db_path = folder / "therapy_notes.db"
    _write_a_patient(db_path)
    (folder / "therapy_notes.key").write_text("{}")
    (folder / "logs").mkdir()
    (folder / "logs" / "therapy_notes.log.1").write_text("old log\n")
    (folder / "their_own_notes.txt").write_text("the user's, not ours")
    for path in [folder, folder / "logs", *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    open_database(db_path, KEY).close()
    assert mode(folder) == 0o700
    assert mode(folder / "logs") == 0o700
    for name in ("therapy_notes.db", "therapy_notes.key", "logs/therapy_notes.log.1"):
        assert mode(folder / name) == 0o600, name
    assert mode(folder / "their_own_notes.txt") == 0o644  # not the app's to change


def test_backup_and_restore_files_are_private(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "therapy_notes.db"
    _write_a_patient(db_path)
    backup = tmp_path / "backups" / "monday.tnbackup"
    backup_database(db_path, KEY, backup)
    assert mode(backup) == 0o600
    assert mode(backup.parent) == 0o700
    restored = tmp_path / "elsewhere" / "therapy_notes.db"
    restore_database(backup, KEY, restored, KEY)
    assert mode(restored) == 0o600
    assert mode(restored.parent) == 0o700
    assert sorted(p.name for p in restored.parent.iterdir()) == ["therapy_notes.db"]


def test_every_rotated_log_file_is_private(tmp_path: Path) -> None:
    log = tmp_path / "therapy_notes.log"
    handler = PrivateRotatingFileHandler(log, maxBytes=200, backupCount=3, encoding="utf-8")
    logger = logging.getLogger("tests.rotation")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(40):
            logger.warning("session %d state recording, 60 bytes of nothing in particular", i)
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.propagate = True
    files = sorted(tmp_path.iterdir())
    assert len(files) == 4  # the current log and three rotated ones
    assert [mode(p) for p in files] == [0o600] * 4


def test_an_export_replaces_an_open_file_with_a_private_one(tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    target.write_text("old")
    target.chmod(0o644)
    (tmp_path / "note.md.partial").write_text("left by a crash")
    (tmp_path / "note.md.partial").chmod(0o666)
    write_private_file(target, b"# Note\n")
    assert target.read_bytes() == b"# Note\n"
    assert mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]
