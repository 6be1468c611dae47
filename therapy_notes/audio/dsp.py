"""Signal processing for the audio path: mono, DC removal, gain, and the stream converter.

Resampling and PCM16 conversion live in `therapy_notes.pcm`, shared with the engine.

Every function takes and returns float32 samples in -1..1, shaped `(frames,)` for mono or
`(frames, channels)` for several channels. The stateful classes exist because the microphone
and long files arrive in chunks: processing each chunk on its own would put steps (clicks) at
every boundary, so they carry state from one chunk to the next and ramp their changes.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from therapy_notes.domain import audio_format
from therapy_notes.pcm import Samples, StreamResampler, as_float32, check_rate, float_to_pcm16

OUTPUT_RATE_HZ = audio_format.SAMPLE_RATE_HZ
"""The rate the realtime protocol wants (PROTOCOL.md): mono PCM16 at 24 kHz."""

LEVEL_FLOOR_DBFS = -60.0
"""The quietest level a meter shows; anything quieter reads as 0."""

_PEAK_CEILING = 0.98
"""Largest peak the gain stages aim for, a little under full scale."""


def to_mono(x: npt.ArrayLike) -> Samples:
    """Mix every channel into one with equal weight.

    Averaging (not summing) keeps a full-scale stereo signal within -1..1.
    """
    a = as_float32(x)
    if a.ndim == 1:
        return a
    if a.ndim != 2:
        raise ValueError(f"expected (frames,) or (frames, channels), got shape {a.shape}")
    if a.shape[1] == 1:
        return np.ascontiguousarray(a[:, 0])
    mixed: Samples = a.mean(axis=1, dtype=np.float64).astype(np.float32)
    return mixed


def remove_dc(x: npt.ArrayLike) -> Samples:
    """Subtract each channel's mean, so a microphone's DC offset does not eat headroom."""
    a = as_float32(x)
    if a.size == 0:
        return a.copy()
    centred: Samples = (a - a.mean(axis=0, dtype=np.float64)).astype(np.float32)
    return centred


def rms(x: npt.ArrayLike) -> float:
    """Root mean square of all samples (0.0 for an empty signal)."""
    a = as_float32(x)
    if a.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))


def dbfs(value: float) -> float:
    """An RMS or peak value as dB relative to full scale (-inf for silence)."""
    return 20.0 * math.log10(value) if value > 0.0 else -math.inf


def rms_level(x: npt.ArrayLike) -> float:
    """Loudness for a level meter, 0..1: RMS in dBFS mapped linearly from -60..0 dB.

    A decibel scale matches how loud people hear a signal; a linear RMS would leave
    ordinary speech (around -30 dBFS) at the bottom of the meter.
    """
    level_db = dbfs(rms(x))
    if level_db == -math.inf:
        return 0.0
    return min(1.0, max(0.0, (level_db - LEVEL_FLOOR_DBFS) / -LEVEL_FLOOR_DBFS))


def normalise_gain(
    x: npt.ArrayLike, target_dbfs: float = -20.0, max_gain_db: float = 20.0
) -> Samples:
    """Scale a whole signal so its RMS sits at `target_dbfs`.

    The gain is limited to +-`max_gain_db` (so near-silence is not blown up into noise) and
    so the loudest peak stays below full scale. For a stream use `GainNormaliser`.
    """
    a = as_float32(x)
    level = rms(a)
    if level == 0.0:
        return a.copy()
    gain = min(10 ** ((target_dbfs - dbfs(level)) / 20.0), 10 ** (max_gain_db / 20.0))
    gain = max(gain, 10 ** (-max_gain_db / 20.0))
    peak = float(np.max(np.abs(a)))
    if peak * gain > _PEAK_CEILING:
        gain = _PEAK_CEILING / peak
    return (a * np.float32(gain)).astype(np.float32)


class GainNormaliser:
    """Slowly adapting gain for a stream, so quiet and loud microphones reach the model alike.

    It estimates the speech level over a few seconds (chunks below `gate_dbfs` are treated as
    silence and leave the estimate alone, so pauses are not amplified into hiss), and moves the
    gain towards `target / level`. The gain falls at once when a peak would clip and rises only
    slowly (`release_s`), and every change is ramped across the chunk, so the output neither
    pumps nor clicks.
    """

    def __init__(
        self,
        sample_rate_hz: int,
        *,
        target_dbfs: float = -20.0,
        max_gain_db: float = 20.0,
        gate_dbfs: float = -50.0,
        level_window_s: float = 3.0,
        release_s: float = 1.5,
    ) -> None:
        check_rate(sample_rate_hz)
        self._rate = sample_rate_hz
        self._target_rms = 10 ** (target_dbfs / 20.0)
        self._max_gain = 10 ** (max_gain_db / 20.0)
        self._gate_rms = 10 ** (gate_dbfs / 20.0)
        self._level_window_s = level_window_s
        self._release_s = release_s
        self._mean_square: float | None = None
        self._gain = 1.0

    @property
    def gain(self) -> float:
        """The linear gain at the end of the last chunk."""
        return self._gain

    def process(self, x: npt.ArrayLike) -> Samples:
        """Apply the gain to one mono chunk and adapt it for the next."""
        a = as_float32(x)
        n = a.shape[0]
        if n == 0:
            return a.copy()
        duration_s = n / self._rate
        mean_square = float(np.mean(np.square(a, dtype=np.float64)))
        if math.sqrt(mean_square) >= self._gate_rms:
            if self._mean_square is None:
                self._mean_square = mean_square
            else:
                keep = math.exp(-duration_s / self._level_window_s)
                self._mean_square = keep * self._mean_square + (1.0 - keep) * mean_square
        wanted = self._gain
        if self._mean_square is not None:
            wanted = self._target_rms / math.sqrt(self._mean_square)
            wanted = min(max(wanted, 1.0 / self._max_gain), self._max_gain)
        peak = float(np.max(np.abs(a)))
        if peak > 0.0:
            wanted = min(wanted, _PEAK_CEILING / peak)
        if wanted < self._gain:
            new_gain = wanted
        else:
            rise = 1.0 - math.exp(-duration_s / self._release_s)
            new_gain = self._gain + (wanted - self._gain) * rise
        ramp = np.linspace(self._gain, new_gain, n, endpoint=False, dtype=np.float64)
        self._gain = new_gain
        return (a * ramp).astype(np.float32)


class DcRemover:
    """Removes a slowly varying DC offset from a mono stream without steps at chunk edges.

    It tracks the running mean over about `window_s` and subtracts it as a ramp from the
    previous chunk's estimate to the new one. Speech has almost nothing below 20 Hz, so a
    window of a second or so takes the offset and leaves the voice.
    """

    def __init__(self, sample_rate_hz: int, *, window_s: float = 1.0) -> None:
        check_rate(sample_rate_hz)
        self._rate = sample_rate_hz
        self._window_s = window_s
        self._offset: float | None = None

    def process(self, x: npt.ArrayLike) -> Samples:
        """Subtract the tracked offset from one mono chunk."""
        a = as_float32(x)
        n = a.shape[0]
        if n == 0:
            return a.copy()
        mean = float(np.mean(a, dtype=np.float64))
        if self._offset is None:
            self._offset = mean
            return (a - np.float32(mean)).astype(np.float32)
        keep = math.exp(-n / (self._rate * self._window_s))
        new_offset = keep * self._offset + (1.0 - keep) * mean
        ramp = np.linspace(self._offset, new_offset, n, endpoint=False, dtype=np.float64)
        self._offset = new_offset
        return (a - ramp).astype(np.float32)


class StreamConverter:
    """Any float input stream to the app's format: mono 24 kHz PCM16 bytes, chunk by chunk.

    Mixes to mono, optionally removes DC and normalises gain (for microphones; a file is
    passed through as recorded), then resamples with state kept between chunks.
    """

    def __init__(self, from_hz: int, *, normalise: bool = False) -> None:
        self._resampler = StreamResampler(from_hz, OUTPUT_RATE_HZ)
        self._dc = DcRemover(from_hz) if normalise else None
        self._gain = GainNormaliser(from_hz) if normalise else None

    def process(self, x: npt.ArrayLike) -> bytes:
        """Convert one chunk of `(frames,)` or `(frames, channels)` samples."""
        mono = to_mono(x)
        if self._dc is not None:
            mono = self._dc.process(mono)
        if self._gain is not None:
            mono = self._gain.process(mono)
        return float_to_pcm16(self._resampler.process(mono))

    def flush(self) -> bytes:
        """The converted samples still held by the resampler; call once at the end."""
        return float_to_pcm16(self._resampler.flush())
