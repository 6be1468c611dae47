"""Every export format has a file ending and a name; the window offers the file formats."""

from __future__ import annotations

from therapy_notes.domain.export_formats import WINDOW_FORMATS, ExportFormat, PaperSize


def test_every_format_has_a_distinct_suffix_and_a_name() -> None:
    suffixes = [f.suffix for f in ExportFormat]
    assert len(set(suffixes)) == len(suffixes)
    assert all(s.startswith(".") for s in suffixes)
    assert ExportFormat.FHIR.suffix == ".json"
    assert all(f.display_name for f in ExportFormat)


def test_the_window_offers_files_to_save_not_the_clipboard_text() -> None:
    assert WINDOW_FORMATS[0] is ExportFormat.PDF
    assert ExportFormat.TEXT not in WINDOW_FORMATS
    assert [p.display_name for p in PaperSize] == ["A4", "US Letter"]
