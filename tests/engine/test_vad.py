import numpy as np
import pytest

from tests.speech import FIXTURES
from therapy_notes.domain import audio_format
from therapy_notes.engine.vad import WINDOW_SAMPLES, StreamingVad, VadModel
from therapy_notes.pcm import MODEL_RATE_HZ, pcm16_to_float, resample


@pytest.fixture(scope="module")
def model() -> VadModel:
    return VadModel.load()


def _speech_16k() -> np.ndarray:
    return resample(pcm16_to_float(FIXTURES[0].pcm16()), audio_format.SAMPLE_RATE_HZ, MODEL_RATE_HZ)


def test_silence_scores_low(model: VadModel) -> None:
    probs = StreamingVad(model).push(np.zeros(16_000, dtype=np.float32))
    assert probs.shape == (16_000 // WINDOW_SAMPLES,)
    assert probs.max() < 0.1


def test_speech_scores_high_only_where_spoken(model: VadModel) -> None:
    probs = StreamingVad(model).push(_speech_16k())
    # The fixtures have 0.6 s of silence before the sentence and 1.0 s after it.
    lead = probs[: int(0.5 * 16_000 / WINDOW_SAMPLES)]
    tail = probs[-int(0.8 * 16_000 / WINDOW_SAMPLES) :]
    middle = probs[int(1.0 * 16_000 / WINDOW_SAMPLES) : -int(1.3 * 16_000 / WINDOW_SAMPLES)]
    assert lead.max() < 0.3
    assert tail.max() < 0.3
    assert np.mean(middle > 0.5) > 0.8


def test_pieces_of_any_size_score_like_the_whole(model: VadModel) -> None:
    audio = _speech_16k()
    whole = StreamingVad(model).push(audio)
    streaming = StreamingVad(model)
    pieces = [streaming.push(audio[i : i + 1_000]) for i in range(0, audio.shape[0], 1_000)]
    np.testing.assert_allclose(np.concatenate(pieces), whole, atol=1e-5)


def test_reset_starts_a_fresh_stream(model: VadModel) -> None:
    audio = _speech_16k()
    vad = StreamingVad(model)
    first = vad.push(audio)
    vad.reset()
    np.testing.assert_allclose(vad.push(audio), first, atol=1e-5)
