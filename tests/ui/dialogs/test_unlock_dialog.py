"""The key dialogs: a new recovery key is shown once and can be copied; passphrases match;
the first-run passphrase dialog asks again instead of ending the app."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QPushButton

from therapy_notes.domain.key_wrap import MIN_PASSPHRASE_CHARS
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


class ScriptedDialogs(DialogKeyPrompt):
    """The prompt's own logic, with each input dialog answered from a list."""

    def __init__(self, answers: list[str | None]) -> None:
        super().__init__()
        self.answers = answers
        self.labels: list[str] = []

    def _ask(self, title: str, label: str, *, secret: bool = True) -> str | None:
        self.labels.append(label)
        return self.answers.pop(0)


def test_new_passphrase_dialog_names_the_minimum_and_asks_again() -> None:
    prompt = ScriptedDialogs(
        ["short", "long enough now", "long enough typo", "long enough now", "long enough now"]
    )
    assert prompt.passphrase(is_new=True) == "long enough now"
    assert prompt.answers == []
    first, after_short, _again, after_typo, _again_2 = prompt.labels
    assert f"at least {MIN_PASSPHRASE_CHARS} characters" in first
    assert after_short.startswith("That passphrase is too short")
    assert after_typo.startswith("The two passphrases differ")


def test_cancel_gives_no_passphrase() -> None:
    assert ScriptedDialogs(["short", None]).passphrase(is_new=True) is None
    assert ScriptedDialogs(["long enough now", None]).passphrase(is_new=True) is None
