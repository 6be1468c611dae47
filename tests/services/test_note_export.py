"""The export use case on its own: a note from an encrypted file, rendered and read back.

The service builds the document; the export adapters turn it into the file, as the window
and the command line do, and the file is read back with pypdf and python-docx.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # PDF layout needs Qt, not a display

import io
import json
from datetime import timedelta, timezone

import docx
import pypdf
import pytest
from PySide6.QtWidgets import QApplication

from tests.services.test_notes import ADMIN, ANA, RAE, Seeded
from therapy_notes.domain.export_formats import ExportFormat, PaperSize
from therapy_notes.domain.signing import SigningKey
from therapy_notes.errors import SignatureMismatchError
from therapy_notes.export.render import render
from therapy_notes.services.note_access import NoteAccess
from therapy_notes.services.note_export import NoteExportService
from therapy_notes.services.review import ReviewService
from therapy_notes.services.signing import SigningService

EST = timezone(timedelta(hours=-5), "EST")
"""Documents print times here: the fixed clock's 15:30 UTC reads 10:30 EST."""


@pytest.fixture
def export(access: NoteAccess) -> NoteExportService:
    return NoteExportService(access, tz=EST)


async def _signed(access: NoteAccess, seeded: Seeded) -> None:
    await ReviewService(access).acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    await SigningService(access).sign(ANA, seeded.session_id)


async def _exports(access: NoteAccess, seeded: Seeded) -> list[dict[str, object]]:
    trail = await access.run(lambda uow: access.trail(uow, seeded.session_id))
    return [json.loads(r.after or "") for r in trail if r.action == "exported"]


def _docx(data: bytes) -> tuple[dict[str, str], list[str]]:
    """The header table and every paragraph's text of a .docx file."""
    read = docx.Document(io.BytesIO(data))
    header = {row.cells[0].text: row.cells[1].text for row in read.tables[0].rows}
    return header, [p.text for p in read.paragraphs]


async def test_a_signed_note_with_its_transcript_reads_back_from_the_pdf(
    qapp: QApplication, access: NoteAccess, export: NoteExportService, encrypted: Seeded
) -> None:
    await _signed(access, encrypted)
    document = await export.export_document(
        RAE,
        encrypted.session_id,
        export_format="pdf",
        clinic_name="Harbor Rehab",
        include_transcript=True,
    )
    data = render(document, ExportFormat.PDF, paper=PaperSize.LETTER)

    reader = pypdf.PdfReader(io.BytesIO(data))
    assert [round(float(p.mediabox.width)) for p in reader.pages] == [612] * len(reader.pages)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in (
        "Harbor Rehab",
        "Dana Reyes (MRN-7), born 1961-05-02",
        "Reports left knee pain 6/10.",
        "Near fall on stairs this week.",
        "Electronically signed by Ana Ruiz, OTR/L on 2026-03-04 10:30 EST",
        "I nearly fell on stairs.",
    ):
        assert expected in text, expected
    assert await _exports(access, encrypted) == [
        {"format": "pdf", "transcript": True, "signed": True}
    ]


async def test_a_draft_reads_back_from_the_docx_without_its_transcript(
    export: NoteExportService, access: NoteAccess, encrypted: Seeded
) -> None:
    document = await export.export_document(ANA, encrypted.session_id, export_format="docx")
    header, texts = _docx(render(document, ExportFormat.DOCX))
    assert header == {
        "Patient": "Dana Reyes (MRN-7), born 1961-05-02",
        "Session date": "2026-03-04",
        "Clinician": "Ana Ruiz, OTR/L",  # the exporting clinician, for a draft
        "Status": "Draft, not signed",
    }
    assert "Reports left knee pain 6/10." in texts
    assert "Not signed." in texts
    assert "Transcript" not in texts
    assert not any("My left knee hurts" in t for t in texts)
    assert await _exports(access, encrypted) == [
        {"format": "docx", "transcript": False, "signed": False}
    ]


async def test_an_admin_exports_a_draft_under_no_clinicians_name(
    export: NoteExportService, encrypted: Seeded
) -> None:
    document = await export.export_document(ADMIN, encrypted.session_id, export_format="docx")
    header, texts = _docx(render(document, ExportFormat.DOCX))
    assert header["Clinician"] == "Not signed yet"
    assert not any("Site Admin" in t for t in [*header.values(), *texts])


async def test_an_amended_note_prints_its_addendum_in_the_documents_time_zone(
    access: NoteAccess, export: NoteExportService, encrypted: Seeded
) -> None:
    await _signed(access, encrypted)
    await SigningService(access).add_addendum(RAE, encrypted.session_id, "Late entry", "Phoned.")
    document = await export.export_document(ADMIN, encrypted.session_id, export_format="docx")
    header, texts = _docx(render(document, ExportFormat.DOCX))
    assert header["Clinician"] == "Ana Ruiz, OTR/L"  # the signer, whoever exports
    assert header["Status"] == "Signed, with addenda"
    assert "Addendum by Rae Vo, PT, DPT on 2026-03-04 10:30 EST" in texts
    assert "Reason: Late entry" in texts


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_a_note_that_no_longer_verifies_is_not_exported(
    access: NoteAccess, encrypted: Seeded
) -> None:
    await _signed(access, encrypted)
    other = NoteAccess(encrypted.db.uow_factory, signing_key=SigningKey(b"\x05" * 32))
    with pytest.raises(SignatureMismatchError, match="so it was not exported") as refused:
        await NoteExportService(other, tz=EST).export_document(
            RAE, encrypted.session_id, export_format="fhir"
        )
    assert "does not verify" in str(refused.value)
    trail = await access.run(lambda uow: access.trail(uow, encrypted.session_id))
    (mismatch,) = [json.loads(r.after or "") for r in trail if r.action == "signature_mismatch"]
    assert mismatch["during"] == "export:fhir"
    assert await _exports(access, encrypted) == []
