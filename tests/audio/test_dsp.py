import math

import numpy as np
import pytest

from therapy_notes.audio import dsp
from therapy_notes.audio.dsp import (
    DcRemover,
    GainNormaliser,
    StreamConverter,
    normalise_gain,
    remove_dc,
    rms,
    rms_level,
    to_mono,
)
from therapy_notes.pcm import pcm16_to_float


def sine(freq_hz: float, rate_hz: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(rate_hz * seconds)) / rate_hz
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate_hz)[np.argmax(spectrum)])


def test_to_mono_averages_channels():
    left = np.full(10, 0.8, dtype=np.float32)
    right = np.full(10, -0.2, dtype=np.float32)
    mono = to_mono(np.stack([left, right], axis=1))
    assert mono.shape == (10,)
    assert mono.dtype == np.float32
    np.testing.assert_allclose(mono, 0.3, atol=1e-6)


def test_to_mono_keeps_mono_and_single_column():
    x = np.linspace(-1, 1, 7, dtype=np.float32)
    np.testing.assert_array_equal(to_mono(x), x)
    np.testing.assert_array_equal(to_mono(x[:, None]), x)
    with pytest.raises(ValueError):
        to_mono(np.zeros((2, 2, 2)))


def test_remove_dc():
    x = sine(440.0, 24_000, 0.5) + np.float32(0.3)
    y = remove_dc(x)
    assert abs(float(np.mean(y))) < 1e-6
    assert abs(rms(y) - 0.5 / math.sqrt(2)) < 1e-3


def test_dc_remover_converges_without_steps():
    rate = 24_000
    x = sine(300.0, rate, 4.0, amplitude=0.3) + np.float32(0.2)
    dc = DcRemover(rate)
    out = np.concatenate([dc.process(x[i : i + 2400]) for i in range(0, len(x), 2400)])
    assert abs(float(np.mean(out[-rate:]))) < 0.01
    max_step = 2 * math.pi * 300 / rate * 0.3
    assert np.max(np.abs(np.diff(out))) < max_step * 1.1


@pytest.mark.parametrize(
    ("dbfs_value", "level"), [(-80.0, 0.0), (-60.0, 0.0), (-30.0, 0.5), (-12.0, 0.8), (0.0, 1.0)]
)
def test_rms_level_maps_dbfs_to_unit_range(dbfs_value, level):
    # A square wave's RMS equals its amplitude, so the level is exact.
    amplitude = 10 ** (dbfs_value / 20)
    x = np.where(np.arange(4800) % 2 == 0, amplitude, -amplitude).astype(np.float32)
    assert rms_level(x) == pytest.approx(level, abs=1e-4)


def test_rms_level_of_silence_and_empty():
    assert rms_level(np.zeros(100, dtype=np.float32)) == 0.0
    assert rms_level(np.zeros(0, dtype=np.float32)) == 0.0


def test_normalise_gain_reaches_target_and_respects_limits():
    quiet = sine(440.0, 24_000, 1.0, amplitude=0.01 * math.sqrt(2))  # -40 dBFS
    out = normalise_gain(quiet, target_dbfs=-20.0, max_gain_db=30.0)
    assert dsp.dbfs(rms(out)) == pytest.approx(-20.0, abs=0.1)
    capped = normalise_gain(quiet, target_dbfs=-20.0, max_gain_db=10.0)
    assert dsp.dbfs(rms(capped)) == pytest.approx(-30.0, abs=0.1)
    spiky = np.zeros(24_000, dtype=np.float32)
    spiky[100] = 0.5
    assert float(np.max(np.abs(normalise_gain(spiky)))) <= 0.98 + 1e-6
    np.testing.assert_array_equal(normalise_gain(np.zeros(10, dtype=np.float32)), 0.0)


def run_chunks(norm: GainNormaliser, x: np.ndarray, chunk: int = 2400) -> np.ndarray:
    return np.concatenate([norm.process(x[i : i + chunk]) for i in range(0, len(x), chunk)])


