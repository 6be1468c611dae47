"""An `AppConfig` whose `transcribe` runs talk to a test's in-process local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from therapy_notes.config import AppConfig
from therapy_notes.engine.server import LocalEngine

_TOKEN_ENVS = ("TEST_ENGINE_TOKEN", "THERAPY_NOTES_ENGINE_TOKEN")
"""Where the client looks for a local engine's token: the run's own variable and the default."""


def local_engine_config(
    data_dir: Path, engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> AppConfig:
    """`data_dir` on `engine`, with the engine's token (if it checks tokens) in the env."""
    token = str(getattr(engine, "token", "test"))
    for name in _TOKEN_ENVS:
        monkeypatch.setenv(name, token)
    return AppConfig(data_dir=data_dir, engine_url=engine.url, api_key_env=_TOKEN_ENVS[0])
