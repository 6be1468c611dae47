"""The addendum dialog: a reason and a text, handed back only when the clinician presses OK."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from therapy_notes.ui.dialogs.addendum_dialog import AddendumDialog


def _open(qtbot: Any) -> AddendumDialog:
    dialog = AddendumDialog()
    qtbot.addWidget(dialog)
    dialog.open()  # as the window opens it: window-modal, answered through `finished`
    return dialog


def test_ok_gives_the_reason_and_the_text(qtbot: Any) -> None:
    dialog = _open(qtbot)
    assert dialog.isVisible()
    assert dialog.values() == ("", "")
    qtbot.keyClicks(dialog.reason, "Late entry")
    dialog.text.setPlainText("Home exercise sheet given.\nReviewed with the client.")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Accepted.value]
    assert not dialog.isVisible()
    assert dialog.values() == (
        "Late entry",
        "Home exercise sheet given.\nReviewed with the client.",
    )


def test_cancel_finishes_rejected(qtbot: Any) -> None:
    dialog = _open(qtbot)
    qtbot.keyClicks(dialog.reason, "Correction")
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Rejected.value]
    assert dialog.result() == QDialog.DialogCode.Rejected
