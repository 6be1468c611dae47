"""Two desktops on one PostgreSQL database at once, each a real process of its own.

What a clinic does at the same moment: two clinicians recording, a reviewer co-signing
while a clinician amends, two addenda to one note, a sign-off while an entry is edited,
two people saving the same draft entry. Both processes wait at a barrier and then act, so
their transactions overlap; the checks are on outcomes (what was stored, what verifies),
never on timings, and hold whatever the interleaving was.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.postgres_server import PostgresServer
from tests.storage import clinic_desktop
from tests.storage.clinic_desktop import ANA, BO, START, service
from therapy_notes.domain.audit import chain_findings
from therapy_notes.domain.note_review import SignatureState
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.session import SessionStatus
from therapy_notes.errors import UserFacingError
from therapy_notes.services.recovery import RecoveryService
from therapy_notes.storage.database import Database, open_url

pytestmark = pytest.mark.timeout(240)

ROUNDS = 8
"""Notes (or entries) each race is run on: more chances for the transactions to overlap."""


@pytest.fixture
def clinic(
    postgres_server: PostgresServer, postgres_url: str
) -> Iterator[tuple[str, str, Database]]:
    database = open_url(postgres_url, password=postgres_server.password)
    yield postgres_url, postgres_server.password, database
    database.close()


def _both(
    first: tuple[Callable[..., Any], tuple[Any, ...]],
    second: tuple[Callable[..., Any], tuple[Any, ...]],
) -> list[Any]:
    """Run two desktop functions in two spawned processes, released by one barrier."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(2) as pool:
        barrier = manager.Barrier(2, timeout=120)
        pending = [
            pool.apply_async(function, (url, password, barrier, *rest))
            for function, (url, password, *rest) in (first, second)
        ]
        return [p.get(timeout=200) for p in pending]


def _draft_notes(database: Database, count: int, entries_each: int = 1) -> list[int]:
    """`count` stopped sessions, each with a draft note of `entries_each` entries."""
    ids = []
    with database.uow_factory() as uow:
        for n in range(count):
            session_id = uow.sessions.start(None, "soap", "local", START).id
            for e in range(entries_each):
                uow.notes.add_entry(
                    session_id,
                    NoteEntry("subjective", f"Reports pain {n}.{e}.", EntrySource.LOCAL_COMPOSER),
                )
            uow.sessions.set_status(session_id, SessionStatus.DRAFT)
            ids.append(session_id)
    return ids


def _signed_notes(database: Database, count: int) -> list[int]:
    ids = _draft_notes(database, count)
    notes = service(database)
    for session_id in ids:
        asyncio.run(notes.sign(ANA, session_id))
    return ids


def _audit_chain_holds(database: Database) -> list[str]:
    with database.uow_factory() as uow:
        return chain_findings(uow.audit.chain())


