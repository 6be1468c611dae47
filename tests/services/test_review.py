"""The review use case on its own, on an encrypted file: drafts, entries, conflicts, locks."""

from __future__ import annotations

import json

import pytest

from tests.services.conftest import NOW
from tests.services.test_notes import ADMIN, ANA, RAE, Seeded
from therapy_notes.domain.note_review import SignatureState
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.session import SessionStatus
from therapy_notes.errors import (
    EditConflictError,
    NoteLockedError,
    PermissionDeniedError,
    UserFacingError,
)
from therapy_notes.services.note_access import NoteAccess
from therapy_notes.services.review import ReviewService
from therapy_notes.services.signing import SigningService


@pytest.fixture
def review(access: NoteAccess) -> ReviewService:
    return ReviewService(access)


async def _actions(review: ReviewService, seeded: Seeded) -> list[tuple[str, str]]:
    return [(r.actor, r.action) for r in await review.audit_trail(seeded.session_id)]


async def test_drafts_are_listed_and_open_with_provenance(
    review: ReviewService, encrypted: Seeded
) -> None:
    assert [s.id for s in await review.awaiting_review()] == [encrypted.session_id]
    added = await review.add_entry(
        RAE, encrypted.session_id, "plan", "  Review in a week.  ", (encrypted.segment_ids[1],)
    )
    assert added.text == "Review in a week."  # trimmed
    assert added.created_at == NOW
    opened = await review.load(ANA, encrypted.session_id)
    assert opened.signature_state is SignatureState.UNSIGNED
    (plan,) = opened.note.entries_in("plan")
    assert plan.source is EntrySource.REVIEWER
    assert opened.last_edited_by(plan) == "rae"
    assert [s.item_id for s in opened.segments_of(plan)] == ["item_2"]


async def test_a_stale_edit_is_refused_naming_who_saved_first(
    review: ReviewService, encrypted: Seeded
) -> None:
    entry_id = encrypted.entry_ids[0]
    (shown,) = [
        e for e in (await review.load(ANA, encrypted.session_id)).note.entries if e.id == entry_id
    ]
    saved = await review.edit_entry(RAE, entry_id, "Knee pain 6/10.", expected_version=1)
    assert saved.version == shown.version + 1

    with pytest.raises(EditConflictError, match=r'^rae saved a change.*"Knee pain 6/10\."'):
        await review.edit_entry(ANA, entry_id, "Left knee pain.", expected_version=shown.version)
    (entry,) = [
        e for e in (await review.load(ANA, encrypted.session_id)).note.entries if e.id == entry_id
    ]
    assert (entry.text, entry.source) == ("Knee pain 6/10.", EntrySource.REVIEWER)
    assert await _actions(review, encrypted) == [("rae", "entry_edited")]


async def test_a_conflict_on_an_entry_nobody_edited_in_review_names_no_one(
    review: ReviewService, encrypted: Seeded
) -> None:
    with encrypted.db.uow_factory() as uow:  # the live session's composer rewrites it
        uow.notes.update_entry(encrypted.entry_ids[1], "Fell twice.", "model")
    with pytest.raises(EditConflictError, match=r"^Someone else saved a change"):
        await review.edit_entry(ANA, encrypted.entry_ids[1], "Near fall.", expected_version=1)


async def test_an_unchanged_edit_writes_and_audits_nothing(
    review: ReviewService, encrypted: Seeded
) -> None:
    same = await review.edit_entry(RAE, encrypted.entry_ids[0], " Reports left knee pain 6/10. ")
    assert (same.version, same.source) == (1, EntrySource.LOCAL_COMPOSER)
    assert await _actions(review, encrypted) == []


async def test_empty_text_and_admins_are_refused_before_any_change(
    review: ReviewService, encrypted: Seeded
) -> None:
    with pytest.raises(UserFacingError, match="needs some text"):
        await review.add_entry(ANA, encrypted.session_id, "plan", "   ")
    with pytest.raises(UserFacingError, match="delete it instead"):
        await review.edit_entry(ANA, encrypted.entry_ids[0], "")
    with pytest.raises(PermissionDeniedError):
        await review.delete_entry(ADMIN, encrypted.entry_ids[0])
    with pytest.raises(PermissionDeniedError):
        await review.add_entry(ADMIN, encrypted.session_id, "plan", "x")
    assert len((await review.load(ANA, encrypted.session_id)).note.entries) == 2
    assert await _actions(review, encrypted) == []


async def test_a_recording_note_takes_risk_acknowledgements_but_no_edits(
    review: ReviewService, encrypted: Seeded
) -> None:
    with encrypted.db.uow_factory() as uow:
        uow.sessions.set_status(encrypted.session_id, SessionStatus.RECORDING)
    for attempt in (
        review.add_entry(ANA, encrypted.session_id, "plan", "Walk daily."),
        review.edit_entry(ANA, encrypted.entry_ids[0], "Changed."),
        review.delete_entry(ANA, encrypted.entry_ids[0]),
    ):
        with pytest.raises(UserFacingError, match="still recording"):
            await attempt
    await review.acknowledge_risk(RAE, encrypted.session_id, encrypted.risk_id)
    (record,) = await review.audit_trail(encrypted.session_id)
    assert (record.actor, record.action, record.at) == ("rae", "risk_acknowledged", NOW)
    assert json.loads(record.after or "")["acknowledged_at"] == NOW.isoformat()


async def test_a_signed_note_refuses_review_changes_and_leaves_the_list(
    access: NoteAccess, review: ReviewService, encrypted: Seeded
) -> None:
    await review.acknowledge_risk(ANA, encrypted.session_id, encrypted.risk_id)
    await SigningService(access).sign(ANA, encrypted.session_id)
    assert await review.awaiting_review() == []
    for attempt in (
        review.add_entry(ANA, encrypted.session_id, "plan", "Late."),
        review.edit_entry(RAE, encrypted.entry_ids[0], "Late."),
        review.delete_entry(RAE, encrypted.entry_ids[0]),
    ):
        with pytest.raises(NoteLockedError, match="Add an addendum"):
            await attempt
    with pytest.raises(NoteLockedError):  # storage's lock, the last line
        await review.save_clinician_text(encrypted.session_id, "plan", "Late.")
    assert [a for _, a in await _actions(review, encrypted)] == ["risk_acknowledged", "signed"]
