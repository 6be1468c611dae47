"""Markdown export: every part of the note, in order, with text shown as written."""

from __future__ import annotations

from therapy_notes.domain.document import NoteDocument
from therapy_notes.export.markdown import escape, to_markdown

from .conftest import make_document


def test_markdown_has_header_sections_signatures_and_addenda(document: NoteDocument) -> None:
    md = to_markdown(document)
    order = [
        "# Harbor Rehab",
        "## SOAP note",
        "**Patient:** Dana Reyes (MRN-7), born 1961-05-02",
        "**Session date:** 2026-03-04",
        "**Clinician:** Ana Ruiz, OTR/L",
        "### Subjective",
        "- Reports left knee pain 6/10 on stairs.",
        "### Objective",
        "### Assessment",
        "_No entries._",
        "### Plan",
        "### Measurements",
        "- Pain score: 6/10 (left knee)",
        "- Range of motion: 110 degrees (left knee)",
        "### Risks",
        "- Fall risk: Nearly fell on the stairs twice (acknowledged 2026-03-04 10:28 EST)",
        "### Signatures",
        f"- Electronically signed by Ana Ruiz, OTR/L on 2026-03-04 10:30 EST (SHA-256 "
        f"`{'3f' * 32}`)",
        "- Electronically co-signed by Rae Vo, PT, DPT on 2026-03-04 12:30 EST",
        "### Addenda",
        "#### Addendum by Ana Ruiz, OTR/L on 2026-03-05 10:30 EST",
        "**Reason:** Late entry",
        "Phoned patient: pain now 4/10.",
    ]
    positions = [md.index(part) for part in order]
    assert positions == sorted(positions)
    assert "Transcript" not in md


def test_transcript_appendix_is_optional_and_timed() -> None:
    md = to_markdown(make_document(transcript=True))
    assert "### Transcript" in md
    assert "- \\[00:04-01:05\\] *Speaker:* Bending it to here is as far as it goes." in md


def test_draft_says_it_is_not_signed() -> None:
    md = to_markdown(make_document(signed=False))
    assert "**Status:** Draft, not signed" in md
    assert "_Not signed._" in md
    assert "Addenda" not in md


def test_markdown_special_characters_are_escaped() -> None:
    assert escape("# not *a* heading [x](y)") == r"\# not \*a\* heading \[x\](y)"
    assert escape("line one\nline two") == "line one line two"
