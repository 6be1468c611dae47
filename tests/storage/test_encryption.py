"""SQLCipher at rest: real files, wrong keys, keys kept out of reprs."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment
from therapy_notes.errors import StorageError, UnlockError
from therapy_notes.storage.database import open_database
from therapy_notes.storage.database_copy import table_digests
from therapy_notes.storage.encryption import FileState, connect, file_state
from therapy_notes.storage.errors import DatabaseLocation

pytestmark = pytest.mark.sqlite_only  # the SQLCipher file itself

SECRET_PHRASES = ("Quillon Ashbury", "left rotator cuff tenderness", "MRN-55821")


def file_sha256(path: Path) -> str:
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
    before = file_sha256(db_path)
    listing = sorted(os.listdir(db_path.parent))
    with pytest.raises(UnlockError, match="does not open") as err:
        open_database(db_path, DatabaseKey.generate())
    assert str(db_path) in str(err.value)
    assert file_sha256(db_path) == before
    assert sorted(os.listdir(db_path.parent)) == listing  # no -wal or -shm made
    assert [r.getMessage() for r in caplog.records] == ["database key rejected"]
    with pytest.raises(StorageError, match="not a Therapy Notes database"):
        open_database(db_path)  # no key: an encrypted file is not readable SQLite
    assert file_sha256(db_path) == before


def test_key_never_shows_in_repr() -> None:
    key = DatabaseKey.generate()
    assert key.raw.hex() not in repr(key)
    assert "redacted" in repr(key)
    with pytest.raises(ValueError, match="32 bytes"):
        DatabaseKey(b"short")
