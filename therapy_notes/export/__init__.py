"""Note exports: PDF, DOCX, Markdown, FHIR DocumentReference and plain text.

Each is a pure function of a `domain.document.NoteDocument`; services build the document
(after checking signatures) and the composition root writes the bytes where the user asks.
"""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    """The formats a note can be exported in; the value is the command line's `--format`."""

    PDF = "pdf"
    DOCX = "docx"
    MARKDOWN = "md"
    FHIR = "fhir"
    TEXT = "text"


class PaperSize(StrEnum):
    """PDF paper: A4 nearly everywhere, US Letter in North America."""

    A4 = "a4"
    LETTER = "letter"


__all__ = ["ExportFormat", "PaperSize"]
