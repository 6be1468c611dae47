"""Problems where the eye is: a missing microphone, in the real window over a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import MemoryKeyring, wait_for_signal, wait_until
from therapy_notes.app import build_app, local_engine_opener, pcm16_level
from therapy_notes.config import AppConfig
from therapy_notes.domain.session import RecordingState, SessionStatus
from therapy_notes.engine.turns import EngineModels
from therapy_notes.errors import MicrophoneMissingError
from therapy_notes.services.ports import AudioSource
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.dialogs.settings_dialog import SettingsPage
from therapy_notes.ui.settings_store import ApiKeyStore


class NoMicrophone:
    """What PortAudio does on a computer without an input: the first read fails."""

    async def chunks(self) -> AsyncIterator[bytes]:
        raise MicrophoneMissingError(
            "Could not find a microphone: no input device. Check that a microphone is connected."
        )
        yield b""  # pragma: no cover - makes this an async generator

    def stop(self) -> None:
        pass


def _no_microphone(_device: str) -> AudioSource:
    return NoMicrophone()


@pytest.mark.expected_log(
    "therapy_notes.services.recording",
    "ERROR",
    match=r"^session \d+ failed: MicrophoneMissingError$",
)
def test_no_microphone_shows_the_cause_and_keeps_no_failed_session(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: MemoryKeyring,
) -> None:
    async def scenario() -> None:
        config = AppConfig(data_dir=tmp_path / "data")
        parts = await build_app(
            config,
            audio_factory=_no_microphone,
            devices=DeviceAccess(lambda: [], _no_microphone, pcm16_level),
            engine_opener=local_engine_opener(config, engine_models),
            keys=ApiKeyStore(),
        )
        qtbot.addWidget(parts.window)
        window = parts.window
        window.show()
        parts.engine.start()
        await wait_until(lambda: parts.engine.state is EngineState.READY, what="engine ready")
        finished = wait_for_signal(parts.recording.session_finished)
        qtbot.mouseClick(window.bar.record_button, Qt.MouseButton.LeftButton)
        await finished
        await parts.library.wait_idle()

        assert window.problem_bar.isVisible()
        assert window.problem_bar.title.text() == "No microphone found"
        assert "microphone is connected" in window.problem_bar.detail.text()
        assert window.bar.state is RecordingState.FAILED
        assert "Failed" not in window.bar.connection_label.text()
        assert window.session_id is None
        with parts.database.uow_factory() as uow:
            assert [r for status in SessionStatus for r in uow.sessions.with_status(status)] == []

        # The fix is one click away: Settings opens on the microphone's page.
        qtbot.mouseClick(window.problem_bar.action, Qt.MouseButton.LeftButton)
        dialog = window.settings_dialog
        assert dialog is not None
        assert dialog.page is SettingsPage.CLINICIAN
        dialog.reject()
        window.close()
        await parts.shutdown()

    run(scenario(), 90)
