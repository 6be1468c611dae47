"""The note as Markdown: readable as plain text, and the FHIR export's first attachment."""

from __future__ import annotations

import re

from therapy_notes.domain.document import NoteDocument, describe_measurement, format_span

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape(text: str) -> str:
    """Text that Markdown shows as written (no accidental emphasis, links or headings)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def to_markdown(doc: NoteDocument) -> str:
    """The whole note: header, sections, measurements, risks, signatures, addenda, transcript."""
    lines: list[str] = []
    if doc.clinic_name:
        lines += [f"# {escape(doc.clinic_name)}", ""]
    lines += [f"## {escape(doc.title)}", ""]
    header = [
        ("Patient", doc.patient_line),
        ("Session date", doc.session_day),
        ("Clinician", doc.clinician or "Not signed yet"),
        ("Status", doc.status_line),
    ]
    lines += [f"**{label}:** {escape(value)}  " for label, value in header]
    lines.append("")
    for section in doc.sections:
        lines += [f"### {escape(section.title)}", ""]
        lines += [f"- {escape(e.text)}" for e in section.entries] or ["_No entries._"]
        lines.append("")
    if doc.measurements:
        lines += ["### Measurements", ""]
        lines += [f"- {escape(describe_measurement(m))}" for m in doc.measurements]
        lines.append("")
    if doc.risks:
        lines += ["### Risks", ""]
        lines += [f"- {escape(doc.risk_line(r))}" for r in doc.risks]
        lines.append("")
    lines += ["### Signatures", ""]
    lines += [
        f"- {escape(doc.signature_line(s))} (SHA-256 `{s.content_sha256}`)" for s in doc.signatures
    ] or ["_Not signed._"]
    lines.append("")
    if doc.addenda:
        lines += ["### Addenda", ""]
        for a in doc.addenda:
            lines += [
                f"#### {escape(doc.addendum_heading(a))}",
                "",
                f"**Reason:** {escape(a.reason)}",
                "",
                escape(a.text),
                "",
            ]
    if doc.transcript is not None:
        lines += ["### Transcript", ""]
        lines += [
            f"- \\[{format_span(s)}\\] *{s.speaker.label}:* {escape(s.text)}"
            for s in doc.transcript
        ] or ["_No transcript._"]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
