"""SQLCipher at rest: real files, wrong keys, and encrypting a plain database in place."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment
from therapy_notes.errors import StorageError, UnlockError
from therapy_notes.storage.database import open_database
from therapy_notes.storage.encryption import (
    ENCRYPTING_SUFFIX,
    FileState,
    connect,
    encrypt_in_place,
    file_state,
    table_digests,
)
from therapy_notes.storage.errors import DatabaseLocation

pytestmark = pytest.mark.sqlite_only  # the SQLCipher file itself

SECRET_PHRASES = ("Quillon Ashbury", "left rotator cuff tenderness", "MRN-55821")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill(db_path: Path, key: DatabaseKey | None, sessions: int = 3) -> None:
    """Patients, sessions, segments and note entries holding the secret phrases."""
    db = open_database(db_path, key)
    try:
        with db.uow_factory() as uow:
            patient = uow.patients.add(Patient(SECRET_PHRASES[0], identifier=SECRET_PHRASES[2]))
            assert patient.id is not None
            for n in range(sessions):
                at = datetime(2025, 5, 1, 9, n, tzinfo=UTC)
                sid = uow.sessions.start(patient.id, "soap", "local", at).id
                for i in range(20):
                    uow.segments.add(
                        sid,
                        Segment(
                            f"item_{i}",
                            i * 1000,
                            i * 1000 + 900,
                            f"Segment {i}: {SECRET_PHRASES[1]}.",
                        ),
                    )
                uow.notes.add_entry(
                    sid, NoteEntry("objective", SECRET_PHRASES[1], EntrySource.MODEL)
                )
    finally:
        db.close()


def digests_of(db_path: Path, key: DatabaseKey | None) -> dict[str, object]:
    connection = connect(db_path, key, DatabaseLocation(db_path))
    try:
        return dict(table_digests(connection))
    finally:
        connection.close()


def all_bytes(db_path: Path) -> bytes:
    files = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))]
    return b"".join(f.read_bytes() for f in files if f.exists())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "therapy_notes.db"


@pytest.fixture
def key() -> DatabaseKey:
    return DatabaseKey.generate()


def test_new_database_is_encrypted_in_the_file_and_its_wal(db_path: Path, key: DatabaseKey) -> None:
    db = open_database(db_path, key)
    try:
        with db.uow_factory() as uow:
            patient = uow.patients.add(Patient(SECRET_PHRASES[0], identifier=SECRET_PHRASES[2]))
            assert patient.id is not None
            sid = uow.sessions.start(patient.id, "soap", "local", datetime.now(UTC)).id
            uow.segments.add(sid, Segment("item_1", 0, 900, SECRET_PHRASES[1]))
        # while open, the committed rows sit in the -wal file: it must be encrypted too
        assert (db_path.with_name(db_path.name + "-wal")).stat().st_size > 0
        raw = all_bytes(db_path)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA cipher_version").scalar()
    finally:
        db.close()
    raw += all_bytes(db_path)
    assert file_state(db_path) is FileState.ENCRYPTED
    for phrase in (*SECRET_PHRASES, "SQLite format 3", "CREATE TABLE"):
        assert phrase.encode() not in raw, phrase
    reopened = open_database(db_path, key)
    try:
        with reopened.uow_factory() as uow:
            assert [p.name for p in uow.patients.list()] == [SECRET_PHRASES[0]]
            assert [h.session_id for h in uow.search.search("rotator")] == [sid]  # FTS5
    finally:
        reopened.close()


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_NOTADB \(DatabaseError\)$",
)
def test_wrong_key_is_refused_and_the_file_is_untouched(
    db_path: Path, key: DatabaseKey, caplog: pytest.LogCaptureFixture
) -> None:
    fill(db_path, key, sessions=1)
    before = _sha256(db_path)
    listing = sorted(os.listdir(db_path.parent))
    with pytest.raises(UnlockError, match="does not open") as err:
        open_database(db_path, DatabaseKey.generate())
    assert str(db_path) in str(err.value)
    assert _sha256(db_path) == before
    assert sorted(os.listdir(db_path.parent)) == listing  # no -wal or -shm made
    assert [r.getMessage() for r in caplog.records] == ["database key rejected"]
    with pytest.raises(StorageError, match="not a Therapy Notes database"):
        open_database(db_path)  # no key: an encrypted file is not readable SQLite
    assert _sha256(db_path) == before


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
from therapy_notes.storage.encryption import encrypt_in_place

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
    before = _sha256(path)
    with pytest.raises(StorageError, match="not a Therapy Notes database"):
        open_database(path, key)
    assert _sha256(path) == before
    assert sorted(os.listdir(tmp_path)) == ["photos.db"]


def test_key_never_shows_in_repr() -> None:
    key = DatabaseKey.generate()
    assert key.raw.hex() not in repr(key)
    assert "redacted" in repr(key)
    with pytest.raises(ValueError, match="32 bytes"):
        DatabaseKey(b"short")
