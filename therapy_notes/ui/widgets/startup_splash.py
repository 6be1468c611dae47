"""The small window shown from the first second until the main window is usable.

Opening the encrypted records and loading the speech model take a while on a slow
machine; a blank screen meanwhile reads as a hang. The splash says what is happening.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QVBoxLayout, QWidget


class StartupSplash(QFrame):
    """Icon, name, what is happening now, and a busy bar."""

    def __init__(self, icon: QIcon, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("startupSplash")
        self.setAccessibleName("Therapy Notes is starting")
        self.setFrameShape(QFrame.Shape.Box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(10)
        logo = QLabel()
        logo.setPixmap(icon.pixmap(72, 72))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(logo)
        name = QLabel("Therapy Notes")
        font = name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        name.setFont(font)
        name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(name)
        self.status = QLabel("Starting…")
        self.status.setAccessibleName("What is happening")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.status)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy, not a percentage that would be a guess
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        layout.addWidget(self.busy)
        self.setFixedWidth(340)

    def show_status(self, text: str) -> None:
        """Say what is happening now, painted at once (the next step may hold the thread).

        Only this widget is repainted: processing all pending events here would run
        other work in the middle of the caller's.
        """
        self.status.setText(text)
        if not self.isVisible():
            self.show()
            self.raise_()
        self.repaint()
