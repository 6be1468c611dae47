"""The note as a Word document (python-docx), for clinics that file or edit DOCX."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_BREAK
from docx.shared import Pt

from therapy_notes.domain.document import NoteDocument, describe_measurement, format_span


def _bullets(document: DocxDocument, texts: list[str], empty: str) -> None:
    if not texts:
        document.add_paragraph(empty).runs[0].italic = True
        return
    for text in texts:
        document.add_paragraph(text, style="List Bullet")


def to_docx(doc: NoteDocument) -> bytes:
    """The .docx file's bytes: header table, sections, signatures, addenda, transcript."""
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = doc.title
    if doc.clinic_name:
        document.add_heading(doc.clinic_name, level=0)
    document.add_heading(doc.title, level=1)
    header = [
        ("Patient", doc.patient_line),
        ("Session date", doc.session_day),
        ("Clinician", doc.clinician or "Not signed yet"),
        ("Status", doc.status_line),
    ]
    table = document.add_table(rows=0, cols=2)
    for label, value in header:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value

    for section in doc.sections:
        document.add_heading(section.title, level=2)
        _bullets(document, [" ".join(e.text.split()) for e in section.entries], "No entries.")
    if doc.measurements:
        document.add_heading("Measurements", level=2)
        _bullets(document, [describe_measurement(m) for m in doc.measurements], "")
    if doc.risks:
        document.add_heading("Risks", level=2)
        _bullets(document, [doc.risk_line(r) for r in doc.risks], "")

    document.add_heading("Signatures", level=2)
    if not doc.signatures:
        document.add_paragraph("Not signed.").runs[0].italic = True
    for s in doc.signatures:
        paragraph = document.add_paragraph()
        paragraph.add_run(doc.signature_line(s)).bold = True
        paragraph.add_run(f"\nSHA-256 {s.content_sha256}").font.size = Pt(8)

    if doc.addenda:
        document.add_heading("Addenda", level=2)
        for a in doc.addenda:
            document.add_heading(doc.addendum_heading(a), level=3)
            reason = document.add_paragraph()
            reason.add_run("Reason: ").bold = True
            reason.add_run(a.reason)
            document.add_paragraph(a.text)

    if doc.transcript is not None:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading("Transcript", level=2)
        for segment in doc.transcript:
            span = f"[{format_span(segment)}] "
            paragraph = document.add_paragraph()
            paragraph.add_run(span).bold = True
            paragraph.add_run(f"{segment.speaker.label}: ").italic = True
            paragraph.add_run(segment.text)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
