"""Storing a 60-minute session: a clinic's PostgreSQL server against the desktop's SQLite file.

The recording service commits every final segment in a unit of work of its own as it
arrives, and every note entry with its audit record, so the figure that matters is the
time per commit over a whole session. Both databases are set up as in use: the SQLite file
encrypted with SQLCipher, WAL and `synchronous=FULL`; PostgreSQL a fresh local cluster
with `fsync=on` over TCP on 127.0.0.1 with a password login (a clinic's server adds its
network round trip on top). The two are timed alternately, three times each, in one run,
and the ratio of the medians is reported with the machine's load average before and after.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.benchmarks.conftest import percentile, write_results
from tests.postgres_server import (
    PostgresServer,
    PostgresUnavailableError,
    remove_server,
    start_server,
)
from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.session import Segment, SpeakerRole
from therapy_notes.storage.database import Database, open_database, open_url

pytestmark = pytest.mark.benchmark

MINUTES = 60
TURNS_PER_MINUTE = 12
"""About one final segment every five seconds, as in the labelled conversations."""
TURNS_PER_ENTRY = 4
ROUNDS = 3
START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
_SENTENCE = (
    "client reports pain in the left shoulder when reaching overhead and sleeps poorly "
    "since the fall last week with some relief from ice and the home exercise programme"
)
_WORDS = _SENTENCE.split()


@pytest.fixture(scope="module")
def durable_server() -> Iterator[PostgresServer]:
    try:
        server = start_server(fsync=True)
    except PostgresUnavailableError as exc:
        pytest.skip(f"no PostgreSQL server could start here: {exc}")
    yield server
    remove_server(server)


def _text(turn: int) -> str:
    start = turn % len(_WORDS)
    return " ".join((_WORDS[start:] + _WORDS)[:16]).capitalize() + "."


def _store_session(database: Database) -> list[float]:
    """A 60-minute session the way the recording service stores it; seconds per commit."""
    commits: list[float] = []
    with database.uow_factory() as uow:
        session_id = uow.sessions.start(None, "soap", "local", START).id
    for turn in range(MINUTES * TURNS_PER_MINUTE):
        started = time.perf_counter()
        with database.uow_factory() as uow:
            segment = uow.segments.add(
                session_id,
                Segment(
                    f"item_{turn}",
                    turn * 5000,
                    turn * 5000 + 4200,
                    _text(turn),
                    speaker=SpeakerRole.CLIENT if turn % 2 else SpeakerRole.CLINICIAN,
                ),
            )
        commits.append(time.perf_counter() - started)
        if turn % TURNS_PER_ENTRY == TURNS_PER_ENTRY - 1:
            started = time.perf_counter()
            with database.uow_factory() as uow:
                entry = uow.notes.add_entry(
                    session_id,
                    NoteEntry(
                        "subjective",
                        f"Client reports {_text(turn).lower()}",
                        EntrySource.LOCAL_COMPOSER,
                        (segment.id or 0,),
                    ),
                )
                uow.audit.record(
                    AuditRecord(
                        "local",
                        "entry_added",
                        "session",
                        session_id,
                        START + timedelta(seconds=turn * 5),
                        after=str(entry.id),
                    )
                )
            commits.append(time.perf_counter() - started)
    with database.uow_factory() as uow:
        assert len(uow.segments.for_session(session_id)) == MINUTES * TURNS_PER_MINUTE
    return commits


def _run(open_one: Callable[[], Database]) -> tuple[float, list[float]]:
    database = open_one()
    try:
        started = time.perf_counter()
        commits = _store_session(database)
        return time.perf_counter() - started, commits
    finally:
        database.close()


def test_store_a_60_minute_session_postgresql_against_sqlite(
    durable_server: PostgresServer, tmp_path: Path
) -> None:
    load_before = os.getloadavg()
    key = DatabaseKey.generate()
    totals: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    commits: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    for round_ in range(ROUNDS):
        path = tmp_path / f"round{round_}" / "therapy_notes.db"
        name = durable_server.migrated_database()
        openers: dict[str, Callable[[], Database]] = {
            "sqlite": lambda path=path: open_database(path, key),
            "postgresql": lambda name=name: open_url(
                durable_server.url(name), password=durable_server.password
            ),
        }
        order = ("sqlite", "postgresql") if round_ % 2 == 0 else ("postgresql", "sqlite")
        for backend in order:
            total, each = _run(openers[backend])
            totals[backend].append(total)
            commits[backend] += each
        durable_server.drop(name)
    load_after = os.getloadavg()

    def figures(backend: str) -> dict[str, object]:
        return {
            "total_s": [round(t, 3) for t in totals[backend]],
            "median_total_s": round(statistics.median(totals[backend]), 3),
            "commit_p50_ms": round((percentile(commits[backend], 50) or 0) * 1000, 2),
            "commit_p95_ms": round((percentile(commits[backend], 95) or 0) * 1000, 2),
            "commit_max_ms": round(max(commits[backend]) * 1000, 2),
        }

    sqlite, postgresql = figures("sqlite"), figures("postgresql")
    segments = MINUTES * TURNS_PER_MINUTE
    write_results(
        "clinic_database",
        {
            "session": {
                "minutes": MINUTES,
                "segments": segments,
                "note_entries": segments // TURNS_PER_ENTRY,
                "commits": segments + segments // TURNS_PER_ENTRY,
            },
            "rounds": ROUNDS,
            "sqlite_sqlcipher_wal_full": sqlite,
            "postgresql_local_fsync_on": postgresql,
            "ratio_postgresql_over_sqlite": round(
                statistics.median(totals["postgresql"]) / statistics.median(totals["sqlite"]), 2
            ),
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in load_after],
        },
    )
    assert sqlite["median_total_s"]
    assert postgresql["median_total_s"]
