"""The signing use case on its own, on an encrypted file: sign-off, co-signature, addenda."""

from __future__ import annotations

import json
import re

import pytest

from tests.services.conftest import NOW, SIGNING_KEY
from tests.services.test_notes import ADMIN, ANA, RAE, Seeded
from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.notes import SignatureRole
from therapy_notes.domain.session import SessionStatus
from therapy_notes.domain.sign_off import NO_ENTRIES, NOT_A_CLINICIAN
from therapy_notes.domain.signing import SigningKey, check_signature, signed_audit_head
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import (
    NoteLockedError,
    PermissionDeniedError,
    SignatureMismatchError,
    UserFacingError,
)
from therapy_notes.services.note_access import NoteAccess
from therapy_notes.services.review import ReviewService
from therapy_notes.services.signing import SigningService

LEE = User("lee", "Lee Park", Role.CLINICIAN, "MS, CCC-SLP")

_CHECK_FAILED = r"^session \d+: signature check failed"


@pytest.fixture
def signing(access: NoteAccess) -> SigningService:
    return SigningService(access)


async def _trail(access: NoteAccess, seeded: Seeded) -> list[AuditRecord]:
    return await access.run(lambda uow: access.trail(uow, seeded.session_id))


async def _acknowledged(access: NoteAccess, seeded: Seeded) -> None:
    await ReviewService(access).acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)


async def test_a_sign_off_is_keyed_anchored_in_the_trail_and_audited(
    access: NoteAccess, signing: SigningService, encrypted: Seeded
) -> None:
    await _acknowledged(access, encrypted)
    (acknowledged,) = await _trail(access, encrypted)
    signature = await signing.sign(ANA, encrypted.session_id)

    assert (signature.role, signature.username, signature.signed_at) == (
        SignatureRole.AUTHOR,
        "ana",
        NOW,
    )
    head = signed_audit_head(signature)
    assert head is not None
    assert head.record_id == acknowledged.id  # the trail up to, not including, "signed"
    content = await access.run(
        lambda uow: access.content(uow, uow.sessions.get(encrypted.session_id))
    )
    assert check_signature(signature, content, SIGNING_KEY) == []

    trail = await _trail(access, encrypted)
    assert [r.action for r in trail] == ["risk_acknowledged", "signed"]
    assert json.loads(trail[-1].after or "") == {
        "signature_id": signature.id,
        "role": "author",
        "signer": "Ana Ruiz, OTR/L",
        "signed_at": NOW.isoformat(),
        "content_sha256": signature.content_sha256,
        "mac": signature.mac,
    }
    session = await access.run(lambda uow: uow.sessions.get(encrypted.session_id))
    assert session.status is SessionStatus.SIGNED


async def test_the_sign_off_rule_of_the_domain_blocks_signing(
    access: NoteAccess, signing: SigningService, encrypted: Seeded
) -> None:
    with pytest.raises(PermissionDeniedError, match=re.escape(NOT_A_CLINICIAN)):
        await signing.sign(RAE, encrypted.session_id)
    with pytest.raises(UserFacingError, match="Fall risk is flagged and not acknowledged"):
        await signing.sign(ANA, encrypted.session_id)
    with encrypted.db.uow_factory() as uow:
        for entry_id in encrypted.entry_ids:
            uow.notes.delete_entry(entry_id)
    await _acknowledged(access, encrypted)
    with pytest.raises(UserFacingError, match=re.escape(NO_ENTRIES)):
        await signing.sign(ANA, encrypted.session_id)
    assert [r.action for r in await _trail(access, encrypted)] == ["risk_acknowledged"]


async def test_a_recording_or_signed_note_cannot_be_signed(
    access: NoteAccess, signing: SigningService, encrypted: Seeded
) -> None:
    await _acknowledged(access, encrypted)
    with encrypted.db.uow_factory() as uow:
        uow.sessions.set_status(encrypted.session_id, SessionStatus.RECORDING)
    with pytest.raises(UserFacingError, match="still recording"):
        await signing.sign(ANA, encrypted.session_id)
    with encrypted.db.uow_factory() as uow:
        uow.sessions.set_status(encrypted.session_id, SessionStatus.DRAFT)
    await signing.sign(ANA, encrypted.session_id)
    with pytest.raises(NoteLockedError):
        await signing.sign(LEE, encrypted.session_id)


