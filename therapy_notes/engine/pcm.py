"""PCM16 at 24 kHz (the protocol's format) to float32 at 16 kHz (what the models eat)."""

from __future__ import annotations

import numpy as np
import soxr

from therapy_notes.domain import audio_format

PROTOCOL_RATE_HZ = audio_format.SAMPLE_RATE_HZ
MODEL_RATE_HZ = 16_000


def pcm16_to_float32(pcm16: bytes) -> np.ndarray:
    """Little-endian PCM16 to float32 in [-1, 1)."""
    return np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0


class StreamResampler:
    """24 kHz -> 16 kHz for audio that arrives in chunks of any size.

    One resampler per stream keeps the filter state between chunks, so chunk edges leave
    no clicks for the VAD or the recogniser to hear. An odd trailing byte (half a
    sample) is held until the next chunk.
    """

    def __init__(self) -> None:
        self._stream = soxr.ResampleStream(PROTOCOL_RATE_HZ, MODEL_RATE_HZ, 1, dtype="float32")
        self._odd_byte = b""

    def push(self, pcm16: bytes) -> np.ndarray:
        """Resample the next chunk; returns the 16 kHz samples ready so far."""
        data = self._odd_byte + pcm16
        whole = len(data) - len(data) % 2
        self._odd_byte = data[whole:]
        if whole == 0:
            return np.zeros(0, dtype=np.float32)
        out: np.ndarray = self._stream.resample_chunk(pcm16_to_float32(data[:whole]))
        return out.astype(np.float32, copy=False)

    def flush(self) -> np.ndarray:
        """Return the samples still inside the filter and start a fresh stream.

        The filter holds back about 20 ms; a manual commit flushes it so the committed
        item holds all the audio the client sent.
        """
        out: np.ndarray = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        self._stream = soxr.ResampleStream(PROTOCOL_RATE_HZ, MODEL_RATE_HZ, 1, dtype="float32")
        self._odd_byte = b""
        return out.astype(np.float32, copy=False)


def resample_24k_to_16k(audio_24k: np.ndarray) -> np.ndarray:
    """Resample a whole float32 recording at once."""
    out: np.ndarray = soxr.resample(audio_24k, PROTOCOL_RATE_HZ, MODEL_RATE_HZ)
    return out.astype(np.float32, copy=False)
