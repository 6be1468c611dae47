"""The recording bar: controls, meter, elapsed time, engine and connection state.

It also holds the one choice made before a session starts: the note template. How the
model reasons (effort, limits) is an Advanced setting, not a clinician's per-session choice.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QWidget,
)

from therapy_notes.domain.session import RecordingState
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.tones import error_text

STATE_TEXT = {
    RecordingState.IDLE: "Ready",
    RecordingState.CONNECTING: "Connecting…",
    RecordingState.RECORDING: "Live",
    RecordingState.RECONNECTING: "Reconnecting",
    RecordingState.STOPPING: "Saving…",
    RecordingState.STOPPED: "Saved",
    RecordingState.FAILED: "Not recording",
}


def elapsed_text(seconds: int) -> str:
    """h:mm:ss, for the elapsed time and session lengths."""
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours:d}:{rest // 60:02d}:{rest % 60:02d}"


class RecordingBar(QWidget):
    """The controls above the session view.

    Signals:
        record_clicked: Record was pressed ().
        pause_clicked: Pause or Resume was pressed ().
        stop_clicked: Stop was pressed ().
    """

    record_clicked = Signal()
    pause_clicked = Signal()
    stop_clicked = Signal()

    def __init__(self, templates: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        style = self.style()
        self.record_button = QPushButton("Record")
        self.record_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.record_button.setAccessibleName("Record")
        self.record_button.setToolTip("Start recording (F9)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        self.pause_button.setAccessibleName("Pause recording")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.setAccessibleName("Stop recording")
        self.stop_button.setToolTip("Stop and save (F9)")
        self.record_button.clicked.connect(self.record_clicked)
        self.pause_button.clicked.connect(self.pause_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)

        self.meter = QProgressBar()
        self.meter.setAccessibleName("Input level")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedWidth(90)
        self.meter.setMaximumHeight(12)
        self.elapsed = QLabel(elapsed_text(0))
        self.elapsed.setAccessibleName("Elapsed time")
        font = self.elapsed.font()
        font.setFamily("monospace")
        self.elapsed.setFont(font)

        self.template_box = QComboBox()
        self.template_box.setAccessibleName("Note template")
        self.template_box.addItems([t.upper() for t in templates])
        self._templates = templates

        self.engine_label = QLabel()
        self.engine_label.setAccessibleName("Engine")
        self.connection_label = QLabel()
        self.connection_label.setAccessibleName("Connection state")

        for widget in (self.record_button, self.pause_button, self.stop_button):
            layout.addWidget(widget)
        layout.addWidget(self.meter)
        layout.addWidget(self.elapsed)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Template"))
        layout.addWidget(self.template_box)
        layout.addSpacing(12)
        layout.addWidget(self.engine_label)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.VLine)
        divider.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(divider)  # "Engine: Local | Live", never "Engine: Local Live"
        layout.addWidget(self.connection_label, 1)
        self.state = RecordingState.IDLE
        self.show_state(RecordingState.IDLE, "")

    # -- choices -----------------------------------------------------------------------------

    @property
    def template(self) -> str:
        return self._templates[self.template_box.currentIndex()]

    def set_template(self, name: str) -> None:
        if name in self._templates:
            self.template_box.setCurrentIndex(self._templates.index(name))

    # -- state -------------------------------------------------------------------------------

    def show_state(self, state: RecordingState, message: str, attempt: int = 0) -> None:
        self.state = state
        active = state in (
            RecordingState.CONNECTING,
            RecordingState.RECORDING,
            RecordingState.RECONNECTING,
            RecordingState.STOPPING,
        )
        self.record_button.setEnabled(not active)
        self.pause_button.setEnabled(
            state in (RecordingState.RECORDING, RecordingState.RECONNECTING)
        )
        self.stop_button.setEnabled(
            state
            in (RecordingState.CONNECTING, RecordingState.RECORDING, RecordingState.RECONNECTING)
        )
        self.template_box.setEnabled(not active)
        text = STATE_TEXT[state]
        if state is RecordingState.RECONNECTING:
            text = f"Reconnecting (attempt {attempt})"
        # The full reason is in the message bar and the tooltip; the bar stays one line.
        self.connection_label.setText(text)
        self.connection_label.setToolTip(message)
        is_bad = state in (RecordingState.FAILED, RecordingState.RECONNECTING)
        self.connection_label.setStyleSheet(f"color: {self._error_colour()};" if is_bad else "")
        if not active:
            self.set_paused(False)

    def set_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setAccessibleName("Resume recording" if paused else "Pause recording")

    def show_engine(self, state: EngineState, message: str) -> None:
        names = {
            EngineState.STARTING: "Engine: starting…",
            EngineState.READY: "Engine: ",
            EngineState.FAILED: "Engine: failed",
            EngineState.STOPPED: "Engine: stopped",
        }
        text = names[state] + (message if state is EngineState.READY else "")
        self.engine_label.setText(text)
        self.engine_label.setToolTip(message)
        self.engine_label.setForegroundRole(QPalette.ColorRole.WindowText)
        self.engine_label.setStyleSheet(
            f"color: {self._error_colour()};" if state is EngineState.FAILED else ""
        )

    def _error_colour(self) -> str:
        return error_text(self.palette().window().color().lightness() < 128)

    def show_level(self, level: float) -> None:
        self.meter.setValue(round(max(0.0, min(1.0, level)) * 100))

    def show_elapsed(self, seconds: int) -> None:
        self.elapsed.setText(elapsed_text(seconds))