async def test_another_clinician_may_cosign_but_once(
    access: NoteAccess, signing: SigningService, encrypted: Seeded
) -> None:
    await _acknowledged(access, encrypted)
    with pytest.raises(UserFacingError, match="not signed yet"):
        await signing.cosign(LEE, encrypted.session_id)
    author = await signing.sign(ANA, encrypted.session_id)
    with pytest.raises(PermissionDeniedError, match="Only a reviewer or a clinician"):
        await signing.cosign(ADMIN, encrypted.session_id)
    cosignature = await signing.cosign(LEE, encrypted.session_id)
    assert (cosignature.role, cosignature.signature_name) == (
        SignatureRole.COSIGNER,
        "Lee Park, MS, CCC-SLP",
    )
    assert cosignature.mac != author.mac
    with pytest.raises(UserFacingError, match="already co-signed"):
        await signing.cosign(LEE, encrypted.session_id)
    trail = await _trail(access, encrypted)
    assert [(r.actor, r.action) for r in trail][-1] == ("lee", "cosigned")
    assert json.loads(trail[-1].after or "")["signature_id"] == cosignature.id


async def test_addenda_are_chained_to_the_signature_and_each_other(
    access: NoteAccess, signing: SigningService, encrypted: Seeded
) -> None:
    await _acknowledged(access, encrypted)
    with pytest.raises(UserFacingError, match="edit it directly"):
        await signing.add_addendum(ANA, encrypted.session_id, "Late entry", "Phoned.")
    signature = await signing.sign(ANA, encrypted.session_id)
    with pytest.raises(UserFacingError, match="needs a reason and a text"):
        await signing.add_addendum(ANA, encrypted.session_id, "  ", "Phoned.")
    with pytest.raises(PermissionDeniedError):
        await signing.add_addendum(ADMIN, encrypted.session_id, "Late entry", "Phoned.")

    first = await signing.add_addendum(RAE, encrypted.session_id, " Late entry ", " Phoned. ")
    second = await signing.add_addendum(ANA, encrypted.session_id, "Update", "Pain 4/10.")
    assert (first.reason, first.text, first.at, first.username) == (
        "Late entry",
        "Phoned.",
        NOW,
        "rae",
    )
    assert first.previous_mac == signature.mac
    assert second.previous_mac == first.mac
    trail = await _trail(access, encrypted)
    added = [json.loads(r.after or "") for r in trail if r.action == "addendum_added"]
    assert added == [
        {"addendum_id": first.id, "reason": "Late entry", "text": "Phoned."},
        {"addendum_id": second.id, "reason": "Update", "text": "Pain 4/10."},
    ]


@pytest.mark.expected_log("therapy_notes.services.note_access", "WARNING", match=_CHECK_FAILED)
async def test_a_note_that_no_longer_verifies_is_not_cosigned_or_amended(
    access: NoteAccess, signing: SigningService, encrypted: Seeded
) -> None:
    await _acknowledged(access, encrypted)
    await signing.sign(ANA, encrypted.session_id)
    wrong = SigningService(
        NoteAccess(encrypted.db.uow_factory, signing_key=SigningKey(b"\x04" * 32))
    )
    with pytest.raises(SignatureMismatchError, match="so it was not co-signed"):
        await wrong.cosign(RAE, encrypted.session_id)
    with pytest.raises(SignatureMismatchError, match="so it was not amended"):
        await wrong.add_addendum(ANA, encrypted.session_id, "Late entry", "Phoned.")
    trail = await _trail(access, encrypted)
    mismatches = [json.loads(r.after or "") for r in trail if r.action == "signature_mismatch"]
    assert [m["during"] for m in mismatches] == ["cosign", "addendum"]
    assert {"cosigned", "addendum_added"}.isdisjoint(r.action for r in trail)
