"""Voice enrollment: the clinician reads a short passage aloud once.

The dialog only shows what `VoiceEnrollmentController` reports (level, seconds, outcome)
and passes the clicks on; recording and the voice print happen in the controller and the
service, off the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.ui.controllers.voice import VoiceEnrollmentController

TEXT_WIDTH = 540
"""Pixels the passage wraps at: short lines, read aloud without losing the place."""
TARGET_S = 20
"""About how long the passage takes to read; the progress bar fills over it."""


class VoiceEnrollmentDialog(QDialog):
    """Record, stop, and see whether the voice was enrolled; forget it again."""

    def __init__(self, controller: VoiceEnrollmentController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Enroll my voice")
        self.setAccessibleName("Enroll my voice")
        self._controller = controller
        layout = QVBoxLayout(self)
        # Word-wrapped labels need a width to wrap at, or the layout squeezes them.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel(
            "Read the passage below aloud at your usual pace, with the microphone you use "
            "in sessions. The app keeps a summary of your voice (not the recording) in the "
            "encrypted database, to tell you from your client."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        passage = QLabel(controller.passage)
        passage.setWordWrap(True)
        passage.setFrameShape(QFrame.Shape.StyledPanel)
        passage.setMargin(12)
        font = passage.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        passage.setFont(font)
        passage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (intro, passage):
            label.setMinimumWidth(TEXT_WIDTH)
        # The frame and the margin are not in the label's own wrap height: ask for all of it.
        passage.setMinimumHeight(passage.heightForWidth(TEXT_WIDTH) + 2 * passage.margin())
        layout.addWidget(passage)

        row = QHBoxLayout()
        self.record_button = QPushButton("Start reading")
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self._on_record_clicked)
        row.addWidget(self.record_button)
        self.level_bar = QProgressBar()
        self.level_bar.setRange(0, 100)
        self.level_bar.setTextVisible(False)
        self.level_bar.setAccessibleName("Microphone level")
        row.addWidget(self.level_bar, 1)
        self.seconds_label = QLabel(f"0 of about {TARGET_S} s")
        widest = self.seconds_label.fontMetrics().horizontalAdvance(f"60 of about {TARGET_S} s")
        self.seconds_label.setMinimumWidth(widest + 4)
        row.addWidget(self.seconds_label)
        layout.addLayout(row)

        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumWidth(TEXT_WIDTH)
        self.message_label.setAccessibleName("Enrollment result")
        layout.addWidget(self.message_label)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setMinimumWidth(TEXT_WIDTH)
        layout.addWidget(self.status_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.forget_button = QPushButton("Forget my voice")
        self.forget_button.setToolTip("Delete your voice print from this database")
        self.forget_button.clicked.connect(controller.forget)
        buttons.addButton(self.forget_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        controller.status_changed.connect(self.status_label.setText)
        controller.level_measured.connect(lambda level: self.level_bar.setValue(int(level * 100)))
        controller.seconds_recorded.connect(self._on_seconds)
        controller.recording_changed.connect(self._on_recording_changed)
        controller.busy_changed.connect(self._on_busy_changed)
        controller.enrolled.connect(self._on_enrolled)
        controller.failed.connect(self._on_failed)
        controller.enrolled_changed.connect(self.forget_button.setEnabled)
        self.forget_button.setEnabled(False)
        controller.refresh()

    def _on_record_clicked(self) -> None:
        if self._controller.is_recording:
            self._controller.stop()
        else:
            self.message_label.setText("")
            self._controller.start()

    def _on_seconds(self, seconds: float) -> None:
        self.seconds_label.setText(f"{seconds:.0f} of about {TARGET_S} s")

    def _on_recording_changed(self, recording: bool) -> None:
        self.record_button.setText("Stop" if recording else "Start reading")

    def _on_busy_changed(self, busy: bool) -> None:
        self.record_button.setEnabled(not busy)
        if busy:
            self.message_label.setText("Learning your voice…")

    def _on_enrolled(self, message: str) -> None:
        self.message_label.setText(message)

    def _on_failed(self, message: str) -> None:
        self.message_label.setText(f"Could not enroll: {message}")

    def reject(self) -> None:
        self._controller.stop()
        super().reject()
