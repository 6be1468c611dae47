"""Latency of the live transcript: the 14 fixtures spoken in real time on one session.

Figures: speech end -> final text (p50/p95, goal p95 <= VAD silence window + 150 ms),
speech start -> first partial text (p50/p95), and the word error rate of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.conftest import (
    API_KEY,
    VAD_SILENCE_MS,
    ms,
    per_sentence,
    percentile,
    read_pcm16,
    run_wer,
    speech_intervals,
    stream_session,
    write_pcm16,
    write_results,
)
from tests.speech import FIXTURES, SAMPLE_RATE_HZ
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.turns import EngineModels

GOAL_P95_MS = VAD_SILENCE_MS + 150
TRAILING_PAD_S = 1.0
LEADING_PAD_S = 0.6


@pytest.mark.benchmark
async def test_latency_real_time(models: EngineModels, tmp_path: Path) -> None:
    pcm = b""
    intervals: list[tuple[float, float]] = []
    energy_check: list[float] = []
    for fixture in FIXTURES:
        audio = read_pcm16(fixture.path)
        offset = len(pcm) / 2 / SAMPLE_RATE_HZ
        total = len(audio) / 2 / SAMPLE_RATE_HZ
        # The fixtures' pads are known; energy only cross-checks them.
        start, end = LEADING_PAD_S, total - TRAILING_PAD_S
        (found,) = speech_intervals(audio)
        energy_check.append(max(abs(found[0] - start), abs(found[1] - end)))
        intervals.append((offset + start, offset + end))
        pcm += audio
    wav = write_pcm16(tmp_path / "fixtures.wav", pcm)

    async with BackgroundEngine(models, token=API_KEY) as engine:
        run = await stream_session(engine.url, wav, realtime=True, speed=1.0)

    references = [f.text for f in FIXTURES]
    sentences = per_sentence(run, intervals, references)
    finals = [s.final_latency_s for s in sentences if s.final_latency_s is not None]
    partials = [s.first_partial_s for s in sentences if s.first_partial_s is not None]
    p95 = percentile(finals, 95)
    goal_met = p95 is not None and p95 * 1000 <= GOAL_P95_MS and len(finals) == len(FIXTURES)
    write_results(
        "latency",
        {
            "audio_s": round(len(pcm) / 2 / SAMPLE_RATE_HZ, 2),
            "sentences": len(FIXTURES),
            "finals_received": len(finals),
            "turns": len(run.completed()),
            "speech_end_to_final_ms": {
                "p50": ms(percentile(finals, 50)),
                "p95": ms(p95),
                "max": ms(max(finals, default=None)),
            },
            "goal": {"p95_ms_at_most": GOAL_P95_MS, "met": goal_met},
            "speech_start_to_first_partial_ms": {
                "p50": ms(percentile(partials, 50)),
                "p95": ms(percentile(partials, 95)),
                "sentences_with_partials": len(partials),
            },
            "wer": round(run_wer(run, references), 4),
            "pad_vs_energy_max_disagreement_ms": ms(max(energy_check)),
            "per_sentence": [
                {
                    "final_ms": ms(s.final_latency_s),
                    "first_partial_ms": ms(s.first_partial_s),
                    "turns": s.turns,
                }
                for s in sentences
            ],
        },
    )
    assert finals, "no final text was received"
