"""A patient's progress over time, in its own window beside the main one."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QScrollArea, QVBoxLayout, QWidget

from therapy_notes.ui.controllers.notes import ProgressPoint
from therapy_notes.ui.widgets.progress_chart import ProgressChart


class ProgressDialog(QDialog):
    """Shows a `ProgressChart`; the window fills it when the notes controller answers."""

    def __init__(self, patient_id: int, patient_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.patient_id = patient_id
        self.setWindowTitle(f"Progress — {patient_name}")
        self.setAccessibleName("Progress over time")
        layout = QVBoxLayout(self)
        self.chart = ProgressChart()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart)
        layout.addWidget(scroll)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 520)

    def show_series(self, series: dict[str, list[ProgressPoint]]) -> None:
        self.chart.show_series(series)
