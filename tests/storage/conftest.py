"""Storage fixtures: a real SQLite file in `tmp_path`, or a real PostgreSQL database.

Every test that uses `db` (or `uow_factory`, `session_id`) runs twice, once on each
database, through the same models and migrations. A test about SQLite itself (pragmas,
the encrypted file, backups, damaged files) is marked `sqlite_only` and runs once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer
from therapy_notes.domain.patients import Patient
from therapy_notes.storage import Database, SqlUnitOfWork, open_database
from therapy_notes.storage.database import open_url

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", BACKENDS[:1] if sqlite_only else BACKENDS)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "therapy_notes.db"


@pytest.fixture
def db(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    if backend == "sqlite":
        database = open_database(db_path)
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url: str = request.getfixturevalue("postgres_url")
        database = open_url(url, password=server.password)
    yield database
    database.close()


@pytest.fixture
def uow_factory(db: Database) -> Callable[[], SqlUnitOfWork]:
    return db.uow_factory


def at(minute: int = 0) -> datetime:
    """A fixed aware instant, so ordering and round-trips are checkable."""
    return datetime(2025, 3, 4, 9, minute, 30, 250_000, tzinfo=UTC)


@pytest.fixture
def session_id(uow_factory: Callable[[], SqlUnitOfWork]) -> int:
    """A stored session of a stored patient."""
    with uow_factory() as uow:
        patient = uow.patients.add(Patient("Dana Reyes", identifier="MRN-7"))
        assert patient.id is not None
        return uow.sessions.start(patient.id, "soap", "local", at()).id
