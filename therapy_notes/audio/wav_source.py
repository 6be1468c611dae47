"""A WAV file as an audio source: in real time (like a microphone) or as fast as possible."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from therapy_notes.audio.chunking import PCM16_BYTES_PER_SAMPLE, ChunkFramer, chunk_bytes_for
from therapy_notes.audio.dsp import OUTPUT_RATE_HZ, StreamConverter
from therapy_notes.audio.wav_reader import WavReader, read_wav_info

logger = logging.getLogger(__name__)

_BLOCK_S = 1.0
"""Audio read and converted per trip to the worker thread: big enough that an hour-long file
costs few thread hops, small enough that memory stays flat and a stop is quick."""


class WavSource:
    """Mono 24 kHz PCM16 chunks from any uncompressed WAV file (implements `AudioSource`).

    The header is read when the source is made, so a bad file fails at once with an
    `AudioFileError`; the audio is read, decoded and resampled in a worker thread, a block at
    a time, so the event loop stays free and a long file never sits in memory.

    In real time, each chunk is handed out when it would have finished arriving from a
    microphone (scaled by `speed`), against one monotonic schedule, so the timing does not
    drift however long the file. Otherwise chunks come as fast as the consumer takes them,
    with a yield to the loop between chunks.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = False,
        chunk_ms: int = 100,
        speed: float = 1.0,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self._path = Path(path)
        self._realtime = realtime
        self._speed = speed
        self._chunk_bytes = chunk_bytes_for(chunk_ms)
        self._info = read_wav_info(self._path)
        self._stop = asyncio.Event()

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds."""
        return self._info.duration_s

    @property
    def sample_rate_hz(self) -> int:
        """The file's own sample rate (output is always 24 kHz)."""
        return self._info.sample_rate_hz

    @property
    def channels(self) -> int:
        """The file's channel count (output is always mono)."""
        return self._info.channels

    def stop(self) -> None:
        """End `chunks()` after the chunk in flight; a real-time wait is cut short."""
        self._stop.set()

    async def chunks(self) -> AsyncIterator[bytes]:
        """Yield the recording as mono PCM16 at 24 kHz, `chunk_ms` per chunk (the last shorter).

        Raises:
            AudioFileError: the file became unreadable while it was being read.
        """
        reader = await asyncio.to_thread(WavReader, self._path)
        try:
            converter = StreamConverter(reader.info.sample_rate_hz)
            framer = ChunkFramer(self._chunk_bytes)
            block_frames = max(1, round(reader.info.sample_rate_hz * _BLOCK_S))
            started = time.monotonic()
            sent_bytes = 0
            at_end = False
            logger.debug(
                "WAV source: %d Hz, %d channels, %.1f s",
                reader.info.sample_rate_hz,
                reader.info.channels,
                reader.info.duration_s,
            )
            while not at_end and not self._stop.is_set():
                pcm, at_end = await asyncio.to_thread(_read_block, reader, converter, block_frames)
                ready = framer.push(pcm)
                if at_end:
                    tail = framer.flush()
                    if tail:
                        ready.append(tail)
                for chunk in ready:
                    if self._stop.is_set():
                        return
                    sent_bytes += len(chunk)
                    await self._pace(started, sent_bytes)
                    if self._stop.is_set():
                        return
                    yield chunk
        finally:
            reader.close()

    async def _pace(self, started: float, sent_bytes: int) -> None:
        if not self._realtime:
            await asyncio.sleep(0)
            return
        audio_s = sent_bytes / PCM16_BYTES_PER_SAMPLE / OUTPUT_RATE_HZ
        delay = started + audio_s / self._speed - time.monotonic()
        if delay <= 0:
            await asyncio.sleep(0)
            return
        try:
            async with asyncio.timeout(delay):
                await self._stop.wait()
        except TimeoutError:
            pass


def _read_block(reader: WavReader, converter: StreamConverter, frames: int) -> tuple[bytes, bool]:
    """Read and convert one block in the worker thread; True once the file is used up."""
    samples = reader.read(frames)
    if samples.shape[0] < frames:
        return converter.process(samples) + converter.flush(), True
    return converter.process(samples), False
