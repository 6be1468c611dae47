"""Signatures, addenda and the storage half of the lock: a signed note refuses every change."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from therapy_notes.domain.notes import (
    Addendum,
    EntrySource,
    Measurement,
    NoteEntry,
    RiskFlag,
    RiskKind,
    Signature,
    SignatureRole,
)
from therapy_notes.domain.session import SessionStatus
from therapy_notes.errors import NoteLockedError
from therapy_notes.storage import SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def _sign(uow_factory: UowFactory, session_id: int) -> Signature:
    with uow_factory() as uow:
        signature = uow.signatures.add_signature(
            Signature(session_id, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "OTR/L", at(5),
                      "ab" * 32)
        )
        uow.sessions.set_status(session_id, SessionStatus.SIGNED)
        return signature


@pytest.fixture
def entry_id(uow_factory: UowFactory, session_id: int) -> int:
    with uow_factory() as uow:
        entry = uow.notes.add_entry(
            session_id, NoteEntry("subjective", "Knee pain 6/10.", EntrySource.MODEL, (1,)))
        uow.notes.add_risk(session_id, RiskFlag(RiskKind.FALL_RISK, "Near fall"))
        assert entry.id is not None
        return entry.id


def test_signatures_and_addenda_round_trip_in_order(uow_factory: UowFactory, session_id: int,
                                                    entry_id: int) -> None:
    author = _sign(uow_factory, session_id)
    with uow_factory() as uow:
        cosigner = uow.signatures.add_signature(Signature(
            session_id, SignatureRole.COSIGNER, "rev", "Rae Vo", "PT, DPT", at(9), "cd" * 32))
        addendum = uow.signatures.add_addendum(Addendum(
            session_id, "ana", "Ana Ruiz", "OTR/L", at(20), "Late entry", "Phoned.", "ef" * 32))
    with uow_factory() as uow:
        assert uow.signatures.signatures_for(session_id) == [author, cosigner]
        assert uow.signatures.addenda_for(session_id) == [addendum]
    assert author.signed_at == at(5)
    assert author.id is not None
    assert addendum.id is not None


def test_unsigned_note_entries_can_be_read_changed_and_deleted(
    uow_factory: UowFactory, session_id: int, entry_id: int
) -> None:
    with uow_factory() as uow:
        assert uow.notes.get_entry(entry_id)[0] == session_id
        uow.notes.update_entry(entry_id, "Knee pain 5/10.", "clinician")
    with uow_factory() as uow:
        assert uow.notes.get_entry(entry_id)[1].text == "Knee pain 5/10."
        uow.notes.delete_entry(entry_id)
    with uow_factory() as uow:
        assert uow.notes.load(session_id).entries == []


def test_signed_note_refuses_every_change_through_the_repository(
    uow_factory: UowFactory, session_id: int, entry_id: int
) -> None:
    _sign(uow_factory, session_id)
    with uow_factory() as uow:
        risk_id = uow.notes.load(session_id).risks[0].id
    assert risk_id is not None
    attempts: list[Callable[[SqlUnitOfWork], object]] = [
        lambda u: u.notes.update_entry(entry_id, "Changed after signing.", "clinician"),
        lambda u: u.notes.add_entry(
            session_id, NoteEntry("plan", "Added after signing.", EntrySource.CLINICIAN)),
        lambda u: u.notes.delete_entry(entry_id),
        lambda u: u.notes.add_measurement(session_id, Measurement("pain_score", 2.0)),
        lambda u: u.notes.add_risk(session_id, RiskFlag(RiskKind.SELF_HARM, "x")),
        lambda u: u.notes.acknowledge_risk(risk_id, at(30)),
        lambda u: u.sessions.set_status(session_id, SessionStatus.DRAFT),
        lambda u: u.sessions.delete(session_id),
    ]
    for attempt in attempts:
        with pytest.raises(NoteLockedError, match="signed"), uow_factory() as uow:
            attempt(uow)
    with uow_factory() as uow:
        note = uow.notes.load(session_id)
        assert [e.text for e in note.entries] == ["Knee pain 6/10."]
        assert note.measurements == []
        assert note.risks[0].acknowledged_at is None
        assert uow.sessions.get(session_id).status is SessionStatus.SIGNED


def test_a_signature_row_alone_locks_the_note(
    uow_factory: UowFactory, session_id: int, entry_id: int
) -> None:
    with uow_factory() as uow:
        uow.sessions.set_status(session_id, SessionStatus.DRAFT)
        uow.signatures.add_signature(Signature(
            session_id, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "", at(5), "ab" * 32))
    with pytest.raises(NoteLockedError), uow_factory() as uow:
        uow.notes.update_entry(entry_id, "Changed.", "clinician")
