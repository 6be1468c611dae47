"""The message bar at the top of the session view when recording cannot go on.

It names the cause in a headline ("No microphone found"), keeps the full explanation
below it, and offers the one action that fixes it (open the microphone or engine
settings). What the problem is and which action fits is `domain.problems`' rule; this bar
only draws a `Problem`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from therapy_notes.domain.problems import Problem, Remedy
from therapy_notes.ui.tones import DANGER

BAR_STYLE = (
    f"QFrame#problemBar {{ background-color: {DANGER.background}; border-radius: 4px; }}"
    f" QFrame#problemBar QLabel {{ color: {DANGER.foreground}; }}"
)


class ProblemBar(QFrame):
    """Shows the latest `Problem` until dismissed, fixed, or a new session starts.

    Signals:
        remedy_requested: the clinician pressed the fix (object: Remedy).
    """

    remedy_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemBar")
        self.setAccessibleName("Problem")
        self.setStyleSheet(BAR_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 8, 8)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel()
        self.title.setAccessibleName("Problem")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setAccessibleName("What happened and what to do")
        self.detail.setWordWrap(True)
        text.addWidget(self.title)
        text.addWidget(self.detail)
        layout.addLayout(text, 1)
        self.action = QPushButton()
        self.action.setAccessibleName("Fix the problem")
        self.action.clicked.connect(self._on_action_clicked)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setAccessibleName("Dismiss problem")
        self.dismiss.clicked.connect(self.hide)
        layout.addWidget(self.action)
        layout.addWidget(self.dismiss)
        self.problem: Problem | None = None
        self.hide()

    @property
    def remedy(self) -> Remedy | None:
        """The fix of the problem shown, or None when the bar is empty."""
        return self.problem.remedy if self.problem is not None else None

    def show_problem(self, problem: Problem) -> None:
        self.problem = problem
        self.title.setText(problem.title)
        self.detail.setText(problem.detail)
        self.action.setText(problem.action_label)
        self.action.setVisible(problem.remedy is not Remedy.NONE)
        self.show()

    def clear_problem(self) -> None:
        self.problem = None
        self.hide()

    def _on_action_clicked(self) -> None:
        if self.problem is not None:
            self.remedy_requested.emit(self.problem.remedy)
