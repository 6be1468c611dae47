"""Storage fixtures: a real SQLite file in `tmp_path`, migrated with Alembic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from therapy_notes.domain.patients import Patient
from therapy_notes.storage import Database, SqlUnitOfWork, open_database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "therapy_notes.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(db_path)
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
