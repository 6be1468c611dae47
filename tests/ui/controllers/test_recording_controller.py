"""The recording controller's relay of a turn still being spoken."""

from __future__ import annotations

from typing import Any

from therapy_notes.services.recording_events import PartialTranscript
from therapy_notes.ui.controllers.recording import RecordingController


async def _no_service(_request: object) -> Any:
    raise AssertionError("no session is started in this test")


def _no_audio() -> Any:
    raise AssertionError("no audio is opened in this test")


def test_confirmed_and_unconfirmed_words_are_relayed_apart(qtbot: Any) -> None:
    """The window styles the two kinds differently, so they must not arrive joined."""
    controller = RecordingController(_no_service, _no_audio)
    with qtbot.waitSignal(controller.partial_transcript_received) as blocker:
        controller._on_service_event(PartialTranscript("i1", "Right knee", "flexion is about"))
    assert blocker.args == ["i1", "Right knee", "flexion is about"]
