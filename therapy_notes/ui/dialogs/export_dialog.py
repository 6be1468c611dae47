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

FORMATS = (
    ("PDF", "pdf", ".pdf"),
    ("Word (DOCX)", "docx", ".docx"),
    ("Markdown", "md", ".md"),
    ("FHIR DocumentReference (JSON)", "fhir", ".json"),
)
PAPERS = (("A4", "a4"), ("US Letter", "letter"))


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
        for label, value, suffix in FORMATS:
            self.format.addItem(label, (value, suffix))
        self.paper = QComboBox()
        for label, value in PAPERS:
            self.paper.addItem(label, value)
        self.transcript = QCheckBox("Append the transcript")
        form.addRow("Format", self.format)
        form.addRow("Paper (PDF)", self.paper)
        form.addRow(self.transcript)
        self.format.currentIndexChanged.connect(
            lambda _i: self.paper.setEnabled(self.choice().export_format == "pdf")
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
