"""Shared fixtures: the speech models are loaded once per test run (about a second)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turns import EngineModels


@pytest.fixture(scope="session")
def engine_models() -> EngineModels:
    return EngineModels.load()


@pytest.fixture
async def local_engine(engine_models: EngineModels) -> AsyncIterator[LocalEngine]:
    engine = LocalEngine(engine_models)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder
