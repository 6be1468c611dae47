"""What one desktop of a clinic does, run in a process of its own by the concurrency tests.

Each function opens the shared PostgreSQL database itself (a process never inherits a
connection), waits at the barrier so both desktops really act at the same moment, does
its work through the same services and repositories the app uses, and returns plain data
the test can check.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.session import Segment
from therapy_notes.domain.signing import SigningKey
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import EditConflictError, NoteLockedError
from therapy_notes.services.notes import NotesService
from therapy_notes.storage.database import open_url

SECRET = bytes(range(32))
"""The clinic signing secret both desktops share (a test value)."""
ANA = User("ana", "Ana Ruiz", Role.CLINICIAN, "OTR/L")
BO = User("bo", "Bo Lind", Role.CLINICIAN, "PT")
RAE = User("rae", "Rae Vo", Role.REVIEWER, "PT, DPT")
USERS = {u.username: u for u in (ANA, BO, RAE)}
START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def service(database: Any) -> NotesService:
    return NotesService(database.uow_factory, signing_key=SigningKey.from_secret(SECRET))


def record_session(url: str, password: str, barrier: Any, desktop: str, turns: int) -> int:
    """A recording: one committed unit of work per final segment, an entry every 4 turns.

    Every entry is audited, as the recording service does, so both desktops append to
    the one audit chain while they record.
    """
    database = open_url(url, password=password)
    try:
        with database.uow_factory() as uow:
            session_id = uow.sessions.start(None, "soap", f"local-{desktop}", START).id
        barrier.wait()
        for turn in range(turns):
            with database.uow_factory() as uow:
                segment = uow.segments.add(
                    session_id,
                    Segment(f"{desktop}-{turn}", turn * 1000, turn * 1000 + 900, f"turn {turn}"),
                )
                if turn % 4 == 3:
                    entry = uow.notes.add_entry(
                        session_id,
                        NoteEntry(
                            "subjective",
                            f"{desktop} reports item {turn}.",
                            EntrySource.LOCAL_COMPOSER,
                            (segment.id or 0,),
                        ),
                    )
                    uow.audit.record(
                        AuditRecord(
                            desktop,
                            "entry_added",
                            "session",
                            session_id,
                            START + timedelta(seconds=turn),
                            after=str(entry.id),
                        )
                    )
        return session_id
    finally:
        database.close()


def edit_entries(
    url: str, password: str, barrier: Any, username: str, entries: dict[int, int]
) -> dict[int, str]:
    """Edit each entry (id -> version as it was shown) at the same moment as the other."""
    database = open_url(url, password=password)
    outcome: dict[int, str] = {}
    try:
        notes = service(database)
        for entry_id, version in sorted(entries.items()):
            barrier.wait()
            try:
                asyncio.run(
                    notes.edit_entry(
                        USERS[username],
                        entry_id,
                        f"Edited by {username}.",
                        expected_version=version,
                    )
                )
            except EditConflictError as exc:
                outcome[entry_id] = f"conflict: {exc}"
            else:
                outcome[entry_id] = "saved"
        return outcome
    finally:
        database.close()


def amend(
    url: str, password: str, barrier: Any, username: str, session_ids: list[int], count: int
) -> int:
    """Add `count` addenda to each signed note, starting at the same moment as the other."""
    database = open_url(url, password=password)
    try:
        notes = service(database)
        barrier.wait()
        for session_id in session_ids:
            for n in range(count):
                asyncio.run(
                    notes.add_addendum(
                        USERS[username], session_id, "Late entry", f"{username} addendum {n}."
                    )
                )
        return len(session_ids) * count
    finally:
        database.close()


def cosign(url: str, password: str, barrier: Any, username: str, session_ids: list[int]) -> int:
    """Co-sign each note, starting at the same moment as the other desktop."""
    database = open_url(url, password=password)
    try:
        notes = service(database)
        barrier.wait()
        for session_id in session_ids:
            asyncio.run(notes.cosign(USERS[username], session_id))
        return len(session_ids)
    finally:
        database.close()


def sign(url: str, password: str, barrier: Any, username: str, session_ids: list[int]) -> int:
    """Sign each note, starting at the same moment as the other desktop."""
    database = open_url(url, password=password)
    try:
        notes = service(database)
        barrier.wait()
        for session_id in session_ids:
            asyncio.run(notes.sign(USERS[username], session_id))
        return len(session_ids)
    finally:
        database.close()


def edit_while_signing(
    url: str, password: str, barrier: Any, username: str, entries: dict[int, int]
) -> dict[int, str]:
    """Edit each entry while the other desktop signs its note: saved, or refused as locked."""
    database = open_url(url, password=password)
    outcome: dict[int, str] = {}
    try:
        notes = service(database)
        barrier.wait()
        for entry_id, version in sorted(entries.items()):
            try:
                asyncio.run(
                    notes.edit_entry(
                        USERS[username], entry_id, "Reviewer's wording.", expected_version=version
                    )
                )
            except NoteLockedError:
                outcome[entry_id] = "locked"
            else:
                outcome[entry_id] = "saved"
        return outcome
    finally:
        database.close()


def record_until_killed(url: str, password: str, started: Any, release: Any) -> None:
    """Start a recording and keep it going until the test kills this process (a crash)."""
    database = open_url(url, password=password)
    with database.uow_factory() as uow:
        session_id = uow.sessions.start(None, "soap", "local", START).id
        uow.segments.add(session_id, Segment("only-turn", 0, 900, "Hello."))
    started.send(session_id)
    release.wait()  # never set: the process is killed while it "records"
