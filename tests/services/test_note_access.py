"""What every note use case shares, on an encrypted file: units of work, the lock rule, the load."""

from __future__ import annotations

import json

import pytest

from tests.services.conftest import NOW
from tests.services.test_notes import ADMIN, ANA, RAE, Seeded
from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.session import SessionStatus
from therapy_notes.domain.signing import SigningKey
from therapy_notes.errors import NoteLockedError, PermissionDeniedError, UserFacingError
from therapy_notes.services.note_access import (
    AUDIT_ENTITY,
    NoteAccess,
    SignatureState,
    editor_source,
    editors,
)
from therapy_notes.services.ports import NotesUnitOfWork
from therapy_notes.services.review import ReviewService
from therapy_notes.services.signing import SigningService

_CHECK_FAILED = r"^session \d+: signature check failed \(\d+ findings\)$"


def test_the_database_file_is_encrypted(encrypted: Seeded) -> None:
    assert not encrypted.path.read_bytes().startswith(b"SQLite format 3\x00")


def test_editor_source_by_role() -> None:
    assert editor_source(ANA) is EntrySource.CLINICIAN
    assert editor_source(RAE) is EntrySource.REVIEWER
    with pytest.raises(PermissionDeniedError, match="Administrators cannot change"):
        editor_source(ADMIN)


def test_editors_names_the_last_to_add_or_edit_each_entry() -> None:
    def record(actor: str, action: str, entry_id: object) -> AuditRecord:
        return AuditRecord(actor, action, AUDIT_ENTITY, 1, NOW, after=json.dumps({"id": entry_id}))

    trail = [
        record("ana", "entry_added", 7),
        record("rae", "entry_edited", 7),
        record("ana", "entry_added", 8),
        record("rae", "entry_deleted", 8),  # a deletion is not an edit
        record("rae", "entry_edited", "9"),  # not an entry id
        AuditRecord("ana", "entry_edited", AUDIT_ENTITY, 1, NOW),  # nothing after
    ]
    assert editors(trail) == {7: "rae", 8: "ana"}


async def test_a_unit_of_work_commits_what_its_work_audits(
    access: NoteAccess, encrypted: Seeded
) -> None:
    await access.run(lambda uow: access.audit(uow, ANA, "entry_added", encrypted.session_id))
    trail = await access.run(lambda uow: access.trail(uow, encrypted.session_id))
    assert [(r.actor, r.action, r.entity, r.at) for r in trail] == [
        ("ana", "entry_added", "session", NOW)
    ]


async def test_a_unit_of_work_that_raises_keeps_nothing(
    access: NoteAccess, encrypted: Seeded
) -> None:
    def work(uow: NotesUnitOfWork) -> None:
        access.audit(uow, ANA, "entry_added", encrypted.session_id)
        uow.sessions.set_status(encrypted.session_id, SessionStatus.SIGNED)
        raise UserFacingError("refused half way")

    with pytest.raises(UserFacingError, match="half way"):
        await access.run(work)
    assert await access.run(lambda uow: access.trail(uow, encrypted.session_id)) == []
    session = await access.run(lambda uow: uow.sessions.get(encrypted.session_id))
    assert session.status is SessionStatus.DRAFT


async def test_a_draft_may_change_but_not_while_it_records(
    access: NoteAccess, encrypted: Seeded
) -> None:
    held = await access.run(lambda uow: access.require_editable(uow, encrypted.session_id))
    assert held.id == encrypted.session_id
    with encrypted.db.uow_factory() as uow:
        uow.sessions.set_status(encrypted.session_id, SessionStatus.RECORDING)
    live = await access.run(lambda uow: access.require_unsigned(uow, encrypted.session_id))
    assert live.status is SessionStatus.RECORDING  # a live note is not signed
    with pytest.raises(UserFacingError, match="still recording"):
        await access.run(lambda uow: access.require_editable(uow, encrypted.session_id))


async def test_the_audit_trail_alone_keeps_a_note_locked(
    access: NoteAccess, encrypted: Seeded
) -> None:
    """A "signed" record with no signature row and a draft status: still locked."""
    await access.run(
        lambda uow: access.audit(
            uow, ANA, "signed", encrypted.session_id, after=json.dumps({"signature_id": 1})
        )
    )
    with pytest.raises(NoteLockedError, match="signed and can no longer be edited"):
        await access.run(lambda uow: access.require_unsigned(uow, encrypted.session_id))


async def test_load_gives_the_stored_note_unsigned_and_audits_nothing(
    access: NoteAccess, encrypted: Seeded
) -> None:
    review = await access.run(lambda uow: access.load(uow, RAE, encrypted.session_id, "open"))
    assert review.signature_state is SignatureState.UNSIGNED
    assert (review.mismatches, review.findings, review.audit_says_signed) == ((), (), False)
    assert [e.id for e in review.note.entries] == encrypted.entry_ids
    assert [s.id for s in review.segments] == encrypted.segment_ids
    assert review.patient is not None
    assert review.patient.name == "Dana Reyes"
    assert review.template.name == "soap"
    assert await access.run(lambda uow: access.trail(uow, encrypted.session_id)) == []


async def _sign(access: NoteAccess, encrypted: Seeded) -> None:
    await ReviewService(access).acknowledge_risk(ANA, encrypted.session_id, encrypted.risk_id)
    await SigningService(access).sign(ANA, encrypted.session_id)


async def test_load_of_a_signed_note_verifies_and_remembers_the_sign_off(
    access: NoteAccess, encrypted: Seeded
) -> None:
    await _sign(access, encrypted)
    review = await access.run(lambda uow: access.load(uow, RAE, encrypted.session_id, "open"))
    assert review.signature_state is SignatureState.VALID
    assert review.audit_says_signed
    assert review.is_locked
    assert review.author_signature is not None
    assert review.author_signature.username == "ana"
    actions = [r.action for r in await access.run(lambda u: access.trail(u, encrypted.session_id))]
    assert actions == ["risk_acknowledged", "signed"]  # a check that passes is not audited


@pytest.mark.expected_log("therapy_notes.services.note_access", "WARNING", match=_CHECK_FAILED)
async def test_load_audits_a_failed_check_with_what_it_was_for(
    access: NoteAccess, encrypted: Seeded
) -> None:
    await _sign(access, encrypted)
    other = NoteAccess(encrypted.db.uow_factory, signing_key=SigningKey(b"\x02" * 32))
    review = await other.run(lambda uow: other.load(uow, RAE, encrypted.session_id, "during-x"))
    assert review.signature_state is SignatureState.MISMATCH
    assert review.is_locked
    (signature,) = review.signatures
    assert review.mismatches == (f"signature {signature.id} (author, ana)",)

    trail = await access.run(lambda uow: access.trail(uow, encrypted.session_id))
    (record,) = [r for r in trail if r.action == "signature_mismatch"]
    assert record.actor == "rae"
    assert json.loads(record.after or "") == {
        "during": "during-x",
        "failed": list(review.mismatches),
        "findings": list(review.findings),
    }
