"""The lock screen: an opaque cover over the whole window, with a password field.

It covers the menu bar, patient list, transcript and note alike; the window also hides
those widgets while locked, so not even a screen reader or a grab can reach them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

LOCKED_TEXT = "Locked — enter your password"


class LockOverlay(QWidget):
    """Covers its parent while shown; asks for a password to unlock.

    Signals:
        unlock_requested: user name and password to check (str, str).
    """

    unlock_requested = Signal(str, str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAccessibleName("Locked")
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(420)
        layout = QVBoxLayout(card)
        self.title = QLabel(LOCKED_TEXT)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.status)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.returnPressed.connect(self.submit)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        layout.addWidget(self.error)
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        layout.addWidget(self.unlock_button)
        row = QVBoxLayout()
        row.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addLayout(row)
        outer.addStretch(2)
        parent.installEventFilter(self)
        self.hide()

    def show_locked(self, username: str, status: str) -> None:
        """Cover the parent; `status` says e.g. that recording goes on behind the lock."""
        self.username.setText(username)
        self.password.clear()
        self.error.hide()
        self.status.setText(status)
        self.status.setVisible(bool(status))
        self.unlock_button.setEnabled(True)
        self._cover()
        self.show()
        self.raise_()
        self.password.setFocus()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.password.clear()
        self.unlock_button.setEnabled(True)
        self.password.setFocus()

    def submit(self) -> None:
        self.unlock_button.setEnabled(False)
        self.unlock_requested.emit(self.username.text(), self.password.text())

    def _cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Follow the parent's size, so a resized window stays covered."""
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._cover()
        return False
