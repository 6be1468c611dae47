"""A damaged database is refused before anything writes to it, and told apart from a wrong key.

Real files: a database with sessions in it, then 4 KiB of random bytes in its middle, an
empty file, garbage over its header; encrypted (SQLCipher) and plain.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.patients import Patient
from therapy_notes.errors import DatabaseDamagedError, StorageError, UnlockError
from therapy_notes.storage.backup import backup_database, last_good_backup
from therapy_notes.storage.database import open_database

pytestmark = pytest.mark.sqlite_only  # the SQLCipher file itself

KEY = DatabaseKey.generate()


def _filled(db_path: Path, key: DatabaseKey | None = KEY, patients: int = 60) -> bytes:
    db = open_database(db_path, key)
    try:
        with db.uow_factory() as uow:
            for i in range(patients):
                uow.patients.add(Patient(f"Patient {i} " + "x" * 1500))
    finally:
        db.close()
    return db_path.read_bytes()


def _random_middle(db_path: Path) -> None:
    raw = bytearray(db_path.read_bytes())
    middle = len(raw) // 2 // 4096 * 4096
    raw[middle : middle + 4096] = os.urandom(4096)
    db_path.write_bytes(bytes(raw))


def _unchanged(db_path: Path, before: bytes) -> bool:
    return db_path.read_bytes() == before and not db_path.with_name(db_path.name + "-wal").exists()


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption",
    "WARNING",
    match=r"^database damaged: quick_check found \d+ problems$",
)
@pytest.mark.parametrize("key", [KEY, None], ids=["encrypted", "plain"])
def test_random_bytes_in_the_middle_are_refused_and_nothing_is_written(
    tmp_path: Path, key: DatabaseKey | None
) -> None:
    db_path = tmp_path / "therapy_notes.db"
    _filled(db_path, key)
    _random_middle(db_path)
    damaged = db_path.read_bytes()
    with pytest.raises(DatabaseDamagedError, match="is damaged") as info:
        open_database(db_path, key)
    assert str(db_path) in str(info.value)
    assert "nothing was written" in str(info.value)
    assert _unchanged(db_path, damaged)


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database file is empty$"
)
def test_an_empty_file_is_never_replaced_by_a_new_database(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    db_path.write_bytes(b"")
    with pytest.raises(DatabaseDamagedError, match=r"empty \(0 bytes\)"):
        open_database(db_path, KEY)
    assert db_path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["therapy_notes.db"]


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption",
    "WARNING",
    match=r"^database damaged: header does not decrypt, other pages do$",
)
@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
def test_garbage_over_the_header_is_damage_not_a_wrong_key(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    _filled(db_path)
    open_database(db_path, KEY).close()  # a good open remembers the salt
    raw = bytearray(db_path.read_bytes())
    raw[0:100] = os.urandom(100)  # the salt and the start of the first page
    db_path.write_bytes(bytes(raw))
    with pytest.raises(DatabaseDamagedError, match="header is damaged"):
        open_database(db_path, KEY)
    with pytest.raises(UnlockError, match="key does not open"):  # a wrong key is still that
        open_database(db_path, DatabaseKey.generate())


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption",
    "WARNING",
    match=r"^database damaged: header does not decrypt, other pages do$",
)
def test_garbage_after_the_salt_is_damage_even_without_the_saved_salt(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    _filled(db_path)
    db_path.with_name(db_path.name + ".salt").unlink()
    raw = bytearray(db_path.read_bytes())
    raw[16:200] = os.urandom(184)
    db_path.write_bytes(bytes(raw))
    with pytest.raises(DatabaseDamagedError, match="header is damaged"):
        open_database(db_path, KEY)


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
def test_a_wrong_key_on_a_sound_file_is_still_a_wrong_key(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    before = _filled(db_path)
    with pytest.raises(UnlockError, match="key does not open"):
        open_database(db_path, DatabaseKey.generate())
    assert db_path.read_bytes() == before


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption",
    "WARNING",
    match=r"^database damaged: quick_check found \d+ problems$",
)
def test_plain_header_with_damaged_pages_is_damage(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    _filled(db_path, None)
    _random_middle(db_path)
    assert db_path.read_bytes()[:16] == b"SQLite format 3\x00"
    with pytest.raises(DatabaseDamagedError):
        open_database(db_path, KEY)  # the app would encrypt it in place: not a damaged one
    assert db_path.read_bytes()[:16] == b"SQLite format 3\x00"


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption",
    "WARNING",
    match=r"^database damaged: quick_check found \d+ problems$",
)
def test_the_message_names_the_last_good_backup_and_a_damaged_backup_keeps_it(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "data" / "therapy_notes.db"
    _filled(db_path)
    backup = tmp_path / "backups" / "nightly.tnbackup"
    backup_database(db_path, KEY, backup)
    good_backup = backup.read_bytes()
    record = last_good_backup(db_path)
    assert record is not None
    assert record.path == backup.resolve()
    _random_middle(db_path)
    with pytest.raises(DatabaseDamagedError) as info:
        open_database(db_path, KEY)
    assert str(backup.resolve()) in str(info.value)
    assert "therapy-notes restore" in str(info.value)
    with pytest.raises(StorageError, match="is damaged"):  # the same nightly backup again
        backup_database(db_path, KEY, backup)
    assert backup.read_bytes() == good_backup
    assert last_good_backup(db_path) == record
    assert not (tmp_path / "backups" / "nightly.tnbackup.partial").exists()


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database file is empty$"
)
def test_an_empty_database_is_not_backed_up_over_a_good_backup(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "therapy_notes.db"
    _filled(db_path)
    backup = tmp_path / "nightly.tnbackup"
    backup_database(db_path, KEY, backup)
    good_backup = backup.read_bytes()
    db_path.write_bytes(b"")
    for sidecar in ("-wal", "-shm"):
        db_path.with_name(db_path.name + sidecar).unlink(missing_ok=True)
    with pytest.raises(DatabaseDamagedError, match="empty"):
        backup_database(db_path, KEY, backup)
    assert backup.read_bytes() == good_backup
