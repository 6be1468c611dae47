"""The key dialogs: a new recovery key is shown once and can be copied; passphrases match."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QPushButton

from therapy_notes.ui.dialogs.unlock_dialog import DialogKeyPrompt


def _answer_next_dialog(action: str, *texts: str) -> None:
    """Answer the next modal dialogs from a timer, as a person would."""
    remaining = list(texts)

    def act() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QInputDialog) and remaining:
            widget.setTextValue(remaining.pop(0))
            widget.accept()
        elif isinstance(widget, QMessageBox):
            buttons = {b.text(): b for b in widget.findChildren(QPushButton)}
            buttons[action].click()
            if action == "Copy":
                QTimer.singleShot(50, lambda: _answer_next_dialog("I have stored it"))
            return
        if remaining:
            QTimer.singleShot(50, act)

    QTimer.singleShot(50, act)


def test_recovery_key_is_shown_and_can_be_copied(qapp: QApplication) -> None:
    _answer_next_dialog("Copy")
    DialogKeyPrompt().show_recovery_key("ABCDE-FGHIJ-KLMNO")
    assert QApplication.clipboard().text() == "ABCDE-FGHIJ-KLMNO"


def test_new_passphrase_must_be_typed_twice_alike(qapp: QApplication) -> None:
    _answer_next_dialog("", "correct horse", "correct horse")
    assert DialogKeyPrompt().passphrase(is_new=True) == "correct horse"
    # Two that differ are asked again (nothing is made until they match).
    _answer_next_dialog("", "correct horse", "battery staple", "correct horse", "correct horse")
    assert DialogKeyPrompt().passphrase(is_new=True) == "correct horse"
