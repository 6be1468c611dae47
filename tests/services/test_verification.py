"""The note check on its own, fed what a real encrypted file stores, then pieces of it removed."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest

from tests.services.conftest import NOW, SIGNING_KEY
from tests.services.test_notes import ANA, RAE, Seeded
from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.notes import Addendum, Signature, SignatureRole
from therapy_notes.domain.session import SessionRecord, SessionStatus
from therapy_notes.domain.signing import SignedContent, SigningKey
from therapy_notes.services.note_access import AUDIT_ENTITY, NoteAccess
from therapy_notes.services.ports import NotesUnitOfWork
from therapy_notes.services.review import ReviewService
from therapy_notes.services.signing import SigningService
from therapy_notes.services.verification import (
    NoteCheck,
    check_note,
    mismatch_error,
    recorded_ids,
    recorded_sign_offs,
)


@dataclass(frozen=True)
class Stored:
    """Everything `check_note` reads, as the database holds it."""

    session: SessionRecord
    content: SignedContent
    signatures: tuple[Signature, ...]
    addenda: tuple[Addendum, ...]
    trail: list[AuditRecord]
    chain: list[AuditRecord]

    def check(self, key: SigningKey = SIGNING_KEY, **replaced: object) -> NoteCheck:
        stored = dataclasses.replace(self, **replaced)  # type: ignore[arg-type]
        return check_note(
            key,
            stored.session,
            stored.content,
            stored.signatures,
            stored.addenda,
            stored.trail,
            stored.chain,
        )


async def _stored(access: NoteAccess, session_id: int) -> Stored:
    def read(uow: NotesUnitOfWork) -> Stored:
        session = uow.sessions.get(session_id)
        return Stored(
            session,
            access.content(uow, session),
            tuple(uow.signatures.signatures_for(session_id)),
            tuple(uow.signatures.addenda_for(session_id)),
            uow.audit.for_entity(AUDIT_ENTITY, session_id),
            uow.audit.chain(),
        )

    return await access.run(read)


async def _signed_amended_cosigned(access: NoteAccess, seeded: Seeded) -> Stored:
    await ReviewService(access).acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    signing = SigningService(access)
    await signing.sign(ANA, seeded.session_id)
    await signing.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned.")
    await signing.add_addendum(ANA, seeded.session_id, "Update", "Pain now 4/10.")
    await signing.cosign(RAE, seeded.session_id)
    return await _stored(access, seeded.session_id)


async def test_a_draft_passes_and_no_sign_off_is_recorded(
    access: NoteAccess, encrypted: Seeded
) -> None:
    stored = await _stored(access, encrypted.session_id)
    assert stored.check() == NoteCheck([], [], audit_says_signed=False)


async def test_an_untouched_signed_note_passes_with_its_sign_off_recorded(
    access: NoteAccess, encrypted: Seeded
) -> None:
    stored = await _signed_amended_cosigned(access, encrypted)
    assert [s.role for s in stored.signatures] == [SignatureRole.AUTHOR, SignatureRole.COSIGNER]
    assert len(stored.addenda) == 2
    assert stored.check() == NoteCheck([], [], audit_says_signed=True)


async def test_another_key_fails_every_signature_and_addendum(
    access: NoteAccess, encrypted: Seeded
) -> None:
    stored = await _signed_amended_cosigned(access, encrypted)
    author, cosigner = stored.signatures
    first, second = stored.addenda
    check = stored.check(SigningKey(b"\x03" * 32))
    assert check.mismatches == [
        f"signature {author.id} (author, ana)",
        f"signature {cosigner.id} (cosigner, rae)",
        f"addendum {first.id} (ana)",
        f"addendum {second.id} (ana)",
    ]
    assert "addendum 1 was changed" in check.findings
    assert "addendum 2 was changed" in check.findings
    assert len(check.findings) == len(set(check.findings))  # each finding once


async def test_missing_signature_rows_are_named_from_the_audit_trail(
    access: NoteAccess, encrypted: Seeded
) -> None:
    stored = await _signed_amended_cosigned(access, encrypted)
    author, cosigner = stored.signatures

    without_cosignature = stored.check(signatures=(author,))
    assert without_cosignature.mismatches == []
    assert without_cosignature.findings == [
        f"signature {cosigner.id} was removed, though the audit trail records it"
    ]

    check = stored.check(signatures=())
    assert "the note is marked signed but has no signature" in check.mismatches
    assert (
        "the signature was removed from a note that the audit trail says was signed"
        in check.findings
    )
    assert f"signature {cosigner.id} was removed, though the audit trail records it" in (
        check.findings
    )
    assert check.audit_says_signed

    unsigned = dataclasses.replace(stored.session, status=SessionStatus.DRAFT)
    reset = stored.check(signatures=(), session=unsigned)
    assert "the note is marked signed but has no signature" not in reset.mismatches
    assert reset.audit_says_signed  # the trail still remembers the sign-off


async def test_a_removed_addendum_and_a_broken_chain_are_named(
    access: NoteAccess, encrypted: Seeded
) -> None:
    stored = await _signed_amended_cosigned(access, encrypted)
    first, second = stored.addenda

    check = stored.check(addenda=(second,))
    assert f"an addendum was removed (addendum id {first.id} is in the audit trail)" in (
        check.findings
    )
    assert "addendum 1 is not chained to this note's signature" in check.findings

    dropped = stored.chain[1]
    assert dropped.id is not None
    broken = stored.check(chain=[r for r in stored.chain if r is not dropped])
    assert "the audit trail" in broken.mismatches
    assert f"an audit record is missing or edited (record {dropped.id})" in broken.findings


def test_recorded_ids_reads_only_the_action_and_integer_ids() -> None:
    def record(action: str, after: object) -> AuditRecord:
        return AuditRecord("ana", action, AUDIT_ENTITY, 1, NOW, after=json.dumps(after))

    trail = [
        record("signed", {"signature_id": 4}),
        record("cosigned", {"signature_id": 5}),
        record("signed", {"signature_id": "6"}),
        record("signed", {"other": 7}),
        AuditRecord("ana", "signed", AUDIT_ENTITY, 1, NOW),
        record("signed", {"signature_id": 8}),
    ]
    assert recorded_sign_offs(trail) == [4, 8]
    assert recorded_ids(trail, "cosigned", "signature_id") == [5]


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((), "so it was not exported. The check has been recorded"),
        (
            ("the transcript was changed", "addendum 2 was changed"),
            "so it was not exported. What no longer verifies: the transcript was changed; "
            "addendum 2 was changed. The check has been recorded",
        ),
    ],
)
def test_a_refusal_says_what_was_refused_and_what_no_longer_verifies(
    findings: tuple[str, ...], expected: str
) -> None:
    message = str(mismatch_error(12, "exported", findings))
    assert message.startswith("The signed note of session 12 no longer matches its signature")
    assert expected in message
