"""DOCX export, read back with python-docx."""

from __future__ import annotations

import io

import docx

from therapy_notes.domain.document import NoteDocument
from therapy_notes.export.word import to_docx

from .conftest import make_document


def _paragraphs(data: bytes) -> list[tuple[str, str]]:
    document = docx.Document(io.BytesIO(data))
    return [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]


def test_docx_reads_back_with_headings_entries_and_signatures(document: NoteDocument) -> None:
    data = to_docx(document)
    assert data[:2] == b"PK"
    read = docx.Document(io.BytesIO(data))
    assert read.core_properties.title == "SOAP note"
    header = {row.cells[0].text: row.cells[1].text for row in read.tables[0].rows}
    assert header == {
        "Patient": "Dana Reyes (MRN-7), born 1961-05-02",
        "Session date": "2026-03-04",
        "Clinician": "Ana Ruiz, OTR/L",
        "Status": "Signed, with addenda",
    }
    paragraphs = _paragraphs(data)
    headings = [text for style, text in paragraphs if style.startswith("Heading")]
    assert headings[:5] == ["SOAP note", "Subjective", "Objective", "Assessment", "Plan"]
    assert ("List Bullet", "Reports left knee pain 6/10 on stairs.") in paragraphs
    assert ("List Bullet", "Range of motion: 110 degrees (left knee)") in paragraphs
    texts = [text for _, text in paragraphs]
    assert (
        f"Electronically signed by Ana Ruiz, OTR/L on 2026-03-04 10:30 EST\nSHA-256 "
        f"{'3f' * 32}" in texts
    )
    assert "Addendum by Ana Ruiz, OTR/L on 2026-03-05 10:30 EST" in headings
    assert "Reason: Late entry" in texts
    assert "Transcript" not in headings


def test_docx_transcript_and_draft() -> None:
    texts = [t for _, t in _paragraphs(to_docx(make_document(transcript=True)))]
    assert "[00:00-00:04] Client: My left knee hurts, about a six." in texts
    draft = [t for _, t in _paragraphs(to_docx(make_document(signed=False)))]
    assert "Not signed." in draft
    assert not any(t.startswith("Electronically signed") for t in draft)
