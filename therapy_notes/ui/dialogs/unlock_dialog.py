"""Asks for the database passphrase or recovery key, and shows a new recovery key once.

These dialogs run before the event loop starts (the database cannot open without the key),
so they are modal `exec()` calls on purpose: no coroutine is waiting behind them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox, QWidget

from therapy_notes.domain.key_wrap import MIN_PASSPHRASE_CHARS


class DialogKeyPrompt:
    """`KeyPrompt` (services.keys) for the desktop app."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._parent = parent

    def _ask(self, title: str, label: str, *, secret: bool = True) -> str | None:
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password if secret else QLineEdit.EchoMode.Normal)
        dialog.setAccessibleName(title)
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return None
        return dialog.textValue()

    def passphrase(self, *, is_new: bool) -> str | None:
        """The passphrase; a new one is asked again until it is long enough and repeated.

        A new one is checked here, before any key exists, so a refused passphrase never
        costs a recovery key that was already shown. Cancel gives None.
        """
        if not is_new:
            return self._ask(
                "Unlock Therapy Notes",
                "This computer has no password store, so the records are "
                "protected by a passphrase.\nPassphrase:",
            )
        problem = ""
        while True:
            first = self._ask(
                "Choose a passphrase",
                f"{problem}This computer has no password store. Choose a "
                "passphrase that protects the clinical records on this "
                f"computer, at least {MIN_PASSPHRASE_CHARS} characters (a few "
                "unrelated words are easy to remember and hard to guess)."
                "\nPassphrase:",
            )
            if first is None:
                return None
            if len(first) < MIN_PASSPHRASE_CHARS:
                problem = (
                    f"That passphrase is too short: use at least "
                    f"{MIN_PASSPHRASE_CHARS} characters.\n\n"
                )
                continue
            again = self._ask("Choose a passphrase", "Type the passphrase again:")
            if again is None:
                return None
            if again != first:
                problem = "The two passphrases differ. Choose one and type it twice.\n\n"
                continue
            return first

    def recovery_key(self) -> str | None:
        return self._ask(
            "Recovery key needed",
            "The key that opens the records was not found in this computer's "
            "password store.\nType the recovery key you stored when Therapy "
            "Notes was set up:",
            secret=False,
        )

    def show_recovery_key(self, recovery_key: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Store your recovery key",
            "Therapy Notes encrypts its records. If this computer's password "
            "store or passphrase is ever lost, only this recovery key opens "
            "them and their backups.\n\nPrint it or store it safely, away from "
            "this computer. It is shown only this once.",
            parent=self._parent,
        )
        box.setInformativeText(recovery_key)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy = box.addButton("Copy", QMessageBox.ButtonRole.ActionRole)
        box.addButton("I have stored it", QMessageBox.ButtonRole.AcceptRole)
        box.setAccessibleName("Recovery key")
        while True:
            box.exec()
            if box.clickedButton() is copy:
                clipboard = QApplication.clipboard()
                clipboard.setText(recovery_key)
                continue
            return
