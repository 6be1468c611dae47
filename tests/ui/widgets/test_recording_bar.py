"""The recording bar: buttons, template choice and connection state follow the recorder."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.session import RecordingState
from therapy_notes.ui.widgets.recording_bar import RecordingBar


def test_recording_bar_shows_connection_states(qtbot: Any) -> None:
    bar = RecordingBar(("soap", "dap"))
    qtbot.addWidget(bar)
    bar.show_state(RecordingState.RECORDING, "")
    assert not bar.record_button.isEnabled()
    assert bar.stop_button.isEnabled()
    assert not bar.template_box.isEnabled()
    bar.show_state(RecordingState.RECONNECTING, "Connection lost", attempt=3)
    assert bar.connection_label.text() == "Reconnecting (attempt 3)"
    bar.show_state(RecordingState.FAILED, "The API key was refused.")
    assert bar.connection_label.text() == "Not recording"
    assert bar.connection_label.toolTip() == "The API key was refused."
    assert bar.record_button.isEnabled()
    bar.show_elapsed(3725)
    assert bar.elapsed.text() == "1:02:05"
