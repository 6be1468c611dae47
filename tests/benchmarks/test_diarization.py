"""Speaker diarization cost and accuracy over a few minutes of two-voice speech.

A session of about three minutes of speech is built from the held-out speaker fixtures
(`tests/fixtures/speakers/*_test*.wav`, never used to choose thresholds): speaker turns
follow a seeded Markov chain (70 % chance the other person speaks next), and each turn is
one utterance of that speaker with its own gain (-9..0 dB), a pitch and tempo change of up
to +-4 % (so no two turns are the same audio) and faint noise (-55 dBFS).

Figures: **CPU seconds per audio second** (`time.process_time`, all threads, of every
`assign()` plus a `settled()` every 10 turns and at the end; goal <= 0.05), **accuracy**
of the online labels and of the settled labels (cluster 0 = the first speaker), and
whether the enrolled clinician's cluster was found.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import soxr

from tests.benchmarks.conftest import write_results
from tests.speakers.voices import SAMPLE_RATE_HZ, names, pcm16
from therapy_notes.speakers.diarizer import OnlineDiarizer
from therapy_notes.speakers.encoder import SpeakerEncoder

SESSION_SPEECH_S = 180.0
GOAL_CPU_S_PER_AUDIO_S = 0.05
SETTLE_EVERY_TURNS = 10
_SEED = 20261201


def _vary(pcm: bytes, rng: np.random.Generator) -> bytes:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    factor = rng.uniform(0.96, 1.04)  # played back at another rate: pitch and tempo move
    samples = soxr.resample(samples, SAMPLE_RATE_HZ, round(SAMPLE_RATE_HZ / factor))
    samples = samples * 10 ** (rng.uniform(-9.0, 0.0) / 20)
    samples = samples + rng.normal(0.0, 10 ** (-55 / 20), samples.shape)
    return np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2").tobytes()


def _session(rng: np.random.Generator) -> list[tuple[str, bytes]]:
    """(speaker, turn audio) until SESSION_SPEECH_S of audio; speaker "a" opens."""
    pools = {s: [pcm16(n) for n in names("test", s)] for s in ("a", "b")}
    turns: list[tuple[str, bytes]] = []
    speaker, total_s = "a", 0.0
    while total_s < SESSION_SPEECH_S:
        pcm = _vary(pools[speaker][rng.integers(len(pools[speaker]))], rng)
        turns.append((speaker, pcm))
        total_s += len(pcm) / 2 / SAMPLE_RATE_HZ
        if rng.random() < 0.7:
            speaker = "b" if speaker == "a" else "a"
    return turns


def _accuracy(labels: list[int | None], speakers: list[str]) -> float:
    expected = [0 if s == "a" else 1 for s in speakers]
    return sum(lab == e for lab, e in zip(labels, expected, strict=True)) / len(expected)


@pytest.mark.benchmark
def test_diarization_cpu_and_accuracy() -> None:
    encoder = SpeakerEncoder()
    turns = _session(np.random.default_rng(_SEED))
    speakers = [s for s, _ in turns]
    audio_s = sum(len(pcm) for _, pcm in turns) / 2 / SAMPLE_RATE_HZ

    clinician = OnlineDiarizer(encoder).voice_print(pcm16("a_enroll"))
    diarizer = OnlineDiarizer(encoder, clinician_voice=clinician)
    diarizer.assign(turns[0][1])  # warm-up outside the clock: first-run allocations
    diarizer = OnlineDiarizer(encoder, clinician_voice=clinician)

    online: list[int | None] = []
    started = time.process_time()
    for index, (_, pcm) in enumerate(turns):
        online.append(diarizer.assign(pcm))
        if (index + 1) % SETTLE_EVERY_TURNS == 0:
            diarizer.settled()
    settled = diarizer.settled()
    clinician_cluster = diarizer.clinician_cluster()
    cpu_s = time.process_time() - started

    cpu_per_audio_s = cpu_s / audio_s
    figures = {
        "turns": len(turns),
        "audio_s": round(audio_s, 1),
        "cpu_s": round(cpu_s, 3),
        "cpu_s_per_audio_s": round(cpu_per_audio_s, 4),
        "cpu_ms_per_turn": round(cpu_s / len(turns) * 1000, 1),
        "accuracy_online": round(_accuracy(online, speakers), 3),
        "accuracy_settled": round(_accuracy(settled, speakers), 3),
        "unlabelled_turns": sum(label is None for label in settled),
        "clinician_cluster": clinician_cluster,
        "clinician_found": clinician_cluster == 0,
        "goal": {
            "cpu_s_per_audio_s_at_most": GOAL_CPU_S_PER_AUDIO_S,
            "met": cpu_per_audio_s <= GOAL_CPU_S_PER_AUDIO_S,
        },
    }
    write_results("diarization", figures)
    assert figures["turns"]
