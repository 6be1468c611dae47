"""The formats a note can be exported in, their file endings and names, and PDF paper sizes.

One list for the command line's `--format`, the window's export dialog and the renderer,
so a format added to one is offered, named and saved with the right ending by all.
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

    @property
    def suffix(self) -> str:
        """The usual file name ending, for save dialogs and default file names."""
        return _SUFFIXES[self]

    @property
    def display_name(self) -> str:
        """How the export dialog names the format."""
        return _NAMES[self]


_SUFFIXES = {
    ExportFormat.PDF: ".pdf",
    ExportFormat.DOCX: ".docx",
    ExportFormat.MARKDOWN: ".md",
    ExportFormat.FHIR: ".json",
    ExportFormat.TEXT: ".txt",
}
_NAMES = {
    ExportFormat.PDF: "PDF",
    ExportFormat.DOCX: "Word (DOCX)",
    ExportFormat.MARKDOWN: "Markdown",
    ExportFormat.FHIR: "FHIR DocumentReference (JSON)",
    ExportFormat.TEXT: "Plain text",
}

WINDOW_FORMATS = (ExportFormat.PDF, ExportFormat.DOCX, ExportFormat.MARKDOWN, ExportFormat.FHIR)
"""What the window's export dialog offers, in its order (plain text is Copy note's job)."""


class PaperSize(StrEnum):
    """PDF paper: A4 nearly everywhere, US Letter in North America."""

    A4 = "a4"
    LETTER = "letter"

    @property
    def display_name(self) -> str:
        return "A4" if self is PaperSize.A4 else "US Letter"
