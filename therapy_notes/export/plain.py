"""The note as plain text, for pasting into an EHR's note field (no markup at all)."""

from __future__ import annotations

from therapy_notes.domain.document import NoteDocument, describe_measurement


def to_plain_text(doc: NoteDocument) -> str:
    """Sections in capitals, entries as dashes, signatures and addenda at the end.

    The transcript is left out: an EHR note field wants the note, not the recording.
    """
    lines = [doc.title, f"Patient: {doc.patient_line}", f"Session date: {doc.session_day}"]
    if doc.clinician:
        lines.append(f"Clinician: {doc.clinician}")
    for section in doc.sections:
        lines += ["", section.title.upper()]
        lines += [f"- {' '.join(e.text.split())}" for e in section.entries] or ["(none)"]
    if doc.measurements:
        lines += ["", "MEASUREMENTS"] + [f"- {describe_measurement(m)}" for m in doc.measurements]
    if doc.risks:
        lines += ["", "RISKS"] + [f"- {doc.risk_line(r)}" for r in doc.risks]
    if doc.signatures:
        lines.append("")
        lines += [doc.signature_line(s) for s in doc.signatures]
    for a in doc.addenda:
        lines += ["", doc.addendum_heading(a).upper(), f"Reason: {a.reason}", a.text]
    return "\n".join(lines) + "\n"
