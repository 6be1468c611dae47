"""Shared fixtures: the speech models are loaded once per test run (about a second).

Every test also runs under `logfail` (below): a WARNING or ERROR from the app's loggers
that the test did not declare with `@pytest.mark.expected_log` fails it at teardown.
Tests that use `qapp` (so every test under tests/ui) are marked `gui`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
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

# --- logfail: an unexpected warning or error from the app fails the test --------------------
# Modelled on qutebrowser's tests/helpers/logfail.py, but the handler only collects: the test
# fails at teardown with every unexpected record listed, so a warning logged on a worker
# thread or inside an `except` that swallows exceptions is caught too. A test whose scenario
# makes the app warn (a corrupt file, a dropped connection) declares it, narrowly, with
# `@pytest.mark.expected_log("therapy_notes.x", "WARNING", match="regex")`: only records of
# exactly that logger and level (and message, if `match` is given) are let through, and at
# least one must arrive, so the marker is also the assertion that the app did warn.

LOGFAIL_LOGGER = "therapy_notes"
LOGFAIL_LEVEL = logging.WARNING
_call_passed = pytest.StashKey[bool]()


@dataclass(frozen=True, slots=True)
class ExpectedLog:
    """One `expected_log` marker: a logger name, a level name and an optional message regex."""

    logger: str
    level: str
    match: str | None

    def covers(self, record: logging.LogRecord) -> bool:
        return (
            record.name == self.logger
            and record.levelname == self.level
            and (self.match is None or re.search(self.match, record.getMessage()) is not None)
        )

    def __str__(self) -> str:
        match = "" if self.match is None else f", match={self.match!r}"
        return f"expected_log({self.logger!r}, {self.level!r}{match})"


def _expected_log(logger: str, level: str = "WARNING", *, match: str | None = None) -> ExpectedLog:
    if level not in ("WARNING", "ERROR", "CRITICAL"):
        raise ValueError(f"expected_log level must be WARNING, ERROR or CRITICAL, not {level!r}")
    return ExpectedLog(logger, level, match)


def _expected_logs(item: pytest.Item) -> list[ExpectedLog]:
    return [_expected_log(*m.args, **m.kwargs) for m in item.iter_markers("expected_log")]


class LogFailHandler(logging.Handler):
    """Keeps every record at `LOGFAIL_LEVEL` or above, from whichever thread logs it."""

    def __init__(self) -> None:
        super().__init__(LOGFAIL_LEVEL)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _describe(record: logging.LogRecord) -> str:
    where = f"{record.filename}:{record.lineno}"
    return f"  {record.levelname} {record.name}: {record.getMessage()}  ({where})"


@pytest.fixture(autouse=True)
def logfail(request: pytest.FixtureRequest) -> Iterator[LogFailHandler]:
    """Fail the test on a WARNING+ record from `therapy_notes.*` it did not declare."""
    expected = _expected_logs(request.node)
    handler = LogFailHandler()
    logger = logging.getLogger(LOGFAIL_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    unexpected = [r for r in handler.records if not any(e.covers(r) for e in expected)]
    if unexpected:
        pytest.fail(
            "unexpected log records (fix the cause, or declare them with "
            "@pytest.mark.expected_log):\n" + "\n".join(_describe(r) for r in unexpected),
            pytrace=False,
        )
    if request.node.stash.get(_call_passed, False):
        stale = [e for e in expected if not any(e.covers(r) for r in handler.records)]
        if stale:
            pytest.fail(
                "expected log records never came: " + ", ".join(str(e) for e in stale),
                pytrace=False,
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_call_passed] = report.passed
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `gui` every test that needs a QApplication; run benchmarks only when asked.

    `-m "not gui"` then runs the headless tests. A `-m` on the command line replaces the
    `-m 'not benchmark'` in addopts, so benchmarks are also left out here unless the
    expression names them (`pytest tests/benchmarks -m benchmark`).
    """
    for item in items:
        if "qapp" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)
    if "benchmark" not in config.option.markexpr:
        benchmarks = [item for item in items if item.get_closest_marker("benchmark")]
        if benchmarks:
            config.hook.pytest_deselected(items=benchmarks)
            items[:] = [item for item in items if not item.get_closest_marker("benchmark")]


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
