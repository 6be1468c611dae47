"""PCM16 <-> float and resampling: the one conversion the recorder, engine and encoder share."""

import math

import numpy as np
import pytest

from tests.audio.test_dsp import peak_hz, sine
from therapy_notes.pcm import (
    MODEL_RATE_HZ,
    StreamResampler,
    float_to_pcm16,
    pcm16_to_float,
    resample,
    whole_samples,
)


@pytest.mark.parametrize(
    ("from_hz", "to_hz"), [(48_000, 24_000), (44_100, 24_000), (16_000, 24_000)]
)
def test_resample_length_and_pitch(from_hz, to_hz):
    x = sine(1000.0, from_hz, 1.0)
    y = resample(x, from_hz, to_hz)
    assert y.dtype == np.float32
    assert abs(len(y) - to_hz) <= 1
    assert abs(peak_hz(y, to_hz) - 1000.0) < 2.0


def test_resample_same_rate_is_a_copy():
    x = sine(440.0, 24_000, 0.1)
    y = resample(x, 24_000, 24_000)
    np.testing.assert_array_equal(x, y)
    assert y is not x


def test_resample_rejects_bad_rates():
    with pytest.raises(ValueError):
        resample(np.zeros(10), 0, 24_000)


def test_stream_resampler_matches_whole_signal_without_clicks():
    x = sine(440.0, 44_100, 2.0)
    stream = StreamResampler(44_100, 24_000)
    pieces = [stream.process(x[i : i + 4410]) for i in range(0, len(x), 4410)]
    pieces.append(stream.flush())
    y = np.concatenate(pieces)
    assert abs(len(y) - 48_000) <= 1
    # Chunk boundaries add no clicks: sample-to-sample steps stay those of a 440 Hz sine.
    max_step = 2 * math.pi * 440 / 24_000 * 0.5
    assert np.max(np.abs(np.diff(y[100:-100]))) < max_step * 1.05
    whole = resample(x, 44_100, 24_000)
    n = min(len(whole), len(y))
    np.testing.assert_allclose(y[200 : n - 200], whole[200 : n - 200], atol=2e-3)


def test_stream_resampler_passthrough_at_same_rate():
    stream = StreamResampler(24_000, 24_000)
    x = sine(440.0, 24_000, 0.05)
    np.testing.assert_array_equal(stream.process(x), x)
    assert stream.flush().shape == (0,)


def test_pcm16_round_trip_and_clipping():
    x = np.array([0.0, 0.5, -0.5, 1.5, -1.5, np.nan, 1.0, -1.0], dtype=np.float32)
    b = float_to_pcm16(x)
    assert len(b) == 16
    ints = np.frombuffer(b, dtype="<i2")
    assert list(ints) == [0, 16384, -16384, 32767, -32768, 0, 32767, -32768]
    back = pcm16_to_float(b)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back[:3], [0.0, 0.5, -0.5], atol=1 / 32768)
    with pytest.raises(ValueError):
        pcm16_to_float(b"\x00")


def test_resample_keeps_float64_for_the_speaker_frontend():
    x = sine(500.0, 24_000, 0.5).astype(np.float64)
    y = resample(x, 24_000, MODEL_RATE_HZ)
    assert y.dtype == np.float64
    assert abs(len(y) - MODEL_RATE_HZ // 2) <= 1
    assert abs(peak_hz(y.astype(np.float32), MODEL_RATE_HZ) - 500.0) < 4.0


def test_push_pcm16_holds_half_a_sample_until_the_next_chunk():
    pcm = float_to_pcm16(sine(440.0, 24_000, 1.0))
    whole = StreamResampler(24_000, MODEL_RATE_HZ)
    expected = np.concatenate([whole.push_pcm16(pcm), whole.flush()])
    cut = StreamResampler(24_000, MODEL_RATE_HZ)
    # Chunks of odd length split samples across chunk edges.
    pieces = [cut.push_pcm16(pcm[i : i + 4801]) for i in range(0, len(pcm), 4801)]
    pieces.append(cut.flush())
    np.testing.assert_allclose(np.concatenate(pieces), expected, atol=1e-6)
    assert abs(len(expected) - MODEL_RATE_HZ) <= 1


def test_flush_starts_a_fresh_stream():
    stream = StreamResampler(24_000, MODEL_RATE_HZ)
    pcm = float_to_pcm16(sine(440.0, 24_000, 0.25))
    first = np.concatenate([stream.push_pcm16(pcm + b"\x01"), stream.flush()])
    second = np.concatenate([stream.push_pcm16(pcm), stream.flush()])
    # The odd byte is dropped by the flush, and the second stream starts from rest.
    np.testing.assert_allclose(first, second, atol=1e-6)


def test_whole_samples_drops_only_a_trailing_half_sample():
    assert whole_samples(b"\x01\x02\x03") == b"\x01\x02"
    assert whole_samples(b"\x01\x02") == b"\x01\x02"
    assert whole_samples(b"") == b""
