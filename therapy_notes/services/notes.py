"""The notes service the window and the command line hold: a note's whole lifecycle.

The use cases live in modules of their own: `review` (the review list, opening a note,
entries, the clinician's text, risk acknowledgement), `signing` (sign-off, co-signature,
addenda) and `note_export` (the export view), over one `note_access.NoteAccess` (units of
work, audit records, the lock rule and the signature check, in `verification`). This thin
facade gives the composition roots, the controllers and their tests one object to pass
around, built once with one key, clock and set of templates so the three use cases never
disagree; it adds no rule of its own. `NoteReview` and `SignatureState` are exported here
as well, for the views that draw a loaded note.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.document import NoteDocument
from therapy_notes.domain.note_review import NoteReview
from therapy_notes.domain.notes import Addendum, NoteEntry, NoteTemplate, Signature
from therapy_notes.domain.session import SessionRecord
from therapy_notes.domain.signing import SigningKey
from therapy_notes.domain.users import User
from therapy_notes.services.note_access import NoteAccess, utc_now
from therapy_notes.services.note_export import NoteExportService
from therapy_notes.services.ports import NotesUnitOfWorkFactory
from therapy_notes.services.review import ReviewService
from therapy_notes.services.signing import SigningService
from therapy_notes.services.templates import load_template

__all__ = ["NotesService"]


class NotesService:
    """Review, sign, co-sign and amend notes; build export views. Asyncio, Qt-free.

    Each method is the same-named one of `ReviewService`, `SigningService` or
    `NoteExportService`, which document it.

    Args:
        uow_factory: units of work on the database (run in a worker thread each).
        signing_key: what signatures and addenda are keyed by; the composition root
            derives it from the database key (`storage.signatures.signing_key_for`).
        templates: note templates by name.
        clock: the current aware time (tests pass a fixed one).
        tz: the time zone documents print times in (default: this computer's).
    """

    def __init__(
        self,
        uow_factory: NotesUnitOfWorkFactory,
        *,
        signing_key: SigningKey,
        templates: Callable[[str], NoteTemplate] = load_template,
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        access = NoteAccess(uow_factory, signing_key=signing_key, templates=templates, clock=clock)
        self._review = ReviewService(access)
        self._signing = SigningService(access)
        self._export = NoteExportService(access, tz=tz)

    # -- review -----------------------------------------------------------------------------

    async def awaiting_review(self) -> list[SessionRecord]:
        """Draft notes waiting to be reviewed and signed, oldest first."""
        return await self._review.awaiting_review()

    async def load(self, actor: User, session_id: int) -> NoteReview:
        """The note for review, its signatures checked (a mismatch audited)."""
        return await self._review.load(actor, session_id)

    async def audit_trail(self, session_id: int) -> list[AuditRecord]:
        """Every recorded change to the session's note, oldest first."""
        return await self._review.audit_trail(session_id)

    async def add_entry(
        self,
        actor: User,
        session_id: int,
        section: str,
        text: str,
        segment_ids: tuple[int, ...] = (),
    ) -> NoteEntry:
        """Add an entry written by the actor."""
        return await self._review.add_entry(actor, session_id, section, text, segment_ids)

    async def edit_entry(
        self, actor: User, entry_id: int, text: str, *, expected_version: int | None = None
    ) -> NoteEntry:
        """Replace an entry's text, unless someone saved it since `expected_version`."""
        return await self._review.edit_entry(
            actor, entry_id, text, expected_version=expected_version
        )

    async def delete_entry(self, actor: User, entry_id: int) -> None:
        """Delete an entry; its text stays in the audit trail."""
        await self._review.delete_entry(actor, entry_id)

    async def save_clinician_text(
        self, session_id: int, section: str, text: str, entry_id: int | None = None
    ) -> NoteEntry:
        """Store the clinician's own text for a section of the live or reopened note."""
        return await self._review.save_clinician_text(session_id, section, text, entry_id)

    async def acknowledge_risk(self, actor: User, session_id: int, risk_id: int) -> None:
        """Record that the clinician has seen a flagged risk (needed before signing)."""
        await self._review.acknowledge_risk(actor, session_id, risk_id)

    # -- signing ----------------------------------------------------------------------------

    async def sign(self, actor: User, session_id: int) -> Signature:
        """Sign the note as its author; it is locked from then on."""
        return await self._signing.sign(actor, session_id)

    async def cosign(self, actor: User, session_id: int) -> Signature:
        """Add a co-signature to a signed, unaltered note."""
        return await self._signing.cosign(actor, session_id)

    async def add_addendum(self, actor: User, session_id: int, reason: str, text: str) -> Addendum:
        """Amend a signed note; the note stays as signed."""
        return await self._signing.add_addendum(actor, session_id, reason, text)

    # -- export -----------------------------------------------------------------------------

    async def export_document(
        self,
        actor: User,
        session_id: int,
        *,
        export_format: str,
        clinic_name: str = "",
        include_transcript: bool = False,
    ) -> NoteDocument:
        """The export view of a note, after checking its signatures; audited."""
        return await self._export.export_document(
            actor,
            session_id,
            export_format=export_format,
            clinic_name=clinic_name,
            include_transcript=include_transcript,
        )
