"""Settings: saved values, the API key in the keyring, and the input devices with a test meter.

Keyring and PortAudio calls may block (a locked keyring prompts, a device takes time to
open), so they run on worker threads or in the audio source's own task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from therapy_notes.errors import UserFacingError
from therapy_notes.services.ports import AudioSource
from therapy_notes.ui.controllers.recording import LevelMeter
from therapy_notes.ui.controllers.tasks import TaskGroup
from therapy_notes.ui.settings_store import (
    KEYRING_ENGINE_TOKEN_USER,
    ApiKeyStore,
    SettingsStore,
    UiSettings,
    masked,
)

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceAccess:
    """How the settings reach the audio hardware (given by the composition root).

    `list_names` may block and raises UserFacingError when PortAudio or the devices are
    unavailable; `open` opens a source for a device name ("" = the system default).
    """

    list_names: Callable[[], list[str]]
    open: Callable[[str], AudioSource]
    meter: LevelMeter


class SettingsController(QObject):
    """Holds the current settings and saves changes.

    Signals:
        settings_saved: the new `UiSettings` (object).
        key_hint_loaded: the stored key as shown (last four characters), or "" (str).
        key_failed: why the key could not be read or stored (str).
        devices_listed: input device names (list[str]).
        devices_failed: why devices cannot be listed or opened (str).
        test_level_measured: loudness 0..1 of the device under test (float).
    """

    settings_saved = Signal(object)
    key_hint_loaded = Signal(str)
    key_failed = Signal(str)
    devices_listed = Signal(list)
    devices_failed = Signal(str)
    test_level_measured = Signal(float)

    def __init__(
        self,
        store: SettingsStore,
        keys: ApiKeyStore,
        devices: DeviceAccess | None,
        defaults: UiSettings | None = None,
        parent: QObject | None = None,
        engine_tokens: ApiKeyStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._keys = keys
        self._engine_tokens = engine_tokens or ApiKeyStore(username=KEYRING_ENGINE_TOKEN_USER)
        self._devices = devices
        self._tasks = TaskGroup("settings")
        self.settings = store.load(defaults)
        self._test_source: AudioSource | None = None
        self._test_level = 0.0
        self._meter_timer = QTimer(self)
        self._meter_timer.setInterval(50)
        self._meter_timer.timeout.connect(lambda: self.test_level_measured.emit(self._test_level))

    @property
    def store(self) -> SettingsStore:
        return self._store

    def load_key_hint(self) -> None:
        self._tasks.spawn(self._load_key_hint(), "key-hint")

    def save(
        self, settings: UiSettings, api_key: str | None, engine_token: str | None = None
    ) -> None:
        """Persist `settings`; a secret None leaves the stored one alone, "" deletes it."""
        self._tasks.spawn(self._save(settings, api_key, engine_token), "save")

    async def api_key(self) -> str | None:
        """The stored key (raises UserFacingError when there is no usable keyring)."""
        return await asyncio.to_thread(self._keys.get)

    async def engine_token(self) -> str | None:
        """The stored clinic engine token (raises UserFacingError without a keyring)."""
        return await asyncio.to_thread(self._engine_tokens.get)

    def list_devices(self) -> None:
        self._tasks.spawn(self._list_devices(), "devices")

    def start_test(self, device: str) -> None:
        """Open `device` and meter it until `stop_test()`; nothing is recorded."""
        self.stop_test()
        if self._devices is None:
            self.devices_failed.emit("Audio input is not available in this build.")
            return
        self._tasks.spawn(self._test(device), "device-test")

    def stop_test(self) -> None:
        if self._test_source is not None:
            self._test_source.stop()
            self._test_source = None
        self._meter_timer.stop()
        self.test_level_measured.emit(0.0)

    async def wait_idle(self) -> None:
        await self._tasks.wait()

    async def shutdown(self) -> None:
        self.stop_test()
        await self._tasks.cancel_all()

    async def _load_key_hint(self) -> None:
        try:
            key = await asyncio.to_thread(self._keys.get)
        except UserFacingError as exc:
            self.key_failed.emit(str(exc))
            return
        self.key_hint_loaded.emit(masked(key))

    async def _save(
        self, settings: UiSettings, api_key: str | None, engine_token: str | None = None
    ) -> None:
        self._store.save(settings)
        self.settings = settings
        if engine_token is not None:
            try:
                await asyncio.to_thread(self._engine_tokens.set, engine_token)
            except UserFacingError as exc:
                self.key_failed.emit(str(exc))
        if api_key is not None:
            try:
                await asyncio.to_thread(self._keys.set, api_key)
            except UserFacingError as exc:
                self.key_failed.emit(str(exc))
            else:
                self.key_hint_loaded.emit(masked(api_key.strip()))
        self.settings_saved.emit(settings)

    async def _list_devices(self) -> None:
        if self._devices is None:
            self.devices_failed.emit("Audio input is not available in this build.")
            return
        try:
            names = await asyncio.to_thread(self._devices.list_names)
        except UserFacingError as exc:
            self.devices_failed.emit(str(exc))
            return
        if not names:
            self.devices_failed.emit(
                "No microphone was found. Connect one (or allow this app to use it in the "
                "system's privacy settings), then press Refresh."
            )
        self.devices_listed.emit(names)

    async def _test(self, device: str) -> None:
        if self._devices is None:
            return
        meter = self._devices.meter
        try:
            source = self._devices.open(device)
            self._test_source = source
            self._meter_timer.start()
            async for chunk in source.chunks():
                self._test_level = meter(chunk)
        except UserFacingError as exc:
            self.devices_failed.emit(str(exc))
        finally:
            self._meter_timer.stop()
            self._test_level = 0.0
