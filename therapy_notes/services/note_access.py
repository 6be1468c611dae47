"""What every note use case starts from: its unit of work, its audit record, the lock rule.

Review, signing and export each run their work in a unit of work on a worker thread, audit
what they change under the note's session, refuse to change a signed note, and begin from
the note as stored and checked. Those steps live here once, so the three use cases cannot
drift apart: a note locked for an edit is locked for a signature too, and opening,
co-signing, amending and exporting run the same check and audit a failed one the same way
("signature_mismatch", with what no longer verifies).

Every change goes to the audit trail under the note's session (entity "session"), with the
user, the time, and the entry before and after as JSON. Once the author signs, the note is
read-only in every use case and in storage; later changes are addenda.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.note_lock import LOCKED_MESSAGE, NOTE_AUDIT_ENTITY, is_signed
from therapy_notes.domain.note_review import NoteReview, SignatureState
from therapy_notes.domain.notes import (
    EntrySource,
    NoteTemplate,
)
from therapy_notes.domain.session import SessionRecord, SessionStatus
from therapy_notes.domain.signing import SignedContent, SigningKey
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import NoteLockedError, PermissionDeniedError, UserFacingError
from therapy_notes.services.ports import NotesUnitOfWork, NotesUnitOfWorkFactory
from therapy_notes.services.templates import load_template
from therapy_notes.services.verification import check_note, recorded_sign_offs

logger = logging.getLogger(__name__)

AUDIT_ENTITY = NOTE_AUDIT_ENTITY

_T = TypeVar("_T")


def editors(trail: list[AuditRecord]) -> dict[int, str]:
    """Entry id -> who last added or edited it, from the session's audit trail."""
    found: dict[int, str] = {}
    for record in trail:  # oldest first, so the last edit wins
        if record.action in ("entry_added", "entry_edited") and record.after:
            entry_id = json.loads(record.after).get("id")
            if isinstance(entry_id, int):
                found[entry_id] = record.actor
    return found


_EDITOR_SOURCES = {Role.CLINICIAN: EntrySource.CLINICIAN, Role.REVIEWER: EntrySource.REVIEWER}


def editor_source(actor: User) -> EntrySource:
    """What an entry the actor writes is marked as; an administrator may not change notes."""
    source = _EDITOR_SOURCES.get(actor.role)
    if source is None:
        raise PermissionDeniedError(
            "Administrators cannot change clinical notes. Sign in as the clinician or "
            "reviewer of this note."
        )
    return source


def utc_now() -> datetime:
    """The current aware time, in UTC."""
    return datetime.now(UTC)


class NoteAccess:
    """Units of work, audit records, the lock rule and the checked load, for note use cases.

    Args:
        uow_factory: units of work on the database (run in a worker thread each).
        signing_key: what signatures and addenda are keyed by; the composition root
            derives it from the database key (`storage.signatures.signing_key_for`).
        templates: note templates by name.
        clock: the current aware time (tests pass a fixed one).
    """

    def __init__(
        self,
        uow_factory: NotesUnitOfWorkFactory,
        *,
        signing_key: SigningKey,
        templates: Callable[[str], NoteTemplate] = load_template,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._uow_factory = uow_factory
        self._key = signing_key
        self._templates = templates
        self._clock = clock

    @property
    def signing_key(self) -> SigningKey:
        return self._key

    def now(self) -> datetime:
        """The current aware time, from the clock this was built with."""
        return self._clock()

    def template(self, name: str) -> NoteTemplate:
        """The note template called `name`."""
        return self._templates(name)

    async def run(self, work: Callable[[NotesUnitOfWork], _T]) -> _T:
        """Run `work` in one unit of work on a worker thread: committed if it returns."""

        def in_thread() -> _T:
            with self._uow_factory() as uow:
                return work(uow)

        return await asyncio.to_thread(in_thread)

    def audit(
        self,
        uow: NotesUnitOfWork,
        actor: User,
        action: str,
        session_id: int,
        *,
        before: str | None = None,
        after: str | None = None,
    ) -> None:
        """Record `action` on the session's note, by `actor`, now."""
        uow.audit.record(
            AuditRecord(
                actor.username,
                action,
                AUDIT_ENTITY,
                session_id,
                self._clock(),
                before=before,
                after=after,
            )
        )

    @staticmethod
    def trail(uow: NotesUnitOfWork, session_id: int) -> list[AuditRecord]:
        """Every recorded change to the session's note, oldest first."""
        return uow.audit.for_entity(AUDIT_ENTITY, session_id)

    def content(self, uow: NotesUnitOfWork, session: SessionRecord) -> SignedContent:
        """What a signature of the session's note covers, as stored now."""
        patient = uow.patients.get(session.patient_id) if session.patient_id is not None else None
        return SignedContent(
            note=uow.notes.load(session.id),
            template=self._templates(session.template),
            patient=patient,
            segments=tuple(uow.segments.for_session(session.id)),
        )

    def load(self, uow: NotesUnitOfWork, actor: User, session_id: int, during: str) -> NoteReview:
        """The note as stored, checked; a failed check is logged and audited (`during`)."""
        session = uow.sessions.get(session_id)
        content = self.content(uow, session)
        signatures = tuple(uow.signatures.signatures_for(session_id))
        addenda = tuple(uow.signatures.addenda_for(session_id))
        trail = self.trail(uow, session_id)
        check = check_note(
            self._key, session, content, signatures, addenda, trail, uow.audit.chain()
        )
        if check.mismatches or check.findings:
            state = SignatureState.MISMATCH
            logger.warning(
                "session %s: signature check failed (%d findings)", session_id, len(check.findings)
            )
            self.audit(
                uow,
                actor,
                "signature_mismatch",
                session_id,
                after=json.dumps(
                    {"during": during, "failed": check.mismatches, "findings": check.findings},
                    ensure_ascii=False,
                ),
            )
        else:
            state = SignatureState.VALID if signatures else SignatureState.UNSIGNED
        return NoteReview(
            session=session,
            patient=content.patient,
            template=content.template,
            note=content.note,
            segments=tuple(content.segments),
            signatures=signatures,
            addenda=addenda,
            signature_state=state,
            mismatches=tuple(check.mismatches),
            findings=tuple(check.findings),
            audit_says_signed=check.audit_says_signed,
            editors=editors(trail),
        )

    def require_unsigned(self, uow: NotesUnitOfWork, session_id: int) -> SessionRecord:
        """The session, held (`hold`) for this unit of work, if its note is not signed."""
        session = uow.sessions.hold(session_id)
        if is_signed(
            session.status,
            has_signatures=bool(uow.signatures.signatures_for(session_id)),
            audit_says_signed=bool(recorded_sign_offs(self.trail(uow, session_id))),
        ):
            raise NoteLockedError(LOCKED_MESSAGE)
        return session

    def require_editable(self, uow: NotesUnitOfWork, session_id: int) -> SessionRecord:
        """The session, held (`hold`) for this unit of work, if its note may change."""
        session = self.require_unsigned(uow, session_id)
        if session.status is SessionStatus.RECORDING:
            raise UserFacingError(
                "This session is still recording. Stop the recording before editing its note."
            )
        return session
