"""One entry point for every format: a note document in, the file's bytes out."""

from __future__ import annotations

from therapy_notes.domain.document import NoteDocument
from therapy_notes.domain.export_formats import ExportFormat, PaperSize


def render(
    doc: NoteDocument,
    export_format: ExportFormat,
    *,
    paper: PaperSize = PaperSize.A4,
    fhir_with_pdf: bool = False,
) -> bytes:
    """The exported file's bytes. PDF (also inside FHIR) needs Qt; it is loaded only then."""
    export_format = ExportFormat(export_format)
    if export_format is ExportFormat.PDF or (export_format is ExportFormat.FHIR and fhir_with_pdf):
        from therapy_notes.export.pdf import to_pdf

        pdf = to_pdf(doc, paper)
        if export_format is ExportFormat.PDF:
            return pdf
    else:
        pdf = None
    if export_format is ExportFormat.FHIR:
        from therapy_notes.export.fhir import to_fhir_json

        return to_fhir_json(doc, pdf=pdf)
    if export_format is ExportFormat.DOCX:
        from therapy_notes.export.word import to_docx

        return to_docx(doc)
    if export_format is ExportFormat.MARKDOWN:
        from therapy_notes.export.markdown import to_markdown

        return to_markdown(doc).encode("utf-8")
    from therapy_notes.export.plain import to_plain_text

    return to_plain_text(doc).encode("utf-8")
