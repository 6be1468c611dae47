"""The patient profile: plain labels, one hint on how to list things, lines become items."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel

from therapy_notes.ui.dialogs.patient_dialog import PatientDialog


def test_lists_are_one_item_a_line_and_the_hint_says_so_plainly(qtbot: Any) -> None:
    dialog = PatientDialog(None, ("soap", "dap"))
    qtbot.addWidget(dialog)
    form = dialog.layout()
    assert isinstance(form, QFormLayout)
    labels = [w.text() for w in dialog.findChildren(QLabel)]
    assert "Precautions" in labels
    assert not any("one a line" in text for text in labels)
    assert any(text.startswith("Write each diagnosis, goal or precaution") for text in labels)
    dialog.name.setText("Jordan Lee")
    dialog.precautions.setPlainText("Fall risk\n\n  No heat packs  \n")
    assert dialog.patient().precautions == ("Fall risk", "No heat packs")
