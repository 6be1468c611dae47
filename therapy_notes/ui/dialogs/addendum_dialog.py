"""An addendum to a signed note: why, and what it adds or corrects."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)


class AddendumDialog(QDialog):
    """Collects reason and text; the window sends them to the notes controller."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add addendum")
        self.setAccessibleName("Add addendum")
        form = QFormLayout(self)
        hint = QLabel(
            "The signed note stays as signed; the addendum is shown under it with "
            "your name and the time."
        )
        hint.setWordWrap(True)
        form.addRow(hint)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. Late entry, correction")
        self.text = QPlainTextEdit()
        form.addRow("Reason", self.reason)
        form.addRow("Text", self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.setMinimumWidth(460)

    def values(self) -> tuple[str, str]:
        return self.reason.text(), self.text.toPlainText()
