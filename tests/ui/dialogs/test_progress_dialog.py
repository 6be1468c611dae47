"""The progress window: the patient's name in the title, their series in the chart, Close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from therapy_notes.ui.controllers.notes import ProgressPoint
from therapy_notes.ui.dialogs.progress_dialog import ProgressDialog

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def test_it_names_the_patient_and_charts_each_series_in_time_order(qtbot: Any) -> None:
    dialog = ProgressDialog(7, "Jordan Lee")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.patient_id == 7
    assert dialog.windowTitle() == "Progress — Jordan Lee"
    assert dialog.chart.series_names() == []  # filled when the notes controller answers
    dialog.show_series(
        {
            "Range of motion — shoulder (deg)": [
                ProgressPoint(FRIDAY, 125.0),
                ProgressPoint(MONDAY, 120.0),
            ],
            "Pain score (/10)": [ProgressPoint(MONDAY, 4.0)],
        }
    )
    assert dialog.chart.series_names() == ["Pain score (/10)", "Range of motion — shoulder (deg)"]
    assert dialog.chart.points("Range of motion — shoulder (deg)") == [
        ProgressPoint(MONDAY, 120.0),
        ProgressPoint(FRIDAY, 125.0),
    ]
    dialog.chart.grab()  # draws both panels without a warning


def test_close_finishes_the_dialog(qtbot: Any) -> None:
    dialog = ProgressDialog(7, "Jordan Lee")
    qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    with qtbot.waitSignal(dialog.finished, timeout=1000):
        qtbot.mouseClick(
            box.button(QDialogButtonBox.StandardButton.Close), Qt.MouseButton.LeftButton
        )
    assert not dialog.isVisible()
