"""Reviewing a note before it is signed: the review list, opening it, entries, risks.

Everything a clinician or a reviewer does to a draft: list the notes awaiting review, open
one (its signatures checked by `NoteAccess.load`), read its history, add, edit and delete
entries (each audited with the entry before and after), store the clinician's own text,
and acknowledge a flagged risk. Signing is `signing`'s job; once a note is signed the lock
rule (`note_access.is_signed`) refuses every change here, and later changes are addenda.

A risk is acknowledged only here, from the review or from the window's risk banner (live
too), so each acknowledgement is checked and audited the same way, once
("risk_acknowledged"). The clinician's own field of the live or reopened note is stored
here too, as they type (`save_clinician_text`); it is not audited, as it never was before
review.
"""

from __future__ import annotations

import json

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.note_review import NoteReview
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.session import SessionRecord, SessionStatus
from therapy_notes.domain.users import User
from therapy_notes.errors import EditConflictError, UserFacingError
from therapy_notes.services.note_access import NoteAccess, editor_source, editors
from therapy_notes.services.ports import NotesUnitOfWork


def _entry_json(entry: NoteEntry) -> str:
    return json.dumps(
        {
            "id": entry.id,
            "section": entry.section,
            "text": entry.text,
            "source": entry.source.value,
            "segment_ids": list(entry.segment_ids),
        },
        ensure_ascii=False,
    )


def _conflict(trail: list[AuditRecord], current: NoteEntry) -> EditConflictError:
    """The conflict message, naming whoever saved the entry last (from the audit trail)."""
    who = editors(trail).get(current.id or -1)
    by = f"{who} saved" if who else "Someone else saved"
    return EditConflictError(
        f"{by} a change to this entry after you opened it, so your edit was not saved "
        "and nothing was overwritten. It now reads: "
        f'"{current.text}". Reload the note, then make your change again if it is '
        "still needed."
    )


class ReviewService:
    """List, open and edit draft notes; acknowledge risks. Asyncio, Qt-free.

    Args:
        access: units of work, audit records, the lock rule and the checked load.
    """

    def __init__(self, access: NoteAccess) -> None:
        self._access = access

    # -- reading ----------------------------------------------------------------------------

    async def awaiting_review(self) -> list[SessionRecord]:
        """Sessions whose note is a draft waiting to be reviewed and signed, oldest first."""
        return await self._access.run(lambda uow: uow.sessions.with_status(SessionStatus.DRAFT))

    async def load(self, actor: User, session_id: int) -> NoteReview:
        """The note for review; a signed note's signatures are checked (mismatch audited)."""
        return await self._access.run(lambda uow: self._access.load(uow, actor, session_id, "open"))

    async def audit_trail(self, session_id: int) -> list[AuditRecord]:
        """Every recorded change to the session's note, oldest first."""
        return await self._access.run(lambda uow: self._access.trail(uow, session_id))

    # -- editing ----------------------------------------------------------------------------

    async def add_entry(
        self,
        actor: User,
        session_id: int,
        section: str,
        text: str,
        segment_ids: tuple[int, ...] = (),
    ) -> NoteEntry:
        """Add an entry written by the actor (source clinician or reviewer, by role)."""
        source = editor_source(actor)
        text = text.strip()
        if not text:
            raise UserFacingError("An entry needs some text.")
        access = self._access

        def work(uow: NotesUnitOfWork) -> NoteEntry:
            session = access.require_editable(uow, session_id)
            template = access.template(session.template)
            if section not in template.section_keys:
                raise UserFacingError(
                    f"The {template.title} template has no section {section!r}. "
                    f"Choose one of: {', '.join(template.section_keys)}."
                )
            entry = uow.notes.add_entry(
                session_id, NoteEntry(section, text, source, segment_ids, created_at=access.now())
            )
            access.audit(uow, actor, "entry_added", session_id, after=_entry_json(entry))
            return entry

        return await access.run(work)

    async def edit_entry(
        self, actor: User, entry_id: int, text: str, *, expected_version: int | None = None
    ) -> NoteEntry:
        """Replace an entry's text; it becomes the actor's (clinician or reviewer) entry.

        `expected_version` is the version of the entry the actor was shown. If someone else
        saved the entry since (another desktop, another window), nothing is written and
        `EditConflictError` names who changed it, so no edit is silently overwritten.
        """
        source = editor_source(actor)
        text = text.strip()
        if not text:
            raise UserFacingError("An entry needs some text; delete it instead.")
        access = self._access

        def work(uow: NotesUnitOfWork) -> NoteEntry:
            session_id, _ = uow.notes.get_entry(entry_id)
            access.require_editable(uow, session_id)
            _, before = uow.notes.get_entry(entry_id)  # read again, now that it is held
            if expected_version is not None and before.version != expected_version:
                raise _conflict(access.trail(uow, session_id), before)
            if before.text == text:
                return before
            after = uow.notes.update_entry(
                entry_id, text, source.value, expected_version=before.version
            )
            access.audit(
                uow,
                actor,
                "entry_edited",
                session_id,
                before=_entry_json(before),
                after=_entry_json(after),
            )
            return after

        return await access.run(work)

    async def delete_entry(self, actor: User, entry_id: int) -> None:
        """Delete an entry; its text stays in the audit trail."""
        editor_source(actor)
        access = self._access

        def work(uow: NotesUnitOfWork) -> None:
            session_id, before = uow.notes.get_entry(entry_id)
            access.require_editable(uow, session_id)
            uow.notes.delete_entry(entry_id)
            access.audit(uow, actor, "entry_deleted", session_id, before=_entry_json(before))

        await access.run(work)

    async def save_clinician_text(
        self, session_id: int, section: str, text: str, entry_id: int | None = None
    ) -> NoteEntry:
        """Store the clinician's own text for a section of the live or reopened note.

        Adds the clinician's entry (`entry_id` None) or replaces the text of the one stored
        before; the window saves as the clinician types, so this is not audited (review
        edits are, through `edit_entry`). A signed note refuses it (`NoteLockedError`).
        """

        def work(uow: NotesUnitOfWork) -> NoteEntry:
            if entry_id is None:
                return uow.notes.add_entry(
                    session_id, NoteEntry(section, text, EntrySource.CLINICIAN)
                )
            return uow.notes.update_entry(entry_id, text, EntrySource.CLINICIAN.value)

        return await self._access.run(work)

    async def acknowledge_risk(self, actor: User, session_id: int, risk_id: int) -> None:
        """Record that the clinician has seen a flagged risk (needed before signing).

        The one way a risk is acknowledged: from the review or from the risk banner, also
        while the session is still recording (a risk is seen as it is said). An admin may
        not, a signed note refuses it, and it is audited once ("risk_acknowledged"); a risk
        acknowledged before stays as it was.

        Raises:
            PermissionDeniedError: the actor is an administrator.
            NoteLockedError: the note is signed.
            UserFacingError: the session has no such risk flag.
        """
        editor_source(actor)
        access = self._access

        def work(uow: NotesUnitOfWork) -> None:
            access.require_unsigned(uow, session_id)
            risk = next((r for r in uow.notes.load(session_id).risks if r.id == risk_id), None)
            if risk is None:
                raise UserFacingError(f"Session {session_id} has no risk flag {risk_id}.")
            if risk.acknowledged_at is not None:
                return
            at = access.now()
            uow.notes.acknowledge_risk(risk_id, at)
            access.audit(
                uow,
                actor,
                "risk_acknowledged",
                session_id,
                after=json.dumps(
                    {"risk_id": risk_id, "kind": risk.kind.value, "acknowledged_at": at.isoformat()}
                ),
            )

        await access.run(work)
