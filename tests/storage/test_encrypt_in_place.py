"""Encrypting a plain database in place: every row kept, whatever step the process dies at."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.storage.test_encryption import SECRET_PHRASES, all_bytes, digests_of, file_sha256, fill
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError
from therapy_notes.storage.database import open_database
from therapy_notes.storage.encrypt_in_place import ENCRYPTING_SUFFIX, encrypt_in_place
from therapy_notes.storage.encryption import FileState, connect, file_state
from therapy_notes.storage.errors import DatabaseLocation

pytestmark = pytest.mark.sqlite_only  # the SQLCipher file itself


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "therapy_notes.db"


@pytest.fixture
def key() -> DatabaseKey:
    return DatabaseKey.generate()


def test_plain_database_is_encrypted_on_open_with_every_row_kept(
    db_path: Path, key: DatabaseKey
) -> None:
    fill(db_path, None)
    assert file_state(db_path) is FileState.PLAINTEXT
    assert SECRET_PHRASES[1].encode() in all_bytes(db_path)
    plain = digests_of(db_path, None)

    open_database(db_path, key).close()

    assert file_state(db_path) is FileState.ENCRYPTED
    assert digests_of(db_path, key) == plain
    assert not any(p.encode() in all_bytes(db_path) for p in SECRET_PHRASES)
    # No plain WAL left behind; the salt is kept to tell a damaged header from a wrong key.
    assert sorted(os.listdir(db_path.parent)) == ["therapy_notes.db", "therapy_notes.db.salt"]
    assert encrypt_in_place(db_path, key) is False  # once is enough


STEPS = ("checkpointed", "exported", "verified", "sidecars_removed", "replaced")


class KilledError(Exception):
    """Stands in for the process dying at a step boundary."""


def _raise_at(step: str) -> Callable[[str], None]:
    def hook(name: str) -> None:
        if name == step:
            raise KilledError(step)

    return hook


@pytest.mark.parametrize("step", STEPS)
def test_migration_stopped_at_any_step_is_completed_by_a_rerun(
    db_path: Path, key: DatabaseKey, step: str
) -> None:
    fill(db_path, None, sessions=2)
    plain = digests_of(db_path, None)
    with pytest.raises(KilledError):
        encrypt_in_place(db_path, key, on_step=_raise_at(step))
    # whatever the step, one complete database is at the path
    state = file_state(db_path)
    assert state is (FileState.ENCRYPTED if step == "replaced" else FileState.PLAINTEXT)
    assert digests_of(db_path, key if state is FileState.ENCRYPTED else None) == plain

    db = open_database(db_path, key)  # the rerun
    db.close()
    assert file_state(db_path) is FileState.ENCRYPTED
    assert digests_of(db_path, key) == plain
    assert not db_path.with_name(db_path.name + ENCRYPTING_SUFFIX).exists()


_KILL_AT_STEP = """
import os, signal, sys
from pathlib import Path
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.storage.encrypt_in_place import encrypt_in_place

def hook(name):
    if name == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)

encrypt_in_place(Path(sys.argv[1]), DatabaseKey(bytes.fromhex(sys.argv[2])), on_step=hook)
"""


def test_migration_killed_by_sigkill_loses_nothing(db_path: Path, key: DatabaseKey) -> None:
    fill(db_path, None, sessions=2)
    plain = digests_of(db_path, None)
    process = subprocess.run(
        [sys.executable, "-c", _KILL_AT_STEP, str(db_path), key.raw.hex(), "exported"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert db_path.with_name(db_path.name + ENCRYPTING_SUFFIX).exists()  # half done
    assert file_state(db_path) is FileState.PLAINTEXT
    assert digests_of(db_path, None) == plain

    open_database(db_path, key).close()
    assert digests_of(db_path, key) == plain
    assert not db_path.with_name(db_path.name + ENCRYPTING_SUFFIX).exists()


def test_a_stale_copy_that_differs_is_never_swapped_in(db_path: Path, key: DatabaseKey) -> None:
    fill(db_path, None, sessions=1)
    plain = digests_of(db_path, None)
    other = db_path.with_name("other.db")
    fill(other, key, sessions=3)  # a complete encrypted database with different rows
    stale = db_path.with_name(db_path.name + ENCRYPTING_SUFFIX)
    stale.write_bytes(other.read_bytes())
    open_database(db_path, key).close()
    assert digests_of(db_path, key) == plain


def test_someone_elses_plain_database_is_not_encrypted(tmp_path: Path, key: DatabaseKey) -> None:
    path = tmp_path / "photos.db"
    connection = connect(path, None, DatabaseLocation(path))
    connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    connection.close()
    before = file_sha256(path)
    with pytest.raises(StorageError, match="not a Therapy Notes database"):
        open_database(path, key)
    assert file_sha256(path) == before
    assert sorted(os.listdir(tmp_path)) == ["photos.db"]
