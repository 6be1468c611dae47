"""The key file on disk: what is written reads back, damage is reported and nothing lost.

Real files in `tmp_path`. A key file that cannot be used must be reported as damaged
(so the recovery key is asked for) and left exactly as it was, never half-read or
replaced; a written one is readable by its owner only, from its first byte.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from therapy_notes.domain.key_record import (
    KEY_FILE_NAME,
    KeyFileDamagedError,
    KeyMode,
    KeyRecord,
    key_check,
)
from therapy_notes.domain.key_wrap import WrongPassphraseError, unwrap_key, wrap_key
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV
from therapy_notes.file_modes import HAS_POSIX_MODES
from therapy_notes.storage.encryption import SQLITE_HEADER
from therapy_notes.storage.key_file import SETUP_LOCK_NAME, KeyFile

FAST_N = 2**10
posix_only = pytest.mark.skipif(not HAS_POSIX_MODES, reason="POSIX file modes")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def key_file(tmp_path: Path) -> KeyFile:
    return KeyFile(tmp_path / "data" / "therapy_notes.db")


def passphrase_record(key: DatabaseKey, passphrase: str = "clinic passphrase 1") -> KeyRecord:
    return KeyRecord(KeyMode.PASSPHRASE, key_check(key), wrap_key(key, passphrase, n=FAST_N))


def test_both_modes_read_back_as_written(key_file: KeyFile) -> None:
    assert key_file.read() is None
    assert not key_file.exists()
    key = DatabaseKey.generate()
    keyring_mode = KeyRecord(KeyMode.KEYRING, key_check(key))
    key_file.write(keyring_mode)
    assert key_file.path.name == KEY_FILE_NAME
    assert key_file.exists()
    assert key_file.read() == keyring_mode
    wrapped = passphrase_record(key)
    key_file.write(wrapped)  # replaces the keyring-mode file
    again = key_file.read()
    assert again is not None
    assert again.mode is KeyMode.PASSPHRASE
    assert again.check == wrapped.check
    assert again.wrap is not None
    assert unwrap_key(again.wrap, "clinic passphrase 1") == key
    assert key.raw.hex() not in key_file.path.read_text()
    assert sorted(p.name for p in key_file.path.parent.iterdir()) == [KEY_FILE_NAME]


def test_a_wrong_passphrase_is_refused_clearly_and_the_file_is_untouched(
    key_file: KeyFile,
) -> None:
    key_file.write(passphrase_record(DatabaseKey.generate()))
    before = key_file.path.read_bytes()
    record = key_file.read()
    assert record is not None
    assert record.wrap is not None
    with pytest.raises(WrongPassphraseError, match="passphrase is wrong") as caught:
        unwrap_key(record.wrap, "clinic passphrase 2")
    assert "not opened or changed" in str(caught.value)
    assert key_file.path.read_bytes() == before


@posix_only
def test_the_key_file_and_its_folder_are_private(key_file: KeyFile) -> None:
    old_umask = os.umask(0)  # whatever the umask allows, the modes are explicit
    try:
        key_file.write(KeyRecord(KeyMode.KEYRING, key_check(DatabaseKey.generate())))
    finally:
        os.umask(old_umask)
    assert mode_of(key_file.path) == 0o600
    assert mode_of(key_file.path.parent) == 0o700


@posix_only
def test_a_partial_file_left_by_a_crash_does_not_pass_its_mode_on(key_file: KeyFile) -> None:
    key_file.path.parent.mkdir(mode=0o700)
    partial = key_file.path.with_name(KEY_FILE_NAME + ".partial")
    partial.write_text("half a key file from before the crash")
    partial.chmod(0o644)
    key_file.write(KeyRecord(KeyMode.KEYRING, key_check(DatabaseKey.generate())))
    assert mode_of(key_file.path) == 0o600
    assert not partial.exists()
    assert key_file.read() is not None


def _valid(key_file: KeyFile) -> dict[str, object]:
    key_file.write(passphrase_record(DatabaseKey.generate()))
    data: dict[str, object] = json.loads(key_file.path.read_text())
    return data


DAMAGE: dict[str, Callable[[dict[str, object]], bytes]] = {
    "truncated": lambda d: json.dumps(d).encode()[:40],
    "garbage": lambda _d: bytes(range(256)),
    "not-an-object": lambda d: json.dumps([d]).encode(),
    "another-format": lambda d: json.dumps({**d, "format": 99}).encode(),
    "unknown-mode": lambda d: json.dumps({**d, "mode": "cloud"}).encode(),
    "check-not-hex": lambda d: json.dumps({**d, "check": "z" * 64}).encode(),
    "short-check": lambda d: json.dumps({**d, "check": "ab"}).encode(),
    "passphrase-without-wrap": lambda d: json.dumps({**d, "wrap": None}).encode(),
    "wrap-not-an-object": lambda d: json.dumps({**d, "wrap": "abc"}).encode(),
    "empty": lambda _d: b"",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_key_file_is_reported_and_kept(
    damage: Callable[[dict[str, object]], bytes], key_file: KeyFile
) -> None:
    key_file.path.write_bytes(damage(_valid(key_file)))
    before = key_file.path.read_bytes()
    with pytest.raises(KeyFileDamagedError) as caught:
        key_file.read()
    message = str(caught.value)
    assert KEY_FILE_NAME in message
    assert RECOVERY_KEY_ENV in message  # what to do about it
    assert "nothing was changed" in message
    assert key_file.path.read_bytes() == before  # the damaged file is still there, as it was
    assert key_file.exists()


def test_a_key_file_from_another_version_says_so(key_file: KeyFile) -> None:
    key_file.path.write_text(json.dumps({**_valid(key_file), "format": 2}))
    with pytest.raises(KeyFileDamagedError, match="another version of Therapy Notes"):
        key_file.read()


@pytest.mark.parametrize(
    ("content", "is_encrypted"),
    [
        pytest.param(None, False, id="missing"),
        pytest.param(b"", False, id="empty"),
        pytest.param(SQLITE_HEADER + b"\x00" * 100, False, id="plain-sqlite"),
        pytest.param(b"\x8f" * 4096, True, id="encrypted"),
    ],
)
def test_an_encrypted_database_is_told_from_a_plain_or_missing_one(
    content: bytes | None, is_encrypted: bool, key_file: KeyFile, tmp_path: Path
) -> None:
    db_path = tmp_path / "data" / "therapy_notes.db"
    if content is not None:
        db_path.parent.mkdir()
        db_path.write_bytes(content)
    assert key_file.has_encrypted_database() is is_encrypted


def test_the_setup_lock_makes_a_second_start_wait(key_file: KeyFile) -> None:
    entered, second_has_it = threading.Event(), threading.Event()

    def second_start() -> None:
        entered.set()
        with KeyFile(key_file.path.with_name("therapy_notes.db")).setup_lock():
            second_has_it.set()

    with key_file.setup_lock():
        waiter = threading.Thread(target=second_start)
        waiter.start()
        assert entered.wait(5)
        assert not second_has_it.wait(0.3)  # blocked while the first holds the lock
    assert second_has_it.wait(5)  # and let in as soon as it is released
    waiter.join(5)
    lock = key_file.path.with_name(SETUP_LOCK_NAME)
    assert lock.exists()  # kept (empty), so every start locks the same file
    assert lock.read_bytes() == b""
    if HAS_POSIX_MODES:
        assert mode_of(lock) == 0o600


def test_remove_forgets_the_key_file_and_tolerates_none(key_file: KeyFile) -> None:
    key_file.write(KeyRecord(KeyMode.KEYRING, key_check(DatabaseKey.generate())))
    key_file.remove()
    assert not key_file.exists()
    key_file.remove()
    assert key_file.read() is None
