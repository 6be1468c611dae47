"""Shared fixtures: the speech models are loaded once per test run (about a second)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import keyring.backends.null
import pytest

from tests.unlocked import TEST_PASSPHRASE
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


@pytest.fixture(autouse=True)
def hermetic_database_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real OS keyring; the command line uses a passphrase."""
    monkeypatch.setenv("THERAPY_NOTES_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.delenv("THERAPY_NOTES_RECOVERY_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)
