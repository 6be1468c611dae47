"""Shared fixtures: the speech models are loaded once per test run (about a second)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import keyring.backends.null
import pytest

from tests.postgres_server import (
    REQUIRE_ENV,
    PostgresServer,
    PostgresUnavailableError,
    remove_server,
    start_server,
)
from tests.unlocked import TEST_PASSPHRASE
from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turns import EngineModels


@pytest.fixture(scope="session")
def engine_models() -> EngineModels:
    return EngineModels.load()


@pytest.fixture
async def local_engine(engine_models: EngineModels) -> AsyncIterator[LocalEngine]:
    engine = LocalEngine(engine_models)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def hermetic_database_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real OS keyring; the command line uses a passphrase."""
    monkeypatch.setenv("THERAPY_NOTES_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.delenv("THERAPY_NOTES_RECOVERY_KEY", raising=False)
    for name in ("THERAPY_NOTES_DATABASE_URL", "THERAPY_NOTES_DATABASE_PASSWORD", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


# --- a real PostgreSQL server, for the clinic's shared database -----------------------------

_postgres_skipped: list[str] = []


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway cluster for the whole run, started on first use, removed at the end.

    Where no server can start the tests that need it skip, loudly (see the summary);
    with THERAPY_NOTES_REQUIRE_POSTGRES=1 (CI) they fail instead.
    """
    try:
        server = start_server()
    except PostgresUnavailableError as exc:
        reason = f"PostgreSQL tests NOT RUN: no server could start here ({exc})"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires them", pytrace=False)
        _postgres_skipped.append(reason)
        pytest.skip(reason)
    try:
        yield server
    finally:
        remove_server(server)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database at the newest schema; its URL carries no password."""
    name = postgres_server.migrated_database()
    yield postgres_server.url(name)
    postgres_server.drop(name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skipped:
        terminalreporter.section("PostgreSQL", sep="!", red=True, bold=True)
        terminalreporter.line(_postgres_skipped[0], red=True, bold=True)
        terminalreporter.line(
            f"Install PostgreSQL (apt-get install postgresql) to run them; {REQUIRE_ENV}=1 "
            "makes this a failure.",
            red=True,
        )
