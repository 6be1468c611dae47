"""Signatures, addenda and the storage half of the lock: a signed note refuses every change."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from therapy_notes.domain.audit import GENESIS_HASH, AuditAnchor, AuditRecord, chain_findings
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.note_lock import NOTE_AUDIT_ENTITY, SIGNED_ACTION
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
from therapy_notes.domain.signing import SigningKey
from therapy_notes.errors import NoteLockedError, StorageError
from therapy_notes.storage import Database, SqlUnitOfWork, open_database
from therapy_notes.storage.signatures import signing_key_for

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def _sign(uow_factory: UowFactory, session_id: int) -> Signature:
    with uow_factory() as uow:
        signature = uow.signatures.add_signature(
            Signature(
                session_id, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "OTR/L", at(5), "ab" * 32
            )
        )
        uow.sessions.set_status(session_id, SessionStatus.SIGNED)
        return signature


@pytest.fixture
def entry_id(uow_factory: UowFactory, session_id: int) -> int:
    with uow_factory() as uow:
        entry = uow.notes.add_entry(
            session_id, NoteEntry("subjective", "Knee pain 6/10.", EntrySource.MODEL, (1,))
        )
        uow.notes.add_risk(session_id, RiskFlag(RiskKind.FALL_RISK, "Near fall"))
        assert entry.id is not None
        return entry.id


def test_signatures_and_addenda_round_trip_in_order(
    uow_factory: UowFactory, session_id: int, entry_id: int
) -> None:
    author = _sign(uow_factory, session_id)
    with uow_factory() as uow:
        cosigner = uow.signatures.add_signature(
            Signature(
                session_id, SignatureRole.COSIGNER, "rev", "Rae Vo", "PT, DPT", at(9), "cd" * 32
            )
        )
        addendum = uow.signatures.add_addendum(
            Addendum(
                session_id, "ana", "Ana Ruiz", "OTR/L", at(20), "Late entry", "Phoned.", "ef" * 32
            )
        )
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
            session_id, NoteEntry("plan", "Added after signing.", EntrySource.CLINICIAN)
        ),
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
        uow.signatures.add_signature(
            Signature(session_id, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "", at(5), "ab" * 32)
        )
    with pytest.raises(NoteLockedError), uow_factory() as uow:
        uow.notes.update_entry(entry_id, "Changed.", "clinician")


def test_an_audited_sign_off_alone_locks_the_note(
    uow_factory: UowFactory, session_id: int, entry_id: int
) -> None:
    """Signature rows deleted and the status reset behind the app's back: still locked."""
    with uow_factory() as uow:
        uow.notes.update_entry(entry_id, "Knee pain 5/10.", "clinician")
        uow.audit.record(
            AuditRecord("ana", SIGNED_ACTION, NOTE_AUDIT_ENTITY, session_id, at(5), after="{}")
        )
    with pytest.raises(NoteLockedError, match="signed"), uow_factory() as uow:
        uow.notes.update_entry(entry_id, "Changed.", "clinician")
    with uow_factory() as uow:
        assert uow.notes.get_entry(entry_id)[1].text == "Knee pain 5/10."
        assert uow.sessions.get(session_id).status is not SessionStatus.SIGNED


# --- the signing key, keyed rows and the audit chain ---------------------------------------


def test_a_plain_database_gets_an_owner_only_signing_secret_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "therapy_notes.db"
    key = signing_key_for(path, None)
    secret = tmp_path / "therapy_notes.db.signing-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert signing_key_for(path, None) == key  # stable across opens
    assert signing_key_for(tmp_path / "other.db", None) != key
    assert key == SigningKey.from_secret(bytes.fromhex(secret.read_text("ascii")))


def test_an_encrypted_database_signs_with_its_database_key(tmp_path: Path) -> None:
    db_key = DatabaseKey.generate()
    path = tmp_path / "therapy_notes.db"
    assert signing_key_for(path, db_key) == SigningKey.from_database_key(db_key)
    assert not (tmp_path / "therapy_notes.db.signing-secret").exists()


def test_a_damaged_signing_secret_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "therapy_notes.db.signing-secret").write_text("not hex", "ascii")
    with pytest.raises(StorageError, match="signing secret"):
        signing_key_for(tmp_path / "therapy_notes.db", None)


def test_macs_manifest_and_chain_links_round_trip(uow_factory: UowFactory, session_id: int) -> None:
    with uow_factory() as uow:
        signature = uow.signatures.add_signature(
            Signature(
                session_id,
                SignatureRole.AUTHOR,
                "ana",
                "Ana Ruiz",
                "OTR/L",
                at(5),
                "ab" * 32,
                mac="cd" * 32,
                manifest='{"version":2}',
            )
        )
        addendum = uow.signatures.add_addendum(
            Addendum(
                session_id,
                "ana",
                "Ana Ruiz",
                "OTR/L",
                at(6),
                "Late",
                "Phoned.",
                "ef" * 32,
                previous_mac="cd" * 32,
                mac="12" * 32,
            )
        )
    with uow_factory() as uow:
        assert uow.signatures.signatures_for(session_id) == [signature]
        assert signature.mac == "cd" * 32
        assert signature.manifest == '{"version":2}'
        (stored,) = uow.signatures.addenda_for(session_id)
        assert (stored.previous_mac, stored.mac) == ("cd" * 32, "12" * 32)
        assert stored == addendum


def test_every_audit_record_is_chained_and_raw_sql_breaks_the_chain(db: Database) -> None:
    with db.uow_factory() as uow:
        for minute in range(4):
            uow.audit.record(AuditRecord("ana", "entry_added", "session", 1, at(minute)))
        head = uow.audit.head()
    with db.uow_factory() as uow:
        chain = uow.audit.chain()
    assert [r.id for r in chain] == [1, 2, 3, 4]
    assert chain[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in chain[1:]] == [r.record_hash for r in chain[:-1]]
    assert head == AuditAnchor(4, chain[-1].record_hash or "")
    assert chain_findings(chain) == []
    with db.engine.begin() as connection:  # a SQL tool, not the app
        connection.execute(text("DELETE FROM audit_log WHERE id = 2"))
    with db.uow_factory() as uow:
        assert chain_findings(uow.audit.chain()) == [
            "an audit record is missing or edited (record 2)"
        ]


def _database_at_0004_with_audit_rows(path: Path) -> None:
    from alembic import command

    from therapy_notes.storage.database import _alembic_config, create_database_engine

    engine = create_database_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0004")
            for n in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO audit_log (id, actor, action, entity, entity_id, before, "
                        "after, at) VALUES "
                        "(:id, 'ana', 'entry_added', 'session', 1, NULL, :after, :at)"
                    ),
                    {"id": n, "after": f'{{"n": {n}}}', "at": f"2026-03-04 14:0{n}:00.000000"},
                )
    finally:
        engine.dispose()


def test_migration_0005_chains_existing_records_deterministically(tmp_path: Path) -> None:
    chains = []
    for name in ("a.db", "b.db"):
        path = tmp_path / name
        _database_at_0004_with_audit_rows(path)
        db = open_database(path)
        try:
            with db.uow_factory() as uow:
                uow.audit.record(AuditRecord("rae", "signed", "session", 1, at(9)))
                chains.append(uow.audit.chain())
        finally:
            db.close()
    first, second = chains
    assert [r.id for r in first] == [1, 2, 3, 4]
    assert chain_findings(first) == []
    assert [r.record_hash for r in first] == [r.record_hash for r in second]
