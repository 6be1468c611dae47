"""Microphone capture: PortAudio's callback thread -> a bounded queue on the event loop.

The callback runs on PortAudio's real-time thread. It copies the buffer (PortAudio reuses
it), hops to the loop with `call_soon_threadsafe`, and does nothing else: no locks, no
logging, no conversion, so it never makes the audio thread miss a deadline. On the loop a
bounded queue keeps the newest `max_chunks` blocks; when the consumer falls behind, the oldest
block is dropped and counted, because bounded latency beats unbounded memory in a live session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from types import ModuleType, TracebackType
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from therapy_notes.audio.chunking import ChunkFramer, chunk_bytes_for
from therapy_notes.audio.devices import MICROPHONE_HINT, device_error
from therapy_notes.audio.dsp import StreamConverter, rms_level
from therapy_notes.errors import AudioDeviceError, MicrophoneLostError

logger = logging.getLogger(__name__)

FALLBACK_RATES_HZ = (48_000, 24_000)
"""Rates tried when the device's own default rate is unknown or refused."""


class AudioRecorder:
    """Records one input device as mono 24 kHz PCM16 chunks (implements `AudioSource`).

    The stream opens at the device's default rate (most devices resample badly, or not at
    all, at other rates) and is converted on the loop: mono, DC removal, slow gain
    normalisation when `normalise` is on, then resampling that keeps state across chunks.

    Use `async with recorder:` (or `await start()`), iterate `chunks()`, and `stop()`.
    `level` (0..1, raw input) feeds a level meter; `overruns` counts blocks dropped because
    the consumer was slow; `input_overflows` counts blocks PortAudio flagged as overflowed.
    """

    def __init__(
        self,
        sd_module: ModuleType,
        *,
        device: int | str | None = None,
        chunk_ms: int = 100,
        max_chunks: int = 50,
        normalise: bool = True,
    ) -> None:
        if max_chunks < 1:
            raise ValueError(f"max_chunks must be at least 1, got {max_chunks}")
        self._sd = sd_module
        self._device = device
        self._chunk_ms = chunk_ms
        self._chunk_bytes = chunk_bytes_for(chunk_ms)
        self._normalise = normalise
        self._blocks: deque[npt.NDArray[np.float32]] = deque(maxlen=max_chunks)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: Any = None
        self._sample_rate_hz: int | None = None
        self._is_stopped = False
        self._device_lost = False
        self._level = 0.0
        self.overruns = 0
        self.input_overflows = 0

    @property
    def level(self) -> float:
        """Loudness of the latest block, 0..1 (dBFS -60..0), before any gain."""
        return self._level

    @property
    def sample_rate_hz(self) -> int | None:
        """The rate the device stream runs at, once started."""
        return self._sample_rate_hz

    @property
    def queued_chunks(self) -> int:
        """Blocks waiting for the consumer (never more than `max_chunks`)."""
        return len(self._blocks)

    @property
    def is_running(self) -> bool:
        """The stream is open and not stopped."""
        return self._stream is not None and not self._is_stopped

    async def start(self) -> None:
        """Open and start the input stream (in a worker thread: opening can take a while).

        Raises:
            AudioDeviceError: no input device, or the device refused every rate tried.
        """
        if self._stream is not None or self._is_stopped:
            return
        self._loop = asyncio.get_running_loop()
        stream, rate = await asyncio.to_thread(self._open_stream)
        if self._has_stopped():  # stop() was called while the stream was opening
            _close_quietly(self._sd, stream)
            return
        self._stream, self._sample_rate_hz = stream, rate
        logger.info("Microphone started at %d Hz", rate)

    def stop(self) -> None:
        """Close the stream; `chunks()` ends once the blocks already queued are converted."""
        if self._is_stopped:
            return
        self._is_stopped = True
        if self._stream is not None:
            _close_quietly(self._sd, self._stream)
            logger.info(
                "Microphone stopped (overruns=%d, input overflows=%d)",
                self.overruns,
                self.input_overflows,
            )
        self._wake.set()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def chunks(self) -> AsyncIterator[bytes]:
        """Yield mono PCM16 at 24 kHz in `chunk_ms` chunks until `stop()`.

        Starts the stream if `start()` was not called.

        Raises:
            AudioDeviceError: the device could not be opened, or stopped delivering audio
                (unplugged, or taken away by the system).
        """
        await self.start()
        if self._sample_rate_hz is None:
            return
        converter = StreamConverter(self._sample_rate_hz, normalise=self._normalise)
        framer = ChunkFramer(self._chunk_bytes)
        while True:
            while self._blocks:
                for chunk in framer.push(converter.process(self._blocks.popleft())):
                    yield chunk
            if self._is_stopped:
                break
            if self._device_lost:
                raise MicrophoneLostError(
                    "The microphone stopped delivering audio; it may have been unplugged or "
                    f"taken by another app. {MICROPHONE_HINT}"
                )
            self._wake.clear()
            await self._wake.wait()
        tail = framer.push(converter.flush())
        for chunk in tail:
            yield chunk
        rest = framer.flush()
        if rest:
            yield rest

    # --- PortAudio thread -----------------------------------------------------------------

    def _on_audio(
        self, indata: npt.NDArray[np.float32], frames: int, time_info: object, status: Any
    ) -> None:
        # Runs on PortAudio's thread: copy the reused buffer and hop; touch nothing else.
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed under a running stream
            loop.call_soon_threadsafe(self._enqueue, indata.copy(), bool(status.input_overflow))

    def _on_finished(self) -> None:
        # Runs on PortAudio's thread when the stream ends for any reason.
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._stream_finished)

    # --- event loop -----------------------------------------------------------------------

    def _enqueue(self, block: npt.NDArray[np.float32], is_overflow: bool) -> None:
        if self._is_stopped:
            return
        if is_overflow:
            self.input_overflows += 1
        if len(self._blocks) == self._blocks.maxlen:
            self.overruns += 1  # the deque drops the oldest block on append
        self._blocks.append(block)
        self._level = rms_level(block)
        self._wake.set()

    def _has_stopped(self) -> bool:
        return self._is_stopped

    def _stream_finished(self) -> None:
        if not self._is_stopped:
            logger.warning("Microphone stream ended unexpectedly")
            self._device_lost = True
            self._wake.set()

    def _open_stream(self) -> tuple[Any, int]:
        """Open at the device's default rate, then the fallbacks (worker thread)."""
        sd = self._sd
        try:
            info: Any = sd.query_devices(self._device, "input")
        except (sd.PortAudioError, ValueError) as exc:
            raise device_error(sd, exc, "find a microphone") from exc
        rates: list[int] = []
        default_rate = info.get("default_samplerate") if hasattr(info, "get") else None
        if default_rate:
            rates.append(round(float(default_rate)))
        rates += [r for r in FALLBACK_RATES_HZ if r not in rates]
        max_channels = int(info.get("max_input_channels", 1)) if hasattr(info, "get") else 1
        # Mono first; some hardware devices only open with two channels (mixed down later).
        channel_counts = [1, 2] if max_channels >= 2 else [1]
        last_error: Exception = AudioDeviceError("no sample rate to try")
        for rate in rates:
            for channels in channel_counts:
                stream: Any = None
                try:
                    stream = sd.InputStream(
                        device=self._device,
                        samplerate=rate,
                        channels=channels,
                        dtype="float32",
                        blocksize=rate * self._chunk_ms // 1000,
                        callback=self._on_audio,
                        finished_callback=self._on_finished,
                    )
                    stream.start()
                except (sd.PortAudioError, ValueError) as exc:
                    logger.info(
                        "Input stream refused %d Hz, %d channels: %s",
                        rate,
                        channels,
                        type(exc).__name__,
                    )
                    if stream is not None:
                        _close_quietly(sd, stream)
                    last_error = exc
                    continue
                return stream, rate
        raise device_error(sd, last_error, "open the microphone") from last_error


def _close_quietly(sd: ModuleType, stream: Any) -> None:
    """Abort and close a stream; errors here change nothing for the user."""
    try:
        stream.abort()
        stream.close()
    except sd.PortAudioError as exc:
        logger.info("Closing the input stream failed: %s", type(exc).__name__)
