"""What stands between a draft note and its signature: the rule the sign dialog shows.

One rule, used twice: the notes service refuses a signature that it blocks, and the
confirmation the clinician sees before signing lists the same blockers and warnings, so
the dialog never says "ready" for a note the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from therapy_notes.domain.notes import Note, NoteTemplate
from therapy_notes.domain.users import Role, User

NO_ENTRIES = "The note has no entries yet, so there is nothing to sign."
NOT_A_CLINICIAN = "Only a clinician can sign a note. A reviewer can co-sign it once it is signed."


@dataclass(frozen=True, slots=True)
class SectionCount:
    """One template section and how many entries the note has in it."""

    title: str
    entries: int


@dataclass(frozen=True, slots=True)
class SignOffCheck:
    """A note's readiness to be signed.

    `blockers` must all be resolved before the note can be signed (an unacknowledged risk,
    an empty note); `warnings` are worth a second look but do not stop the signature (a
    section with nothing in it).
    """

    sections: tuple[SectionCount, ...]
    measurements: int
    risks: int
    blockers: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def can_sign(self) -> bool:
        return not self.blockers

    @property
    def entries(self) -> int:
        return sum(s.entries for s in self.sections)


def sign_off_check(note: Note, template: NoteTemplate, signer: User | None = None) -> SignOffCheck:
    """What blocks or deserves a look before `note` is signed, in the template's order.

    With a `signer`, a signer who may not sign (a reviewer, an admin) is a blocker too, so
    the confirmation says so before the service refuses.
    """
    sections = tuple(SectionCount(s.title, len(note.entries_in(s.key))) for s in template.sections)
    blockers: list[str] = []
    if signer is not None and signer.role is not Role.CLINICIAN:
        blockers.append(NOT_A_CLINICIAN)
    if not note.entries:
        blockers.append(NO_ENTRIES)
    for risk in note.risks:
        if risk.acknowledged_at is None:
            title = risk.kind.display_name
            evidence = f" (“{risk.evidence}”)" if risk.evidence else ""
            blockers.append(
                f"{title} is flagged and not acknowledged yet{evidence}: "
                "acknowledge it in the review, then sign."
            )
    warnings = tuple(f"{s.title} is empty." for s in sections if s.entries == 0 and note.entries)
    return SignOffCheck(
        sections=sections,
        measurements=len(note.measurements),
        risks=len(note.risks),
        blockers=tuple(blockers),
        warnings=warnings,
    )