def test_gain_normaliser_converges_to_target():
    rate = 24_000
    x = sine(440.0, rate, 12.0, amplitude=0.01 * math.sqrt(2))  # -40 dBFS
    norm = GainNormaliser(rate, target_dbfs=-20.0, max_gain_db=30.0)
    out = run_chunks(norm, x)
    assert dsp.dbfs(rms(out[-rate:])) == pytest.approx(-20.0, abs=1.0)
    # Smooth: no sample-to-sample jumps beyond those of the (amplified) sine itself.
    max_step = 2 * math.pi * 440 / rate * 0.1 * math.sqrt(2)
    assert np.max(np.abs(np.diff(out))) < max_step * 1.2


def test_gain_normaliser_caps_gain_and_ignores_silence():
    rate = 24_000
    norm = GainNormaliser(rate, target_dbfs=-20.0, max_gain_db=20.0, gate_dbfs=-70.0)
    very_quiet = sine(440.0, rate, 8.0, amplitude=0.001 * math.sqrt(2))  # -60 dBFS
    out = run_chunks(norm, very_quiet)
    assert 9.9 < norm.gain <= 10.0  # wanted +40 dB, capped at +20 dB
    assert dsp.dbfs(rms(out[-rate:])) == pytest.approx(-40.0, abs=0.2)
    below_gate = GainNormaliser(rate, target_dbfs=-20.0, max_gain_db=20.0)  # gate -50 dBFS
    run_chunks(below_gate, very_quiet)
    assert below_gate.gain == 1.0  # hiss is never amplified
    speech_like = sine(440.0, rate, 8.0, amplitude=0.03 * math.sqrt(2))  # -30.5 dBFS
    norm = GainNormaliser(rate, target_dbfs=-20.0, max_gain_db=20.0)
    run_chunks(norm, speech_like)
    settled = norm.gain
    run_chunks(norm, np.zeros(rate * 3, dtype=np.float32))  # a long pause
    assert norm.gain == pytest.approx(settled, rel=0.01)


def test_gain_normaliser_does_not_pump_on_steady_speech():
    rate = 24_000
    # Alternating 300 ms bursts and 200 ms pauses, like speech.
    burst = sine(250.0, rate, 0.3, amplitude=0.05)
    pattern = np.concatenate([burst, np.zeros(round(0.2 * rate), dtype=np.float32)] * 20)
    norm = GainNormaliser(rate)
    gains = []
    for i in range(0, len(pattern), 2400):
        norm.process(pattern[i : i + 2400])
        gains.append(norm.gain)
    late = np.array(gains[len(gains) // 2 :])
    assert late.max() / late.min() < 10 ** (1.5 / 20)  # under 1.5 dB of movement


def test_gain_normaliser_pulls_down_at_once_before_clipping():
    rate = 24_000
    norm = GainNormaliser(rate, max_gain_db=20.0)
    run_chunks(norm, sine(440.0, rate, 5.0, amplitude=0.01))
    loud = sine(440.0, rate, 0.1, amplitude=0.9)
    norm.process(loud)
    assert norm.gain * 0.9 <= 0.98 + 1e-6


def test_stream_converter_produces_mono_24k_pcm16():
    rate = 48_000
    stereo = np.stack([sine(1000.0, rate, 1.0), sine(1000.0, rate, 1.0)], axis=1)
    conv = StreamConverter(rate)
    data = b"".join(conv.process(stereo[i : i + 4800]) for i in range(0, rate, 4800))
    data += conv.flush()
    y = pcm16_to_float(data)
    assert abs(len(y) - 24_000) <= 1
    assert abs(peak_hz(y, 24_000) - 1000.0) < 2.0
    assert rms(y[1000:-1000]) == pytest.approx(0.5 / math.sqrt(2), rel=0.01)
