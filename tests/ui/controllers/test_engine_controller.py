"""The window's engine, as the app opens it by default: a process of its own, and what the
indicator says when that process cannot be started again."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any, cast

import pytest

from therapy_notes.app import local_engine_opener
from therapy_notes.config import AppConfig
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.engine.asr import bundled_model_dir
from therapy_notes.errors import EngineUnavailableError
from therapy_notes.ui.controllers.engine import EngineController, EngineState
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.settings_store import UiSettings


class _LocalSettings:
    """The part of `SettingsController` the opener reads: the local engine is chosen."""

    settings = UiSettings(engine=EngineChoice.LOCAL)


def _engine_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "therapy-notes-engine"]


@pytest.mark.expected_log(
    "therapy_notes.engine.supervisor", "WARNING", match="ended on its own.*starting a new one"
)
@pytest.mark.expected_log("therapy_notes.engine.supervisor", "ERROR", match="not started again")
async def test_an_engine_process_that_cannot_come_back_fails_with_the_reason(
    qapp: Any, tmp_path: Path
) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for part in bundled_model_dir().iterdir():
        (model_dir / part.name).symlink_to(part)
    config = AppConfig(data_dir=tmp_path / "data", asr_model_dir=model_dir)
    opener = local_engine_opener(config)(cast(SettingsController, _LocalSettings()))
    controller = EngineController(opener)
    states: list[tuple[EngineState, str]] = []
    failed = asyncio.Event()

    def on_state(state: EngineState, message: str) -> None:
        states.append((state, message))
        if state is EngineState.FAILED:
            failed.set()

    controller.state_changed.connect(on_state)
    controller.start()
    endpoint = await controller.endpoint(timeout_s=300)
    assert endpoint.kind == "local"
    [child] = _engine_children()  # the default engine is a child process, not a thread
    for part in model_dir.iterdir():
        part.unlink()
    model_dir.rmdir()
    os.kill(child.pid or 0, getattr(signal, "SIGKILL", signal.SIGTERM))
    await failed.wait()  # however long the machine takes; the test's timeout bounds it
    assert states[-1][0] is EngineState.FAILED
    assert "could not start again" in states[-1][1]
    with pytest.raises(EngineUnavailableError, match="could not start again"):
        await controller.endpoint()
    await controller.shutdown()
    assert _engine_children() == []
