"""The export options: format (with its file suffix), paper for PDF, the transcript appendix."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

from therapy_notes.domain.export_formats import WINDOW_FORMATS
from therapy_notes.ui.dialogs.export_dialog import ExportChoice, ExportDialog


def _open(qtbot: Any) -> ExportDialog:
    dialog = ExportDialog()
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _button(dialog: ExportDialog, which: QDialogButtonBox.StandardButton) -> QPushButton:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    return box.button(which)


def test_the_default_is_a_pdf_on_a4_without_the_transcript(qtbot: Any) -> None:
    dialog = _open(qtbot)
    assert dialog.choice() == ExportChoice("pdf", ".pdf", "a4", False)
    assert dialog.paper.isEnabled()


def test_each_format_gives_its_suffix_and_paper_is_only_for_pdf(qtbot: Any) -> None:
    dialog = _open(qtbot)
    seen = []
    for index, export_format in enumerate(WINDOW_FORMATS):
        dialog.format.setCurrentIndex(index)
        choice = dialog.choice()
        seen.append((dialog.format.currentText(), choice.export_format, choice.suffix))
        assert dialog.paper.isEnabled() == (export_format == "pdf")
    assert seen == [
        ("PDF", "pdf", ".pdf"),
        ("Word (DOCX)", "docx", ".docx"),
        ("Markdown", "md", ".md"),
        ("FHIR DocumentReference (JSON)", "fhir", ".json"),
    ]


def test_ok_accepts_with_the_options_chosen(qtbot: Any) -> None:
    dialog = _open(qtbot)
    dialog.format.setCurrentIndex(0)  # PDF
    dialog.paper.setCurrentIndex(dialog.paper.findData("letter"))
    qtbot.mouseClick(dialog.transcript, Qt.MouseButton.LeftButton)
    ok = _button(dialog, QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice() == ExportChoice("pdf", ".pdf", "letter", True)


def test_cancel_rejects(qtbot: Any) -> None:
    dialog = _open(qtbot)
    cancel = _button(dialog, QDialogButtonBox.StandardButton.Cancel)
    with qtbot.waitSignal(dialog.rejected, timeout=1000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
