"""The two-speaker online diarizer on real speech of two voices (held-out turns only)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.speakers.voices import pcm16, silence
from therapy_notes.speakers.diarizer import OnlineDiarizer
from therapy_notes.speakers.encoder import SpeakerEncoder

# A/B/A/B/B/A/A/B: every turn is a held-out utterance; A speaks first, so A is cluster 0.
SCRIPT = ["a_test1", "b_test1", "a_test2", "b_test2", "b_test3", "a_test3", "a_test4", "b_test4"]


def _expected(names: list[str], first: str) -> list[int]:
    return [0 if name[0] == first else 1 for name in names]


def _accuracy(got: list[int | None], expected: list[int]) -> float:
    return sum(g == e for g, e in zip(got, expected, strict=True)) / len(expected)


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


def test_scripted_two_speaker_session_is_labelled(encoder: SpeakerEncoder) -> None:
    diarizer = OnlineDiarizer(encoder, clinician_voice=None)
    online = [diarizer.assign(pcm16(name)) for name in SCRIPT]
    expected = _expected(SCRIPT, "a")
    assert _accuracy(online, expected) >= 0.9, online
    assert _accuracy(diarizer.settled(), expected) >= 0.9, diarizer.settled()
    assert diarizer.clinician_cluster() is None  # nobody enrolled


def test_cluster_zero_is_whoever_speaks_first(encoder: SpeakerEncoder) -> None:
    script = ["b_test1", "a_test1", "b_test2", "a_test2", "a_test3", "b_test3"]
    diarizer = OnlineDiarizer(encoder)
    online = [diarizer.assign(pcm16(name)) for name in script]
    assert online == _expected(script, "b")
    assert diarizer.settled() == _expected(script, "b")


def test_settled_mends_an_early_mistake(encoder: SpeakerEncoder) -> None:
    """A too-eager split makes A's second turn found a cluster; settling puts it right."""
    diarizer = OnlineDiarizer(encoder, new_speaker_below=0.95)
    online = [diarizer.assign(pcm16(name)) for name in SCRIPT[:1] + SCRIPT[2:3] + SCRIPT[1:]]
    order = SCRIPT[:1] + SCRIPT[2:3] + SCRIPT[1:]
    expected = _expected(order, "a")
    assert online[:2] == [0, 1]  # the mistake: A's second turn founded "the other speaker"
    assert _accuracy(online, expected) < 0.9
    assert diarizer.settled() == expected
    # The refreshed centroids now carry later turns the right way.
    assert diarizer.assign(pcm16("b_test2")) == 1
    assert diarizer.assign(pcm16("a_test2")) == 0


def test_one_voice_split_too_early_is_folded_back(encoder: SpeakerEncoder) -> None:
    diarizer = OnlineDiarizer(encoder, new_speaker_below=0.95)
    script = ["a_test1", "a_test2", "a_test3", "a_test4"]
    online = [diarizer.assign(pcm16(name)) for name in script]
    assert 1 in online
    assert diarizer.settled() == [0, 0, 0, 0]
    # A real second voice can still found cluster 1 afterwards.
    assert diarizer.assign(pcm16("b_test1")) == 1


def test_enrollment_names_the_clinicians_cluster(encoder: SpeakerEncoder) -> None:
    probe = OnlineDiarizer(encoder)
    voice = probe.voice_print(pcm16("a_enroll"))
    assert voice is not None
    assert len(voice) == 256 * 4
    assert abs(float(np.linalg.norm(np.frombuffer(voice, dtype="<f4"))) - 1.0) < 1e-5

    clinician_first = OnlineDiarizer(encoder, clinician_voice=voice)
    assert clinician_first.clinician_cluster() is None  # no speech yet
    for name in SCRIPT[:4]:
        clinician_first.assign(pcm16(name))
    assert clinician_first.clinician_cluster() == 0

    client_first = OnlineDiarizer(encoder, clinician_voice=voice)
    client_first.assign(pcm16("b_test1"))
    assert client_first.clinician_cluster() is None  # only the client so far: unclear
    for name in ["a_test1", "b_test2", "a_test2"]:
        client_first.assign(pcm16(name))
    assert client_first.clinician_cluster() == 1


def test_silence_and_short_turns(encoder: SpeakerEncoder) -> None:
    diarizer = OnlineDiarizer(encoder)
    assert diarizer.assign(silence(2.0)) is None  # nothing founded by silence
    assert diarizer.assign(b"") is None
    assert diarizer.assign(pcm16("a_test1")) == 0
    assert diarizer.assign(pcm16("b_test1")) == 1
    tiny = pcm16("b_test3")[: 2 * int(0.3 * 24000)]  # 0.1 s lead-in, 0.2 s of speech
    assert diarizer.assign(tiny) is None
    short = pcm16("b_test3")[: 2 * int(0.6 * 24000)]  # about 0.5 s of speech
    assert diarizer.assign(short) in (1, None)  # a guess only if clear, never the wrong one
    settled = diarizer.settled()
    assert settled[:5] == [None, None, 0, 1, None]
    assert settled[5] in (1, None)


def test_voice_print_of_silence_is_none_and_bad_prints_are_refused(
    encoder: SpeakerEncoder,
) -> None:
    assert OnlineDiarizer(encoder).voice_print(silence(3.0)) is None
    with pytest.raises(ValueError, match="voice print"):
        OnlineDiarizer(encoder, clinician_voice=b"\x00" * 12)
    with pytest.raises(ValueError, match="voice print"):
        OnlineDiarizer(encoder, clinician_voice=bytes(1024))


def test_overlapping_calls_from_threads_wait_their_turn(encoder: SpeakerEncoder) -> None:
    diarizer = OnlineDiarizer(encoder)
    diarizer.assign(pcm16("a_test1"))
    diarizer.assign(pcm16("b_test1"))
    names = ["a_test2", "b_test2", "a_test3", "b_test3"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        online = list(pool.map(lambda n: diarizer.assign(pcm16(n)), names))
        pool.submit(diarizer.settled).result()
    assert online == _expected(names, "a")
    assert len(diarizer.settled()) == 6
