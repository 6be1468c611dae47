"""A note as the reviewer sees it: content, provenance, signatures and what their check found.

The read model the review use cases return and the review widgets draw, so it lives with
the other domain types and the window needs nothing from the services to show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from therapy_notes.domain.note_lock import is_signed
from therapy_notes.domain.notes import (
    Addendum,
    Note,
    NoteEntry,
    NoteTemplate,
    Signature,
    SignatureRole,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord


class SignatureState(StrEnum):
    """What the check of a note's signatures found when it was opened or exported."""

    UNSIGNED = "unsigned"
    VALID = "valid"
    MISMATCH = "mismatch"
    """The stored note no longer matches what was signed: changed outside the app."""


@dataclass(frozen=True, slots=True)
class NoteReview:
    """A note as loaded for review: content, provenance, signatures and their check."""

    session: SessionRecord
    patient: Patient | None
    template: NoteTemplate
    note: Note
    segments: tuple[Segment, ...]
    signatures: tuple[Signature, ...]
    addenda: tuple[Addendum, ...]
    signature_state: SignatureState
    mismatches: tuple[str, ...] = ()
    """Which signatures or addenda failed the check, e.g. "signature 1 (author, ana)"."""
    findings: tuple[str, ...] = ()
    """What exactly no longer verifies, in words for the clinician, e.g. "the transcript
    was changed" or "an audit record is missing or edited (record 40)"."""
    audit_says_signed: bool = False
    """The audit trail records a sign-off, whatever the signature rows now say."""
    editors: Mapping[int, str] = field(default_factory=dict)
    """Entry id -> user name of whoever last added or edited it in review (from the audit
    trail); entries the model or local composer wrote and nobody touched are absent."""

    @property
    def is_locked(self) -> bool:
        """True once signed: entries can no longer change, only addenda be added."""
        return is_signed(
            self.session.status,
            has_signatures=bool(self.signatures),
            audit_says_signed=self.audit_says_signed,
        )

    @property
    def author_signature(self) -> Signature | None:
        return next((s for s in self.signatures if s.role is SignatureRole.AUTHOR), None)

    def last_edited_by(self, entry: NoteEntry) -> str | None:
        """The user who last added or edited `entry`, or None if no one has."""
        return self.editors.get(entry.id) if entry.id is not None else None

    def segments_of(self, entry: NoteEntry) -> list[Segment]:
        """The transcript segments an entry came from, in transcript order."""
        wanted = set(entry.segment_ids)
        return [s for s in self.segments if s.id in wanted]