def test_two_desktops_record_at_once(clinic: tuple[str, str, Database]) -> None:
    url, password, database = clinic
    turns = 120
    first, second = _both(
        (clinic_desktop.record_session, (url, password, "north", turns)),
        (clinic_desktop.record_session, (url, password, "south", turns)),
    )
    assert first != second
    with database.uow_factory() as uow:
        for session_id, desktop in ((first, "north"), (second, "south")):
            segments = uow.segments.for_session(session_id)
            assert [s.item_id for s in segments] == [f"{desktop}-{t}" for t in range(turns)]
            entries = uow.notes.load(session_id).entries
            assert len(entries) == turns // 4
            assert all(e.text.startswith(desktop) for e in entries)
            trail = uow.audit.for_entity("session", session_id)
            assert len(trail) == turns // 4
        chain = uow.audit.chain()
    assert len(chain) == 2 * (turns // 4)
    assert [r.id for r in chain] == list(range(1, len(chain) + 1))
    assert {r.actor for r in chain} == {"north", "south"}
    assert chain_findings(chain) == []


def test_two_people_saving_the_same_draft_entry_one_wins_the_other_is_told(
    clinic: tuple[str, str, Database],
) -> None:
    url, password, database = clinic
    sessions = _draft_notes(database, ROUNDS)
    with database.uow_factory() as uow:
        shown = {
            e.id: e.version for s in sessions for e in uow.notes.load(s).entries if e.id is not None
        }
    ana, rae = _both(
        (clinic_desktop.edit_entries, (url, password, "ana", shown)),
        (clinic_desktop.edit_entries, (url, password, "rae", shown)),
    )
    notes = service(database)
    for entry_id in shown:
        outcomes = sorted((ana[entry_id][:8], rae[entry_id][:8]))
        assert outcomes == ["conflict", "saved"], (entry_id, ana[entry_id], rae[entry_id])
        winner = "ana" if ana[entry_id] == "saved" else "rae"
        loser_message = (rae if winner == "ana" else ana)[entry_id]
        assert "nothing was overwritten" in loser_message
        assert f"{winner} saved a change" in loser_message
        with database.uow_factory() as uow:
            session_id, entry = uow.notes.get_entry(entry_id)
        assert entry.text == f"Edited by {winner}."
        assert entry.version == shown[entry_id] + 1
        trail = asyncio.run(notes.audit_trail(session_id))
        edits = [r for r in trail if r.action == "entry_edited"]
        assert [r.actor for r in edits] == [winner]
    assert _audit_chain_holds(database) == []


def test_a_reviewer_cosigns_while_a_clinician_amends(clinic: tuple[str, str, Database]) -> None:
    url, password, database = clinic
    sessions = _signed_notes(database, ROUNDS)
    cosigned, amended = _both(
        (clinic_desktop.cosign, (url, password, "rae", sessions)),
        (clinic_desktop.amend, (url, password, "ana", sessions, 2)),
    )
    assert (cosigned, amended) == (ROUNDS, 2 * ROUNDS)
    notes = service(database)
    for session_id in sessions:
        review = asyncio.run(notes.load(BO, session_id))
        assert review.signature_state is SignatureState.VALID, review.findings
        assert review.findings == ()
        assert sorted(s.username for s in review.signatures) == ["ana", "rae"]
        assert [a.text for a in review.addenda] == ["ana addendum 0.", "ana addendum 1."]
    assert _audit_chain_holds(database) == []


def test_two_addenda_to_one_note_at_once_keep_one_chain(
    clinic: tuple[str, str, Database],
) -> None:
    url, password, database = clinic
    sessions = _signed_notes(database, 2)
    _both(
        (clinic_desktop.amend, (url, password, "ana", sessions, 4)),
        (clinic_desktop.amend, (url, password, "rae", sessions, 4)),
    )
    notes = service(database)
    for session_id in sessions:
        review = asyncio.run(notes.load(BO, session_id))
        assert review.signature_state is SignatureState.VALID, review.findings
        assert len(review.addenda) == 8
        assert sorted(a.username for a in review.addenda) == ["ana"] * 4 + ["rae"] * 4
    assert _audit_chain_holds(database) == []


def test_a_sign_off_while_an_entry_is_edited_signs_what_is_stored(
    clinic: tuple[str, str, Database],
) -> None:
    url, password, database = clinic
    sessions = _draft_notes(database, ROUNDS)
    with database.uow_factory() as uow:
        shown = {
            e.id: e.version for s in sessions for e in uow.notes.load(s).entries if e.id is not None
        }
    signed, edits = _both(
        (clinic_desktop.sign, (url, password, "ana", sessions)),
        (clinic_desktop.edit_while_signing, (url, password, "rae", shown)),
    )
    assert signed == ROUNDS
    assert set(edits.values()) <= {"saved", "locked"}
    notes = service(database)
    for session_id in sessions:
        review = asyncio.run(notes.load(BO, session_id))
        # Whichever came first, the signature covers exactly what is stored now.
        assert review.signature_state is SignatureState.VALID, review.findings
        (entry,) = review.note.entries
        assert edits[entry.id or -1] == (
            "saved" if entry.text == "Reviewer's wording." else "locked"
        )
    assert _audit_chain_holds(database) == []


def test_another_desktops_live_recording_is_not_offered_for_recovery_until_it_crashes(
    clinic: tuple[str, str, Database],
) -> None:
    url, password, database = clinic
    recovery = RecoveryService(database.uow_factory)
    with database.uow_factory() as uow:  # this desktop records too
        here = uow.sessions.start(None, "soap", "local", START).id
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    release = context.Event()
    desktop = context.Process(
        target=clinic_desktop.record_until_killed, args=(url, password, send, release)
    )
    desktop.start()
    try:
        assert receive.poll(120), "the other desktop never started recording"
        there = receive.recv()
        assert asyncio.run(recovery.find_interrupted()) == []
        with pytest.raises(UserFacingError, match="being recorded on another computer"):
            asyncio.run(recovery.recover(there, "ana"))
        with database.uow_factory() as uow:
            assert uow.sessions.get(there).status is SessionStatus.RECORDING
    finally:
        desktop.kill()  # a crash: no stop, no commit, the connection just goes
        desktop.join(60)

    async def offered() -> list[int]:
        while True:  # the server notices the closed connection and drops its lease
            found = [s.session_id for s in await recovery.find_interrupted()]
            if found:
                return found
            await asyncio.sleep(0.05)

    assert asyncio.run(asyncio.wait_for(offered(), 60)) == [there]
    recovered = asyncio.run(recovery.recover(there, "ana"))
    assert recovered.segment_count == 1
    with database.uow_factory() as uow:
        assert uow.sessions.get(there).status is SessionStatus.DRAFT
        assert uow.sessions.get(here).status is SessionStatus.RECORDING
        assert uow.sessions.interrupted() == []  # this desktop's own is still alive


@pytest.mark.expected_log(
    "therapy_notes.storage.leases",
    "WARNING",
    match=r"^recording lease connection lost: OperationalError$",
)
def test_a_recording_whose_lease_connection_was_lost_still_stops_and_leases_again(
    clinic: tuple[str, str, Database],
    postgres_server: PostgresServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, _, database = clinic
    with database.uow_factory() as uow:
        first = uow.sessions.start(None, "soap", "local", START).id
    with postgres_server.admin() as conn:  # the server restarts, the VPN drops...
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'clinic_app'"
        )
    with database.uow_factory() as uow:
        assert [s.id for s in uow.sessions.interrupted()] == [first]  # its lease went
        second = uow.sessions.start(None, "soap", "local", START).id  # leases both again
    with database.uow_factory() as uow:
        assert uow.sessions.interrupted() == []
        uow.sessions.set_status(first, SessionStatus.DRAFT)
    with postgres_server.admin() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'clinic_app'"
        )
    with database.uow_factory() as uow:  # stopping never fails on a lost lease connection
        uow.sessions.set_status(second, SessionStatus.DRAFT)
    assert any(m.startswith("recording lease connection lost") for m in caplog.messages)
    with database.uow_factory() as uow:
        assert {s.id for s in uow.sessions.with_status(SessionStatus.DRAFT)} == {first, second}
        assert uow.sessions.with_status(SessionStatus.RECORDING) == []
