"""The note as PDF, laid out by Qt's QTextDocument and written by QPdfWriter (QtGui only).

Qt needs a QGuiApplication to lay out text. The desktop app has one; a command-line export
creates one, on the offscreen platform when there is no display, so it runs on servers.
"""

from __future__ import annotations

import html
import os
import sys

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from therapy_notes.domain.document import NoteDocument, describe_measurement, format_span
from therapy_notes.domain.export_formats import PaperSize

_PAGE_SIZES = {PaperSize.A4: QPageSize.PageSizeId.A4, PaperSize.LETTER: QPageSize.PageSizeId.Letter}
MARGIN_MM = 0.0
"""QTextDocument.print_ adds 2 cm margins of its own."""
RESOLUTION_DPI = 300

_STYLE = """
body { font-family: 'DejaVu Sans', 'Helvetica', 'Arial', sans-serif; font-size: 10pt; }
h1 { font-size: 15pt; margin: 0; }
h2 { font-size: 13pt; margin-top: 4pt; margin-bottom: 6pt; }
h3 { font-size: 11pt; margin-top: 12pt; margin-bottom: 3pt; color: #1f3a5f; }
h4 { font-size: 10pt; margin-top: 8pt; margin-bottom: 2pt; }
td.label { font-weight: bold; padding-right: 12pt; }
p.none { color: #666666; font-style: italic; }
p.hash { font-size: 7pt; color: #555555; }
p.draft { color: #a33b00; font-weight: bold; }
"""

_app: QGuiApplication | None = None


def ensure_gui_application() -> None:
    """Make sure a QGuiApplication exists (offscreen when the machine has no display)."""
    global _app
    if QGuiApplication.instance() is not None:
        return
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and not has_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication([sys.argv[0] if sys.argv else "therapy-notes"])


def _e(text: str) -> str:
    return html.escape(" ".join(text.split()))


def _items(texts: list[str], empty: str) -> str:
    if not texts:
        return f'<p class="none">{_e(empty)}</p>'
    return "<ul>" + "".join(f"<li>{_e(t)}</li>" for t in texts) + "</ul>"


def to_html(doc: NoteDocument) -> str:
    """The HTML subset QTextDocument renders: header table, sections, signature block."""
    parts = [f"<html><head><style>{_STYLE}</style></head><body>"]
    if doc.clinic_name:
        parts.append(f"<h1>{_e(doc.clinic_name)}</h1>")
    parts.append(f"<h2>{_e(doc.title)}</h2>")
    header = [
        ("Patient", doc.patient_line),
        ("Session date", doc.session_day),
        ("Clinician", doc.clinician or "Not signed yet"),
        ("Status", doc.status_line),
    ]
    parts.append('<table cellspacing="0" cellpadding="1">')
    parts += [
        f'<tr><td class="label" width="25%">{_e(k)}</td><td>{_e(v)}</td></tr>' for k, v in header
    ]
    parts.append("</table><hr/>")
    if not doc.is_signed:
        parts.append('<p class="draft">DRAFT: this note has not been signed.</p>')
    for section in doc.sections:
        parts.append(f"<h3>{_e(section.title)}</h3>")
        parts.append(_items([e.text for e in section.entries], "No entries."))
    if doc.measurements:
        parts.append("<h3>Measurements</h3>")
        parts.append(_items([describe_measurement(m) for m in doc.measurements], ""))
    if doc.risks:
        parts.append("<h3>Risks</h3>")
        parts.append(_items([doc.risk_line(r) for r in doc.risks], ""))
    parts.append("<h3>Signatures</h3>")
    if not doc.signatures:
        parts.append('<p class="none">Not signed.</p>')
    for s in doc.signatures:
        parts.append(f"<p><b>{_e(doc.signature_line(s))}</b></p>")
        parts.append(f'<p class="hash">SHA-256 {_e(s.content_sha256)}</p>')
    if doc.addenda:
        parts.append("<h3>Addenda</h3>")
        for a in doc.addenda:
            parts.append(f"<h4>{_e(doc.addendum_heading(a))}</h4>")
            parts.append(f"<p><b>Reason:</b> {_e(a.reason)}</p><p>{_e(a.text)}</p>")
    if doc.transcript is not None:
        parts.append('<h3 style="page-break-before: always">Appendix: transcript</h3>')
        if not doc.transcript:
            parts.append('<p class="none">No transcript.</p>')
        parts += [
            f"<p><b>[{format_span(s)}]</b> <i>{_e(s.speaker.label)}:</i> {_e(s.text)}</p>"
            for s in doc.transcript
        ]
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(doc: NoteDocument, paper: PaperSize = PaperSize.A4) -> bytes:
    """The PDF file's bytes, on A4 or US Letter, with numbered pages."""
    ensure_gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(doc.title)
    writer.setCreator("Therapy Notes")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(_PAGE_SIZES[PaperSize(paper)]),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    text = QTextDocument()
    text.setHtml(to_html(doc))
    # No page size of its own: print_() then lays the text out on the writer itself (fonts
    # at their point sizes), inside 2 cm margins, with page numbers at the foot.
    text.print_(writer)
    del writer  # finishes the file
    buffer.close()
    return bytes(data.data())
