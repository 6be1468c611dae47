"""The app's engine process is started again when it dies, and a session in progress loses
no turn; when it cannot be started again the reason comes back as a message."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.speech import LONG_SESSION, word_error_rate
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.domain.session import RecordingState
from therapy_notes.engine.asr import bundled_model_dir
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.launcher import local_engine
from therapy_notes.engine.supervisor import EngineSupervisor
from therapy_notes.engine.turns import EngineModels
from therapy_notes.realtime.links import link_factory
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.services.recording_events import RecordingEvent, SegmentSaved, StateChanged
from therapy_notes.storage.database import open_database

from .test_process import is_running, wait_until_ended

KILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def test_the_window_gets_a_process_and_injected_models_a_thread(
    engine_models: EngineModels,
) -> None:
    assert isinstance(local_engine(), EngineSupervisor)
    assert isinstance(local_engine(engine_models), BackgroundEngine)
    assert isinstance(local_engine(own_process=False), BackgroundEngine)


@pytest.mark.expected_log(
    "therapy_notes.engine.supervisor", "WARNING", match="ended on its own.*starting a new one"
)
async def test_a_killed_engine_is_started_again_and_the_session_loses_no_turn(
    tmp_path: Path,
) -> None:
    """The child is killed as soon as the first turn is stored, mid-recording."""
    events: list[RecordingEvent] = []
    killed: list[int] = []
    database = open_database(tmp_path / "therapy_notes.db")
    async with EngineSupervisor() as engine:
        first_pid, first_port = engine.pid, engine.port
        assert first_pid is not None

        def on_event(event: RecordingEvent) -> None:
            events.append(event)
            if isinstance(event, SegmentSaved) and not killed:
                os.kill(first_pid, KILL)
                killed.append(first_pid)

        try:
            service = RecordingService(
                uow_factory=database.uow_factory,
                link_factory=link_factory(engine.url, engine.token, is_cloud=False),
                settings=RecordingSettings(),
            )
            service.add_listener(on_event)
            await service.start(
                WavSource(LONG_SESSION.path, realtime=True, speed=4.0), template="soap"
            )
            await service.wait_for_audio_end()
            await service.stop(drain_timeout_s=300)
            assert service.session_id is not None
            with database.uow_factory() as uow:
                stored = [s.text for s in uow.segments.for_session(service.session_id)]
        finally:
            database.close()
        second_pid = engine.pid
        assert killed == [first_pid]
        assert engine.restarts == 1, engine.restarts
        assert second_pid not in (None, first_pid)
        assert engine.port == first_port  # the link reconnects to the address it knows
    assert second_pid is not None
    await wait_until_ended(first_pid)
    assert not is_running(second_pid)  # stop ended the new child too

    states = [e.state for e in events if isinstance(e, StateChanged)]
    assert RecordingState.RECONNECTING in states, states
    assert states[states.index(RecordingState.RECONNECTING) + 1] is RecordingState.RECORDING, states
    assert states[-1] is RecordingState.STOPPED, states
    # Every sentence once, in order: each stored turn is nearest to its own sentence
    # (a replayed turn may decode a word differently; tests/realtime has the word-exact
    # replay proof against the protocol fake).
    sentences = LONG_SESSION.sentences
    assert len(stored) == len(sentences), stored
    for index, heard in enumerate(stored):
        nearest = min(range(len(sentences)), key=lambda j: word_error_rate([sentences[j]], [heard]))
        assert nearest == index, (index, heard, stored)
    assert word_error_rate([LONG_SESSION.text], [" ".join(stored)]) <= 0.3, stored


@pytest.mark.expected_log(
    "therapy_notes.engine.supervisor", "WARNING", match="ended on its own.*starting a new one"
)
@pytest.mark.expected_log("therapy_notes.engine.supervisor", "ERROR", match="not started again")
async def test_an_engine_that_cannot_start_again_is_reported_lost(tmp_path: Path) -> None:
    """The model folder disappears while the app runs; the next start fails, and says why."""
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for part in bundled_model_dir().iterdir():
        (model_dir / part.name).symlink_to(part)
    async with EngineSupervisor(model_dir=model_dir) as engine:
        pid = engine.pid
        assert pid is not None
        for part in model_dir.iterdir():
            part.unlink()
        model_dir.rmdir()
        os.kill(pid, KILL)
        message = await engine.wait_lost()
    assert "could not start again" in message
    assert str(model_dir) in message
    assert engine.restarts == 0
    assert not is_running(pid)
