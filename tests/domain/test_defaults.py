"""One home for the defaults: the config, the window's settings and the service agree."""

from __future__ import annotations

from dataclasses import fields

from therapy_notes.config import AppConfig
from therapy_notes.domain import defaults
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.services.recording import RecordingSettings


def test_the_command_line_and_the_service_start_from_the_same_numbers() -> None:
    config, service = AppConfig(), RecordingSettings()
    shared = {f.name for f in fields(AppConfig)} & {f.name for f in fields(RecordingSettings)}
    assert {"model", "reasoning_effort", "max_output_tokens", "token_cap"} <= shared
    for name in sorted(shared - {"prices"}):
        assert getattr(config, name) == getattr(service, name), name
    assert service.token_cap == defaults.TOKEN_CAP
    assert defaults.REASONING_EFFORT in defaults.REASONING_EFFORTS


def test_only_the_local_engine_keeps_audio_on_this_computer() -> None:
    assert [c for c in EngineChoice if not c.is_cloud] == [EngineChoice.LOCAL]
    assert EngineChoice("openai") is EngineChoice.OPENAI
    assert len({c.label for c in EngineChoice}) == len(EngineChoice)
