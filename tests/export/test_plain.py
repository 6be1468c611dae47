"""Plain text for pasting into an EHR: no markup, sections in capitals, signatures last."""

from __future__ import annotations

from therapy_notes.domain.document import NoteDocument
from therapy_notes.export.plain import to_plain_text

from .conftest import make_document


def test_plain_text_is_the_note_without_markup(document: NoteDocument) -> None:
    text = to_plain_text(document)
    lines = text.splitlines()
    assert lines[:4] == [
        "SOAP note",
        "Patient: Dana Reyes (MRN-7), born 1961-05-02",
        "Session date: 2026-03-04",
        "Clinician: Ana Ruiz, OTR/L",
    ]
    assert lines[lines.index("SUBJECTIVE") + 1] == "- Reports left knee pain 6/10 on stairs."
    assert lines[lines.index("ASSESSMENT") + 1] == "(none)"
    assert "Electronically signed by Ana Ruiz, OTR/L on 2026-03-04 10:30 EST" in lines
    assert lines[-3:] == [
        "ADDENDUM BY ANA RUIZ, OTR/L ON 2026-03-05 10:30 EST",
        "Reason: Late entry",
        "Phoned patient: pain now 4/10.",
    ]
    for markup in ("#", "**", "_No", "`"):
        assert markup not in text


def test_transcript_is_never_pasted() -> None:
    assert "knee hurts, about a six" not in to_plain_text(make_document(transcript=True))
