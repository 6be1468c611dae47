"""A dismissable message line for what happened and what to do about it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from therapy_notes.ui.tones import DANGER

ERROR_STYLE = (
    f"QFrame#noticeBar {{ border: 1px solid {DANGER.background}; border-radius: 4px; }}"
    f" QFrame#noticeBar QLabel {{ color: palette(window-text); }}"
)
INFO_STYLE = "QFrame#noticeBar { border: 1px solid palette(mid); border-radius: 4px; }"


class NoticeBar(QFrame):
    """Shows the latest notice until dismissed or replaced."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setAccessibleName("Message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Message text")
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setAccessibleName("Dismiss message")
        self.dismiss.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        self.is_error = False
        self.hide()

    def show_notice(self, message: str, is_error: bool) -> None:
        self.is_error = is_error
        self.label.setText(("⚠ " if is_error else "") + message)
        self.setStyleSheet(ERROR_STYLE if is_error else INFO_STYLE)
        self.show()
