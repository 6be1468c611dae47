"""A stand-in for the `sounddevice` module that replays audio through a real callback thread.

Like a sound card, `InputStream` calls the callback from its own thread at the real rate,
with one buffer it reuses (and scribbles over after each call, so a recorder that keeps the
buffer instead of copying it gets garbage). It records how long each callback took.
"""

from __future__ import annotations

import threading
import time
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt


class PortAudioError(Exception):
    """Same name and role as `sounddevice.PortAudioError`."""


class CallbackFlags:
    """The status object PortAudio hands the callback."""

    def __init__(self, *, input_overflow: bool = False) -> None:
        self.input_overflow = input_overflow

    def __bool__(self) -> bool:
        return self.input_overflow


class FakeInputStream:
    def __init__(
        self,
        owner: FakeSoundDevice,
        *,
        device: int | str | None = None,
        samplerate: float,
        channels: int,
        dtype: str,
        blocksize: int,
        callback: Callable[[npt.NDArray[np.float32], int, Any, CallbackFlags], None],
        finished_callback: Callable[[], None] | None = None,
    ) -> None:
        if owner.open_error is not None:
            raise PortAudioError(owner.open_error)
        if round(samplerate) in owner.refused_rates_hz:
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")
        assert dtype == "float32"
        assert blocksize > 0
        self.owner = owner
        self.device = device
        self.samplerate = int(samplerate)
        self.channels = channels
        self.blocksize = blocksize
        self._callback = callback
        self._finished_callback = finished_callback
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed = False
        self.blocks_delivered = 0
        owner.streams.append(self)

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-portaudio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        audio = self.owner.audio
        buffer = np.empty((self.blocksize, self.channels), dtype=np.float32)
        position = 0
        started = time.monotonic()
        try:
            while not self._halt.is_set():
                if position + self.blocksize > len(audio):
                    if not self.owner.loop_audio:
                        return
                    position = 0
                block = audio[position : position + self.blocksize]
                position += self.blocksize
                buffer[:] = block[:, None]
                n = self.blocks_delivered + 1
                every = self.owner.overflow_every
                flags = CallbackFlags(input_overflow=bool(every) and n % every == 0)
                t0 = time.perf_counter()
                self._callback(buffer, self.blocksize, None, flags)
                self.owner.callback_durations_s.append(time.perf_counter() - t0)
                buffer.fill(np.nan)  # PortAudio reuses the buffer: anything kept is now junk
                self.blocks_delivered = n
                due = started + n * self.blocksize / self.samplerate
                self._halt.wait(max(0.0, due - time.monotonic()))
        finally:
            if self._finished_callback is not None:
                self._finished_callback()

    def _halt_thread(self) -> None:
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def stop(self) -> None:
        self._halt_thread()

    def abort(self) -> None:
        self._halt_thread()

    def close(self) -> None:
        self._halt_thread()
        self.closed = True


class FakeSoundDevice(types.ModuleType):
    """The parts of `sounddevice` the app uses, with one input device that plays `audio`.

    Args:
        audio: mono float samples at `rate_hz`, replayed block by block.
        rate_hz: the device's default sample rate.
        loop_audio: start again at the end (a microphone never ends) or end the stream.
        refused_rates_hz: rates at which opening a stream fails, like a picky device.
        open_error: when set, opening any stream fails with this PortAudio message.
        overflow_every: flag every n-th block as an input overflow (0: never).
        has_device: whether there is an input device at all.
    """

    PortAudioError = PortAudioError
    CallbackFlags = CallbackFlags

    def __init__(
        self,
        audio: npt.NDArray[np.float32],
        *,
        rate_hz: int = 48_000,
        loop_audio: bool = True,
        refused_rates_hz: frozenset[int] = frozenset(),
        open_error: str | None = None,
        overflow_every: int = 0,
        has_device: bool = True,
    ) -> None:
        super().__init__("sounddevice")
        self.audio = np.asarray(audio, dtype=np.float32)
        self.rate_hz = rate_hz
        self.loop_audio = loop_audio
        self.refused_rates_hz = refused_rates_hz
        self.open_error = open_error
        self.overflow_every = overflow_every
        self.has_device = has_device
        self.streams: list[FakeInputStream] = []
        self.callback_durations_s: list[float] = []
        self.default = types.SimpleNamespace(device=[1 if has_device else -1, 0])

    def InputStream(self, **kwargs: Any) -> FakeInputStream:  # noqa: N802 - sounddevice's name
        return FakeInputStream(self, **kwargs)

    def _devices(self) -> list[dict[str, Any]]:
        devices: list[dict[str, Any]] = [
            {
                "name": "Speakers",
                "index": 0,
                "max_input_channels": 0,
                "max_output_channels": 2,
                "default_samplerate": 44100.0,
            },
        ]
        if self.has_device:
            devices.append(
                {
                    "name": "Desk microphone",
                    "index": 1,
                    "max_input_channels": 2,
                    "max_output_channels": 0,
                    "default_samplerate": float(self.rate_hz),
                }
            )
            devices.append(
                {
                    "name": "USB headset",
                    "index": 2,
                    "max_input_channels": 1,
                    "max_output_channels": 2,
                    "default_samplerate": 16000.0,
                }
            )
        return devices

    def query_devices(self, device: int | str | None = None, kind: str | None = None) -> Any:
        devices = self._devices()
        if device is None and kind is None:
            return devices
        if device is None:
            index = self.default.device[0]
            if index < 0:
                raise PortAudioError("Error querying device -1")
            return devices[index]
        for d in devices:
            if d["index"] == device or d["name"] == device:
                if kind == "input" and d["max_input_channels"] < 1:
                    raise ValueError(f"Not an input device: {device!r}")
                return d
        raise ValueError(f"No input device matching {device!r}")
