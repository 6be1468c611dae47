"""PDF export through QTextDocument/QPdfWriter, read back with pypdf."""

from __future__ import annotations

import io

import pypdf
from PySide6.QtWidgets import QApplication

from therapy_notes.domain.document import NoteDocument
from therapy_notes.domain.export_formats import PaperSize
from therapy_notes.export.pdf import to_pdf

from .conftest import make_document

A4_PT = (595, 842)
LETTER_PT = (612, 792)


def _read(data: bytes) -> tuple[list[str], list[tuple[int, int]]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    texts = [page.extract_text() for page in reader.pages]
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    return texts, sizes


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_on_a4_has_header_sections_and_signature_block(
    qapp: QApplication, document: NoteDocument
) -> None:
    texts, sizes = _read(to_pdf(document, PaperSize.A4))
    assert sizes == [A4_PT] * len(texts)
    first = _flat(texts[0])
    for expected in (
        "Harbor Rehab",
        "SOAP note",
        "Dana Reyes (MRN-7), born 1961-05-02",
        "2026-03-04",
        "Ana Ruiz, OTR/L",
        "Subjective",
        "Reports left knee pain 6/10 on stairs.",
        "Pain score: 6/10 (left knee)",
        "Electronically signed by Ana Ruiz, OTR/L on 2026-03-04 10:30 EST",
        "Electronically co-signed by Rae Vo, PT, DPT",
        f"SHA-256 {'3f' * 32}",
        "Reason: Late entry",
        "Phoned patient: pain now 4/10.",
    ):
        assert expected in first, expected
    assert first.index("Subjective") < first.index("Objective") < first.index("Plan")
    assert "transcript" not in " ".join(texts).lower()


def test_pdf_on_letter_with_the_transcript_appendix(qapp: QApplication) -> None:
    texts, sizes = _read(to_pdf(make_document(transcript=True), PaperSize.LETTER))
    assert len(texts) == 2  # the appendix starts on its own page
    assert sizes == [LETTER_PT, LETTER_PT]
    appendix = _flat(texts[1])
    assert "Appendix: transcript" in appendix
    assert "[00:04-01:05] Speaker: Bending it to here is as far as it goes." in appendix


def test_draft_pdf_is_marked_as_draft(qapp: QApplication) -> None:
    text = _flat(_read(to_pdf(make_document(signed=False)))[0][0])
    assert "DRAFT: this note has not been signed." in text
    assert "Electronically signed" not in text
