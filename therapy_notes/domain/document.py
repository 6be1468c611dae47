"""The export view of a note: everything a PDF, DOCX, Markdown or FHIR export prints.

Exporters are pure functions of a `NoteDocument`, so each format says the same thing and
none of them touches the database. Times are shown in the document's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from therapy_notes.domain.notes import (
    Addendum,
    Measurement,
    Note,
    NoteEntry,
    NoteTemplate,
    RiskFlag,
    Signature,
    SignatureRole,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord


@dataclass(frozen=True, slots=True)
class DocumentSection:
    """One template section with its entries, in order (possibly none)."""

    key: str
    title: str
    entries: tuple[NoteEntry, ...]


@dataclass(frozen=True, slots=True)
class NoteDocument:
    """A note ready to print: header facts, sections, signatures, addenda, transcript."""

    clinic_name: str
    session_id: int
    session_date: datetime
    patient: Patient | None
    clinician: str
    """The signing author's name and credentials (for a draft, whoever exports it)."""
    template_name: str
    template_title: str
    sections: tuple[DocumentSection, ...]
    measurements: tuple[Measurement, ...] = ()
    risks: tuple[RiskFlag, ...] = ()
    signatures: tuple[Signature, ...] = ()
    addenda: tuple[Addendum, ...] = ()
    transcript: tuple[Segment, ...] | None = None
    """None leaves the transcript appendix out."""
    tz: tzinfo = field(default=UTC)

    @property
    def is_signed(self) -> bool:
        return any(s.role is SignatureRole.AUTHOR for s in self.signatures)

    @property
    def title(self) -> str:
        return f"{self.template_title} note"

    def local(self, at: datetime) -> datetime:
        """`at` in the document's time zone."""
        return at.astimezone(self.tz)

    def format_time(self, at: datetime) -> str:
        """A time as printed: "2026-03-04 09:15 UTC"."""
        local = self.local(at)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()

    @property
    def session_day(self) -> str:
        return f"{self.local(self.session_date):%Y-%m-%d}"

    @property
    def patient_line(self) -> str:
        """The patient's name, identifier and birth date, or "No patient" for a dictation."""
        if self.patient is None:
            return "No patient"
        line = self.patient.name
        if self.patient.identifier:
            line += f" ({self.patient.identifier})"
        if self.patient.date_of_birth is not None:
            line += f", born {self.patient.date_of_birth:%Y-%m-%d}"
        return line

    @property
    def status_line(self) -> str:
        if not self.is_signed:
            return "Draft, not signed"
        return "Signed, with addenda" if self.addenda else "Signed"

    def signature_line(self, signature: Signature) -> str:
        """The signature as a sentence: who signed, with credentials, and when (UTC)."""
        verb = "signed" if signature.role is SignatureRole.AUTHOR else "co-signed"
        return (
            f"Electronically {verb} by {signature.signature_name} "
            f"on {self.format_time(signature.signed_at)}"
        )

    def addendum_heading(self, addendum: Addendum) -> str:
        """An addendum's heading: its author, with credentials, and when (UTC)."""
        return f"Addendum by {addendum.author_name} on {self.format_time(addendum.at)}"

    def risk_line(self, risk: RiskFlag) -> str:
        acknowledged = (
            f" (acknowledged {self.format_time(risk.acknowledged_at)})"
            if risk.acknowledged_at is not None
            else " (not acknowledged)"
        )
        return describe_risk(risk) + acknowledged


def describe_measurement(m: Measurement) -> str:
    """A measurement as a line: kind, value with unit, and where (side and body part)."""
    kind = m.kind.replace("_", " ").capitalize()
    joiner = "" if m.unit[:1] in ("/", "%", "°") else " "
    value = f"{m.value:g}{joiner}{m.unit}".rstrip()
    where = m.location
    return f"{kind}: {value}" + (f" ({where})" if where else "")


def describe_risk(r: RiskFlag) -> str:
    """A risk flag as a line: its title, then the evidence."""
    return f"{r.kind.display_name}: {r.evidence}"


def format_clock(ms: int) -> str:
    """Session audio time as mm:ss."""
    seconds = ms // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def format_span(segment: Segment) -> str:
    """A segment's place in the recording: "01:05-01:12"."""
    return f"{format_clock(segment.start_ms)}-{format_clock(segment.end_ms)}"


def build_document(
    *,
    note: Note,
    template: NoteTemplate,
    session: SessionRecord,
    patient: Patient | None,
    signatures: tuple[Signature, ...] = (),
    addenda: tuple[Addendum, ...] = (),
    transcript: tuple[Segment, ...] | None = None,
    clinic_name: str = "",
    clinician: str = "",
    tz: tzinfo = UTC,
) -> NoteDocument:
    """Lay a note out along its template; entries in sections it lacks come last.

    The clinician printed in the header is the signing author; `clinician` is used only
    while the note is unsigned (e.g. the user exporting a draft).
    """
    sections = [
        DocumentSection(s.key, s.title, tuple(note.entries_in(s.key))) for s in template.sections
    ]
    extra = sorted({e.section for e in note.entries} - set(template.section_keys))
    sections += [
        DocumentSection(key, key.replace("_", " ").capitalize(), tuple(note.entries_in(key)))
        for key in extra
    ]
    author = next((s for s in signatures if s.role is SignatureRole.AUTHOR), None)
    return NoteDocument(
        clinic_name=clinic_name,
        session_id=session.id,
        session_date=session.started_at,
        patient=patient,
        clinician=author.signature_name if author is not None else clinician,
        template_name=template.name,
        template_title=template.title,
        sections=tuple(sections),
        measurements=tuple(note.measurements),
        risks=tuple(note.risks),
        signatures=signatures,
        addenda=addenda,
        transcript=transcript,
        tz=tz,
    )
