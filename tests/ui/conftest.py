"""UI fixtures: an offscreen display, a qasync loop of our own, an in-memory keyring.

pytest-qt drives widgets; async controller work runs on a `qasync.QEventLoop` that the
test runs with `run(...)`, so Qt events and asyncio tasks interleave as in the app.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import gc
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.backend
import keyring.errors
import pytest
import qasync
from PySide6.QtWidgets import QApplication

from tests.fakes.keyring_backend import MemoryKeyringBackend
from therapy_notes.app import AppParts, build_app, local_engine_opener
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.config import AppConfig
from therapy_notes.engine.turns import EngineModels
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.gc_collector import GuiThreadCollector
from therapy_notes.ui.settings_store import ApiKeyStore

T = TypeVar("T")


MemoryKeyring = MemoryKeyringBackend
"""The dict-backed keyring the window's tests use (shared with the other suites)."""


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def collect_qt_garbage(qapp: QApplication) -> Iterator[None]:
    """Collect garbage on the GUI thread only, during each test as the app does.

    Left to the cyclic collector, Qt objects are freed whenever it next runs: possibly on
    a worker thread (a storage call, the engine), where deleting a QObject crashes the
    process. The app turns automatic collection off and collects from a GUI-thread timer
    (`GuiThreadCollector`); each test runs the same way, then frees what it left here.
    """
    collector = GuiThreadCollector(interval_ms=500)
    collector.start()
    yield
    collector.stop()
    gc.collect()


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    qapp.setQuitOnLastWindowClosed(False)  # as in the app: closing saves first, then quits
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    asyncio.set_event_loop(None)


Runner = Callable[[Coroutine[Any, Any, T]], T]


@pytest.fixture
def run(qloop: qasync.QEventLoop) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Run a coroutine on the qasync loop (Qt events are processed meanwhile)."""

    def runner(coro: Coroutine[Any, Any, Any], timeout_s: float = 60.0) -> Any:
        return qloop.run_until_complete(asyncio.wait_for(coro, timeout_s))

    return runner


async def wait_until(
    predicate: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition"
) -> None:
    """Poll `predicate` while the loop (and Qt) keep running; fail after `timeout_s`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_for_signal(signal: Any, timeout_s: float = 20.0) -> tuple[Any, ...]:
    """The arguments of the next emission of a Qt signal."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def on_emit(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(on_emit)
    try:
        return await asyncio.wait_for(future, timeout_s)
    finally:
        signal.disconnect(on_emit)


@pytest.fixture(scope="session")
def engine_models() -> EngineModels:
    """The real recogniser and VAD, loaded once for the UI tests."""
    return EngineModels.load()


class WavDevices:
    """Audio "devices" that are WAV files: the real path without a microphone."""

    def __init__(self, path: Path, *, realtime: bool = True) -> None:
        self.path = path
        self.realtime = realtime
        self.opened = 0

    def open(self, _device: str) -> WavSource:
        self.opened += 1
        return WavSource(self.path, realtime=self.realtime)


AppBuilder = Callable[..., Awaitable[AppParts]]


@pytest.fixture
def make_app(
    tmp_path: Path, engine_models: EngineModels, memory_keyring: MemoryKeyring, qtbot: Any
) -> Callable[..., Awaitable[AppParts]]:
    """Build the real app over a temp data folder; the audio is a WAV file."""

    async def make(
        wav: Path,
        *,
        data_dir: Path | None = None,
        token_cap: int | None = None,
        realtime: bool = True,
    ) -> AppParts:
        config = AppConfig(data_dir=data_dir or tmp_path / "data")
        if token_cap is not None:
            config = AppConfig(data_dir=config.data_dir, token_cap=token_cap)
        devices = WavDevices(wav, realtime=realtime)
        from therapy_notes.app import pcm16_level

        parts = await build_app(
            config,
            audio_factory=devices.open,
            devices=DeviceAccess(lambda: ["Test WAV input"], devices.open, pcm16_level),
            engine_opener=local_engine_opener(config, engine_models),
            keys=ApiKeyStore(),
        )
        qtbot.addWidget(parts.window)
        return parts

    return make
