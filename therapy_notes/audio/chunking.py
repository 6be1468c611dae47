"""Cutting a byte stream into fixed-size audio chunks."""

from __future__ import annotations

from therapy_notes.audio.dsp import OUTPUT_RATE_HZ

PCM16_BYTES_PER_SAMPLE = 2


def chunk_bytes_for(chunk_ms: int) -> int:
    """Bytes in `chunk_ms` of mono PCM16 at 24 kHz (100 ms -> 4800)."""
    if chunk_ms <= 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms}")
    return OUTPUT_RATE_HZ * chunk_ms // 1000 * PCM16_BYTES_PER_SAMPLE


class ChunkFramer:
    """Collects converted PCM16 bytes and hands them out in chunks of exactly `chunk_bytes`.

    The resampler emits a few samples more or less each time; consumers (and the cloud's
    per-100-ms billing) want a steady chunk size, so the remainder waits for the next push.
    """

    def __init__(self, chunk_bytes: int) -> None:
        if chunk_bytes <= 0 or chunk_bytes % PCM16_BYTES_PER_SAMPLE:
            raise ValueError(f"chunk_bytes must be a positive even number, got {chunk_bytes}")
        self._size = chunk_bytes
        self._pending = bytearray()

    def push(self, data: bytes) -> list[bytes]:
        """Add bytes; return every complete chunk now available."""
        self._pending += data
        count = len(self._pending) // self._size
        out = [bytes(self._pending[i * self._size : (i + 1) * self._size]) for i in range(count)]
        del self._pending[: count * self._size]
        return out

    def flush(self) -> bytes:
        """The last, shorter chunk (possibly empty) at the end of the stream."""
        rest = bytes(self._pending)
        self._pending.clear()
        return rest
