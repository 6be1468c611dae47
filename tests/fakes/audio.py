"""Test audio in the fake server's code: a word is a run of frames holding one sample value.

`word(7, ms=300) + silence(400)` is heard by `FakeRealtimeServer` as the transcript "w7",
so a test knows exactly which words must come back, with no speech recognition involved.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

SAMPLE_RATE_HZ = 24_000
BYTES_PER_MS = SAMPLE_RATE_HZ * 2 // 1000
FRAME_MS = 10


def word(value: int, *, ms: int = 300) -> bytes:
    """`ms` of PCM16 whose every sample is `value` (1..32767): the fake server hears "w<value>"."""
    if not 0 < value < 32_768:
        raise ValueError("a word's sample value must be in 1..32767")
    return value.to_bytes(2, "little") * (ms * BYTES_PER_MS // 2)


def silence(ms: int) -> bytes:
    """`ms` of digital silence."""
    return bytes(ms * BYTES_PER_MS)


def chunked(audio: bytes, *, chunk_ms: int = 20) -> list[bytes]:
    """Split audio into chunks of `chunk_ms`, as a microphone delivers it."""
    size = chunk_ms * BYTES_PER_MS
    return [audio[i : i + size] for i in range(0, len(audio), size)]


class FakeAudioSource:
    """Yields scripted PCM chunks, optionally paced; implements the services' `AudioSource`."""

    def __init__(
        self, audio: bytes | Iterable[bytes], *, chunk_ms: int = 20, pace_s: float = 0.0
    ) -> None:
        self._chunks = (
            chunked(audio, chunk_ms=chunk_ms) if isinstance(audio, bytes) else list(audio)
        )
        self._pace_s = pace_s
        self._stopped = False
        self.chunks_sent = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            if self._stopped:
                return
            yield chunk
            self.chunks_sent += 1
            await asyncio.sleep(self._pace_s)

    def stop(self) -> None:
        self._stopped = True


class QueueAudioSource:
    """A microphone a test speaks into with `push`; `drained` waits until all was consumed.

    "Consumed" means the consumer came back for the next chunk, so whatever it does with a
    chunk (send it, or drop it while paused) has happened by the time `drained` returns.
    """

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._stopped = False

    def push(self, audio: bytes, *, chunk_ms: int = 20) -> None:
        for chunk in chunked(audio, chunk_ms=chunk_ms):
            self._queue.put_nowait(chunk)

    async def drained(self) -> None:
        await self._queue.join()

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self._stopped:
            chunk = await self._queue.get()
            try:
                if chunk is None:
                    return
                yield chunk
            finally:
                self._queue.task_done()

    def stop(self) -> None:
        self._stopped = True
        self._queue.put_nowait(None)
