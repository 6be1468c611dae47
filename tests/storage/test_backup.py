"""Backup and restore with real encrypted files: identical rows, nothing written on failure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.storage.test_encryption import SECRET_PHRASES, all_bytes, digests_of, fill
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError, UnlockError
from therapy_notes.storage.backup import backup_database, opens_with, restore_database
from therapy_notes.storage.database import open_database
from therapy_notes.storage.encryption import FileState, file_state

pytestmark = pytest.mark.sqlite_only  # the SQLCipher file itself


class StoppedError(Exception):
    """Stands in for a crash between steps."""


def _stop_at(step: str) -> Callable[[str], None]:
    def hook(name: str) -> None:
        if name == step:
            raise StoppedError(name)

    return hook


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
def test_backup_then_restore_into_an_empty_folder_is_identical(tmp_path: Path) -> None:
    db_path, key = tmp_path / "clinic" / "therapy_notes.db", DatabaseKey.generate()
    fill(db_path, key)
    db = open_database(db_path, key)  # still open and in WAL mode: a live backup
    try:
        backup = tmp_path / "usb" / "monday.tnbackup"
        report = backup_database(db_path, key, backup)
    finally:
        db.close()
    assert report.rows > 60
    assert file_state(backup) is FileState.ENCRYPTED
    assert not any(p.encode() in backup.read_bytes() for p in SECRET_PHRASES)
    assert opens_with(backup, key)
    assert not opens_with(backup, DatabaseKey.generate())

    new_key = DatabaseKey.generate()
    restored = tmp_path / "new" / "therapy_notes.db"
    assert restore_database(backup, key, restored, new_key) == report
    assert digests_of(restored, new_key) == digests_of(db_path, key)
    assert not any(p.encode() in all_bytes(restored) for p in SECRET_PHRASES)
    db = open_database(restored, new_key)
    try:
        with db.uow_factory() as uow:
            assert [p.name for p in uow.patients.list()] == [SECRET_PHRASES[0]]
    finally:
        db.close()


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
def test_failed_backup_leaves_the_previous_backup(tmp_path: Path) -> None:
    db_path, key = tmp_path / "therapy_notes.db", DatabaseKey.generate()
    fill(db_path, key, sessions=1)
    backup = tmp_path / "backup.tnbackup"
    backup.write_bytes(b"last week's backup")
    for step in ("exported", "verified"):
        with pytest.raises(StoppedError):
            backup_database(db_path, key, backup, on_step=_stop_at(step))
        assert backup.read_bytes() == b"last week's backup"
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "backup.tnbackup",
            "therapy_notes.db",
            "therapy_notes.db.salt",
        ]
    with pytest.raises(UnlockError):
        backup_database(db_path, DatabaseKey.generate(), backup)
    assert backup.read_bytes() == b"last week's backup"


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
def test_restore_refuses_a_wrong_key_and_an_existing_database(tmp_path: Path) -> None:
    db_path, key = tmp_path / "a" / "therapy_notes.db", DatabaseKey.generate()
    fill(db_path, key, sessions=1)
    backup = tmp_path / "b.tnbackup"
    backup_database(db_path, key, backup)
    target = tmp_path / "c" / "therapy_notes.db"
    with pytest.raises(UnlockError, match="does not open"):
        restore_database(backup, DatabaseKey.generate(), target, key)
    assert not target.exists()
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    with pytest.raises(StorageError, match="already exists"):
        restore_database(backup, key, db_path, key)
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    with pytest.raises(StoppedError):
        restore_database(backup, key, target, key, on_step=_stop_at("verified"))
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # the half-made copy is gone
