"""Opening the database: migrations, pragmas, and what a bad file or full disk does."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, inspect, text

from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment
from therapy_notes.errors import StorageError
from therapy_notes.storage import Database, SqlUnitOfWork, open_database
from therapy_notes.storage.database import head_revision
from therapy_notes.storage.orm import FTS_TABLES, SEARCH_INDEXES, Base, include_in_autogenerate

DISK_FULL = "is full. Free some space"
SAFE = "Everything saved before this point is safe."


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upgrade_from_empty_creates_every_table_and_the_search_indexes(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        if db.engine.dialect.name == "sqlite":
            assert set(FTS_TABLES) <= tables
            triggers = set(
                conn.scalars(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            )
            assert len(triggers) == 6
        else:
            assert not set(FTS_TABLES) & tables
            rows = conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%search'")
            )
            indexes = {str(name): str(definition) for name, definition in rows}
            assert set(indexes) == set(SEARCH_INDEXES)
            assert all("USING gin (to_tsvector('english'" in d for d in indexes.values())


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": include_in_autogenerate, "compare_type": True}
        )
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_compare_metadata_would_notice_a_missing_column(db: Database) -> None:
    # Guards the test above: the comparison is live, not vacuous.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE sessions DROP COLUMN title")
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_autogenerate})
        diffs = compare_metadata(context, Base.metadata)
    assert [d[0] for d in diffs] == ["add_column"]


def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    first = open_database(db_path)
    with first.uow_factory() as uow:
        uow.patients.add(Patient("Lee Park"))
    first.close()
    second = open_database(db_path)
    try:
        with second.uow_factory() as uow:
            assert [p.name for p in uow.patients.list()] == ["Lee Park"]
    finally:
        second.close()


def _pragma(dbapi_connection: Any, name: str) -> object:
    return dbapi_connection.execute(f"PRAGMA {name}").fetchone()[0]


@pytest.mark.sqlite_only
def test_pragmas_hold_on_every_connection(db: Database) -> None:
    # Two pooled connections checked out at once are two distinct SQLite connections.
    first, second = db.engine.raw_connection(), db.engine.raw_connection()
    try:
        for conn in (first, second):
            assert _pragma(conn, "journal_mode") == "wal"
            assert _pragma(conn, "synchronous") == 2  # FULL
            assert _pragma(conn, "foreign_keys") == 1
            assert _pragma(conn, "busy_timeout") == 5000
    finally:
        first.close()
        second.close()
    db.engine.dispose()
    fresh = db.engine.raw_connection()
    try:
        assert _pragma(fresh, "foreign_keys") == 1
        assert _pragma(fresh, "synchronous") == 2
    finally:
        fresh.close()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with db.engine.connect() as conn, pytest.raises(Exception, match=r"(?i)foreign key"):
        conn.exec_driver_sql(
            "INSERT INTO segments (session_id, item_id, start_ms, end_ms, text, created_at) "
            "VALUES (999, 'x', 0, 1, 't', '2025-01-01')"
        )


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_NOTADB \(DatabaseError\)$",
)
def test_random_bytes_file_is_refused_and_left_untouched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "therapy_notes.db"
    path.write_bytes(os.urandom(16_384))
    before = _sha256(path)
    with pytest.raises(StorageError, match="is not a Therapy Notes database or is damaged") as err:
        open_database(path)
    assert str(path) in str(err.value)
    assert _sha256(path) == before
    assert [r.getMessage() for r in caplog.records] == [
        "database failure SQLITE_NOTADB (DatabaseError)"
    ]


def test_another_programs_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    before = _sha256(path)
    with pytest.raises(StorageError, match="not a Therapy Notes database"):
        open_database(path)
    assert _sha256(path) == before
    with sqlite3.connect(path) as check:
        names = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    check.close()
    assert names == {"photos"}


@pytest.mark.expected_log(
    "therapy_notes.storage.database", "WARNING", match=r"^schema upgrade refused: CommandError$"
)
def test_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    open_database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00d'")
    conn.close()
    with pytest.raises(StorageError, match="newer version of Therapy Notes"):
        open_database(db_path)


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_CANTOPEN \(NotADirectoryError\)$",
)
def test_a_file_where_the_folder_should_be_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot be opened"):
        open_database(blocker / "therapy_notes.db")


# --- a full disk -------------------------------------------------------------------------


def _limit_pages(db: Database, extra_pages: int) -> None:
    """Cap the file a few pages above its size on every new connection: a full disk."""
    with db.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    limit = pages + extra_pages

    def _cap(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={limit}")

    event.listen(db.engine, "connect", _cap)
    db.engine.dispose()


def _store_before(uow_factory: Callable[[], SqlUnitOfWork]) -> tuple[int, list[Segment]]:
    with uow_factory() as uow:
        patient = uow.patients.add(Patient("Sam Ortiz"))
        assert patient.id is not None
        session = uow.sessions.start(patient.id, "soap", "local", datetime.now(UTC))
        saved = [
            uow.segments.add(
                session.id, Segment(f"item_{i}", i * 1000, i * 1000 + 900, f"turn {i}")
            )
            for i in range(3)
        ]
    return session.id, saved


def _fill_until_full(uow_factory: Callable[[], SqlUnitOfWork], session_id: int) -> tuple[int, str]:
    """Commit large segments one by one until the disk is full; how many fit, and the message."""
    committed = 0
    with pytest.raises(StorageError) as err:  # noqa: PT012 - the loop ends by raising
        for i in range(5_000):
            with uow_factory() as uow:
                uow.segments.add(session_id, Segment(f"fill_{i}", 0, 1, "word " * 800))
            committed += 1
    assert DISK_FULL in str(err.value)
    assert SAFE in str(err.value)
    return committed, str(err.value)


def _assert_intact(path: Path, session_id: int, saved: list[Segment], filled: int) -> None:
    db = open_database(path)
    try:
        with db.uow_factory() as uow:
            segments = uow.segments.for_session(session_id)
        assert [s for s in segments if s.item_id.startswith("item_")] == saved
        assert len(segments) == len(saved) + filled
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        db.close()


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_FULL \(OperationalError\)$",
)
@pytest.mark.sqlite_only
def test_disk_full_by_page_limit_is_a_clear_error_and_keeps_committed_data(
    db: Database, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    session_id, saved = _store_before(db.uow_factory)
    _limit_pages(db, extra_pages=40)
    filled, message = _fill_until_full(db.uow_factory, session_id)
    assert filled > 0
    assert str(db_path.parent) in message
    assert "database failure SQLITE_FULL (OperationalError)" in caplog.messages
    assert all("word" not in m for m in caplog.messages)  # never any content in the log
    db.close()
    _assert_intact(db_path, session_id, saved, filled)


class SmallDisk:
    """A folder on a 1 MiB filesystem, or (where mounting is not allowed) a page limit."""

    def __init__(self, folder: Path, is_tmpfs: bool) -> None:
        self.folder = folder
        self.is_tmpfs = is_tmpfs

    @property
    def kind(self) -> str:
        return "tmpfs" if self.is_tmpfs else "max_page_count"

    def fill_limit(self, db: Database) -> None:
        if not self.is_tmpfs:
            _limit_pages(db, extra_pages=200)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    import subprocess

    folder = tmp_path / "small"
    folder.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield SmallDisk(folder, is_tmpfs=mounted)
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.expected_log(
    "therapy_notes.storage.errors",
    "WARNING",
    match=r"^database failure SQLITE_FULL \(OperationalError\)$",
)
def test_disk_full_on_a_small_filesystem(
    small_disk: SmallDisk, request: pytest.FixtureRequest
) -> None:
    # Which variant ran is visible in reports (e.g. --junitxml with junit_family=xunit1).
    request.node.user_properties.append(("small_disk", small_disk.kind))
    if small_disk.is_tmpfs:
        stats = os.statvfs(small_disk.folder)
        assert stats.f_blocks * stats.f_frsize <= 1024 * 1024
    path = small_disk.folder / "therapy_notes.db"
    db = open_database(path)
    try:
        session_id, saved = _store_before(db.uow_factory)
        small_disk.fill_limit(db)
        filled, message = _fill_until_full(db.uow_factory, session_id)
        assert filled > 0
        assert str(small_disk.folder) in message
    finally:
        db.close()
    _assert_intact(path, session_id, saved, filled)


def test_head_revision_from_file_names_matches_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from therapy_notes.storage.database import MIGRATIONS_DIR, head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == head_revision()
