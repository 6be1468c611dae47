"""Clinical notes: templates, entries, measurements and risk flags.

A note is built from tool calls, not free text, so every entry knows its section, who wrote
it and which transcript segments it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EntrySource(StrEnum):
    """Who wrote a note entry."""

    MODEL = "model"
    LOCAL_COMPOSER = "local_composer"
    CLINICIAN = "clinician"
    REVIEWER = "reviewer"


class RiskKind(StrEnum):
    """Risks the note composer may flag; each must be acknowledged by the clinician."""

    SELF_HARM = "self_harm"
    HARM_TO_OTHERS = "harm_to_others"
    ABUSE_OR_NEGLECT = "abuse_or_neglect"
    FALL_RISK = "fall_risk"

    @property
    def display_name(self) -> str:
        """How the window, the exported note and the sign-off check name this risk."""
        return _RISK_TITLES[self]


_RISK_TITLES = {
    RiskKind.SELF_HARM: "Risk of self-harm",
    RiskKind.HARM_TO_OTHERS: "Risk of harm to others",
    RiskKind.ABUSE_OR_NEGLECT: "Abuse or neglect",
    RiskKind.FALL_RISK: "Fall risk",
}


@dataclass(frozen=True, slots=True)
class TemplateSection:
    """One section of a note template and the guidance given to the model for it."""

    key: str
    title: str
    guidance: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoteTemplate:
    """A note layout (SOAP, DAP, ...); instructions and tool schemas are generated from it."""

    name: str
    title: str
    description: str
    sections: tuple[TemplateSection, ...]

    @property
    def section_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    def section(self, key: str) -> TemplateSection:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """One line of a note, in one section, traceable to the segments it came from."""

    section: str
    text: str
    source: EntrySource
    segment_ids: tuple[int, ...] = ()
    id: int | None = None
    created_at: datetime | None = None
    version: int = 1
    """Up by one on every saved edit: an edit made from an older version is a conflict."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """A measured value stated in the session, e.g. pain 6/10 or shoulder flexion 120 degrees."""

    kind: str
    value: float
    unit: str = ""
    body_part: str = ""
    side: str = ""
    segment_ids: tuple[int, ...] = ()
    id: int | None = None

    @property
    def location(self) -> str:
        """Where it was measured, the way a note says it ("right knee"; empty if not said)."""
        return " ".join(p for p in (self.side, self.body_part) if p)


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """A stated risk; `acknowledged_at` is set once the clinician has seen it."""

    kind: RiskKind
    evidence: str
    segment_ids: tuple[int, ...] = ()
    id: int | None = None
    acknowledged_at: datetime | None = None


@dataclass(slots=True)
class Note:
    """The draft (or signed) note of one session."""

    session_id: int
    template: str
    entries: list[NoteEntry] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    risks: list[RiskFlag] = field(default_factory=list)

    def entries_in(self, section: str) -> list[NoteEntry]:
        return [e for e in self.entries if e.section == section]


class SignatureRole(StrEnum):
    """Why a signature is on a note: the author's sign-off, or a reviewer's co-signature."""

    AUTHOR = "author"
    COSIGNER = "cosigner"


@dataclass(frozen=True, slots=True)
class Signature:
    """A sign-off: who, with which credentials, when, and the hash of what they signed.

    The signer's name and credentials are copied, not referenced, so renaming an account
    later never changes what a signed note says.
    """

    session_id: int
    role: SignatureRole
    username: str
    display_name: str
    credentials: str
    signed_at: datetime
    content_sha256: str
    id: int | None = None
    mac: str | None = None
    """HMAC-SHA256 of `manifest` under the signing key; None on a signature made before
    signatures were keyed (checked against `content_sha256` only)."""
    manifest: str | None = None
    """The canonical JSON the MAC covers: digests of each signed part (see `signing`)."""

    @property
    def signature_name(self) -> str:
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


@dataclass(frozen=True, slots=True)
class Addendum:
    """A later change to a signed note, shown under it; the note itself stays as signed."""

    session_id: int
    username: str
    display_name: str
    credentials: str
    at: datetime
    reason: str
    text: str
    content_sha256: str = ""
    id: int | None = None
    previous_mac: str | None = None
    """The MAC this addendum is chained to: the author's signature, or the addendum before."""
    mac: str | None = None
    """HMAC-SHA256 of the addendum and `previous_mac`; None on an addendum from before."""

    @property
    def author_name(self) -> str:
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name
