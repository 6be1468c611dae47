"""Export options: format, paper, transcript appendix; the file name is asked next."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QWidget,
)

from therapy_notes.domain.export_formats import WINDOW_FORMATS, ExportFormat, PaperSize


@dataclass(frozen=True, slots=True)
class ExportChoice:
    """What the clinician chose: format value, file suffix, paper, transcript appendix."""

    export_format: str
    suffix: str
    paper: str
    include_transcript: bool


class ExportDialog(QDialog):
    """Asks how to export; the window then opens a save dialog for the file name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export note")
        self.setAccessibleName("Export note")
        form = QFormLayout(self)
        self.format = QComboBox()
        for export_format in WINDOW_FORMATS:
            self.format.addItem(
                export_format.display_name, (export_format.value, export_format.suffix)
            )
        self.paper = QComboBox()
        for paper in PaperSize:
            self.paper.addItem(paper.display_name, paper.value)
        self.transcript = QCheckBox("Append the transcript")
        form.addRow("Format", self.format)
        form.addRow("Paper (PDF)", self.paper)
        form.addRow(self.transcript)
        self.format.currentIndexChanged.connect(
            lambda _i: self.paper.setEnabled(self.choice().export_format == ExportFormat.PDF)
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> ExportChoice:
        value, suffix = self.format.currentData()
        return ExportChoice(
            str(value), str(suffix), str(self.paper.currentData()), self.transcript.isChecked()
        )
