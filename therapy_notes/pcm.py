"""PCM16 bytes and float samples, and resampling between rates: one home for both.

The recorder turns any device's float stream into the protocol's PCM16 at 24 kHz; the
engine and the speaker encoder turn that back into float samples at the models' 16 kHz.
Both directions once, here, so the scale (32768), the byte order (little-endian), what
happens to half a sample and the resampling filter cannot drift between the audio path,
the engine and the speaker encoder. No I/O; numpy and soxr only.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt
import soxr

Samples = npt.NDArray[np.float32]
"""Float32 audio in -1..1, `(frames,)` or `(frames, channels)`."""

MODEL_RATE_HZ = 16_000
"""What the speech recogniser, its VAD and the speaker encoder eat."""

RESAMPLE_QUALITY = "HQ"
"""soxr's high-quality filter: transparent for speech, cheap enough for a live stream."""

_PCM16_SCALE = 32768.0
_Float = TypeVar("_Float", np.float32, np.float64)


def whole_samples(pcm16: bytes) -> bytes:
    """`pcm16` without a trailing odd byte (half a sample, from a cut-off chunk or file)."""
    return pcm16[: len(pcm16) - len(pcm16) % 2]


def pcm16_to_float(pcm16: bytes) -> Samples:
    """PCM16 little-endian bytes to float32 samples in -1..1.

    Raises:
        ValueError: an odd number of bytes (use `whole_samples` where a cut is expected).
    """
    if len(pcm16) % 2:
        raise ValueError(f"PCM16 data must have an even number of bytes, got {len(pcm16)}")
    samples: Samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float32)
    samples /= np.float32(_PCM16_SCALE)
    return samples


def float_to_pcm16(x: npt.ArrayLike) -> bytes:
    """Float samples to PCM16 little-endian bytes, clipping instead of wrapping around.

    Without clipping, a sample just over 1.0 would wrap to a loud negative click; NaN
    (a broken device or filter) becomes silence.
    """
    a = np.nan_to_num(as_float32(x), nan=0.0, posinf=1.0, neginf=-1.0)
    scaled = np.clip(np.rint(a * _PCM16_SCALE), -32768, 32767)
    pcm: bytes = scaled.astype("<i2").tobytes()
    return pcm


def as_float32(x: npt.ArrayLike) -> Samples:
    """`x` as contiguous float32 (no copy when it already is)."""
    return np.ascontiguousarray(x, dtype=np.float32)


def resample(x: npt.NDArray[_Float], from_hz: float, to_hz: float) -> npt.NDArray[_Float]:
    """Resample a whole signal; float32 stays float32 and float64 stays float64.

    For audio that arrives in pieces use `StreamResampler`, which keeps the filter state
    across pieces; resampling each piece on its own adds a click at every boundary.
    """
    check_rate(from_hz)
    check_rate(to_hz)
    a = np.ascontiguousarray(x)
    if from_hz == to_hz:
        return a.copy()
    out: npt.NDArray[_Float] = soxr.resample(a, from_hz, to_hz, quality=RESAMPLE_QUALITY)
    return np.ascontiguousarray(out, dtype=a.dtype)


class StreamResampler:
    """Resamples audio that arrives in chunks, keeping the filter state between them.

    Takes float chunks (`process`) or PCM16 bytes of any length (`push_pcm16`, which holds
    an odd trailing byte until the next chunk). Output lengths vary by a sample or so per
    chunk (the filter's delay); the total over the stream, after `flush()`, is the input
    length times `to_hz / from_hz`.
    """

    def __init__(self, from_hz: float, to_hz: float, channels: int = 1) -> None:
        check_rate(from_hz)
        check_rate(to_hz)
        if channels < 1:
            raise ValueError(f"channels must be at least 1, got {channels}")
        self._from_hz = from_hz
        self._to_hz = to_hz
        self._channels = channels
        self._odd_byte = b""
        self._stream = self._new_stream()

    def process(self, x: npt.ArrayLike) -> Samples:
        """Resample one chunk; returns what the filter can emit so far."""
        a = as_float32(x)
        if self._stream is None:
            return a.copy()
        out: Samples = self._stream.resample_chunk(a, last=False)
        return as_float32(out)

    def push_pcm16(self, pcm16: bytes) -> Samples:
        """Resample the next chunk of mono PCM16 bytes."""
        data = self._odd_byte + pcm16
        whole = whole_samples(data)
        self._odd_byte = data[len(whole) :]
        return self.process(pcm16_to_float(whole))

    def flush(self) -> Samples:
        """Emit the samples still held in the filter and start a fresh stream.

        The filter holds back about 20 ms; flushing at the end of a stream (or at a
        manual commit) keeps every sample that came in.
        """
        shape = (0,) if self._channels == 1 else (0, self._channels)
        empty = np.zeros(shape, dtype=np.float32)
        self._odd_byte = b""
        if self._stream is None:
            return empty
        out: Samples = self._stream.resample_chunk(empty, last=True)
        self._stream = self._new_stream()
        return as_float32(out)

    def _new_stream(self) -> soxr.ResampleStream | None:
        if self._from_hz == self._to_hz:
            return None
        return soxr.ResampleStream(
            self._from_hz, self._to_hz, self._channels, dtype="float32", quality=RESAMPLE_QUALITY
        )


def check_rate(rate_hz: float) -> None:
    """Raise ValueError unless `rate_hz` is a usable sample rate."""
    if not rate_hz > 0:
        raise ValueError(f"sample rate must be positive, got {rate_hz}")
