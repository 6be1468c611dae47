"""Every migration, up and down, on both databases: SQLite and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from tests.postgres_server import PostgresServer
from therapy_notes.storage.database import (
    MIGRATIONS_DIR,
    _alembic_config,
    create_database_engine,
    head_revision,
)
from therapy_notes.storage.orm import SEARCH_INDEXES
from therapy_notes.storage.postgres import create_server_engine


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


REVISIONS = _revisions()


@pytest.fixture
def empty_engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database with no tables at all."""
    if backend == "sqlite":
        engine = create_database_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.empty_database()
    engine = create_server_engine(server.url(name), server.password)
    yield engine
    engine.dispose()
    server.drop(name)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    with engine.begin() as connection:
        config = _alembic_config(connection)
        if direction == "up":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def _state(engine: Engine) -> tuple[str | None, set[str]]:
    """(revision, tables other than alembic's own)."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = None
        if "alembic_version" in tables:
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return revision, tables - {"alembic_version"}


def test_the_revisions_form_one_line_to_the_head() -> None:
    assert REVISIONS[0] == "0001"
    assert REVISIONS[-1] == head_revision()
    assert (
        len(REVISIONS)
        == len(set(REVISIONS))
        == len(list((MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")))
    )


def test_each_migration_upgrades_and_downgrades(empty_engine: Engine) -> None:
    """Up one step at a time to the head, down one step at a time to nothing, up again."""
    seen: dict[str, set[str]] = {}
    for revision in REVISIONS:
        _migrate(empty_engine, "up", revision)
        at, tables = _state(empty_engine)
        assert at == revision
        seen[revision] = tables
    for newer, older in zip(reversed(REVISIONS), list(reversed(REVISIONS))[1:], strict=False):
        _migrate(empty_engine, "down", older)
        at, tables = _state(empty_engine)
        assert at == older, f"downgrade from {newer}"
        assert tables == seen[older], f"downgrade from {newer} left or removed tables"
    _migrate(empty_engine, "down", "base")
    assert _state(empty_engine) == (None, set())
    _migrate(empty_engine, "up", "head")
    assert _state(empty_engine) == (head_revision(), seen[head_revision()])


def test_0006_versions_existing_entries_and_indexes_text_on_postgresql(
    empty_engine: Engine,
) -> None:
    _migrate(empty_engine, "up", "0005")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sessions (id, template, engine, status, started_at, title) "
                "VALUES (1, 'soap', 'local', 'draft', '2026-03-04 10:00:00', '')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO note_entries (id, session_id, section, text, source, "
                "segment_ids, created_at, updated_at) VALUES (1, 1, 'plan', "
                "'Home exercise daily.', 'model', '[]', '2026-03-04 10:00:00', "
                "'2026-03-04 10:00:00')"
            )
        )
    _migrate(empty_engine, "up", "0006")
    is_postgresql = empty_engine.dialect.name == "postgresql"
    with empty_engine.connect() as connection:
        assert connection.scalar(text("SELECT version FROM note_entries WHERE id = 1")) == 1
        index_names = {i["name"] for i in inspect(connection).get_indexes("note_entries")}
        if is_postgresql:
            found = connection.scalar(
                text(
                    "SELECT count(*) FROM note_entries "
                    "WHERE to_tsvector('english', text) @@ to_tsquery('english', 'exercis:*')"
                )
            )
            assert found == 1
    assert ("ix_note_entries_text_search" in index_names) is is_postgresql
    _migrate(empty_engine, "down", "0005")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("note_entries")}
        index_names = {i["name"] for i in inspect(connection).get_indexes("note_entries")}
        text_after = connection.scalar(text("SELECT text FROM note_entries WHERE id = 1"))
    assert "version" not in columns
    assert not index_names & set(SEARCH_INDEXES)
    assert text_after == "Home exercise daily."
