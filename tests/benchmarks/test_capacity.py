"""How many real-time sessions one local engine sustains on this machine.

Each level runs N sessions at once, each on its own link, each streaming the long session
(six sentences, about 29 s) in real time. Sessions start staggered over one sentence's
length, as independent sessions in a clinic would be out of step, instead of all ending
their sentences in the same instant. A level is sustained when every session's p95
speech end -> final is at most 2 s and every sentence of every session got its final.
Levels stop rising at the first that fails.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.benchmarks.conftest import (
    API_KEY,
    SessionRun,
    counted,
    ms,
    per_sentence,
    percentile,
    read_pcm16,
    speech_intervals,
    stream_session,
    write_results,
)
from tests.speech import LONG_SESSION, word_error_rate
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.limits import EngineLimits
from therapy_notes.engine.turns import EngineModels

LEVELS = (1, 2, 3, 4, 6, 8)
MAX_P95_S = 2.0
STAGGER_SPAN_S = 4.5
"""About one sentence plus its pause in the long session."""


async def _delayed(delay_s: float, url: str) -> SessionRun:
    await asyncio.sleep(delay_s)
    return await stream_session(url, LONG_SESSION.path, realtime=True, settle_timeout_s=30)


@pytest.mark.benchmark
async def test_concurrent_real_time_sessions(models: EngineModels) -> None:
    intervals = speech_intervals(read_pcm16(LONG_SESSION.path))
    references = list(LONG_SESSION.sentences)
    assert len(intervals) == len(references)
    levels: list[dict[str, Any]] = []
    for sessions in LEVELS:
        engine_models, counter = counted(models)
        # The capacity is what is measured here, so the session limit must not cap it.
        limits = EngineLimits(max_sessions=max(LEVELS))
        async with BackgroundEngine(engine_models, token=API_KEY, limits=limits) as engine:
            runs = await asyncio.gather(
                *(
                    _delayed(index * STAGGER_SPAN_S / sessions, engine.url)
                    for index in range(sessions)
                )
            )
        latencies: list[float] = []
        worst_p95 = 0.0
        missing = 0
        hyps: list[str] = []
        for run in runs:
            results = per_sentence(run, intervals, references)
            mine = [r.final_latency_s for r in results if r.final_latency_s is not None]
            missing += sum(r.final_latency_s is None for r in results)
            latencies += mine
            worst_p95 = max(worst_p95, percentile(mine, 95) or float("inf"))
            hyps.append(" ".join(e.text for _, e in run.completed() if e.text))
        sustained = missing == 0 and worst_p95 <= MAX_P95_S
        turns = sum(len(r.completed()) for r in runs)
        levels.append(
            {
                "sessions": sessions,
                "sustained": sustained,
                "speech_end_to_final_ms": {
                    "p50": ms(percentile(latencies, 50)),
                    "p95": ms(percentile(latencies, 95)),
                    "max": ms(max(latencies, default=None)),
                    "worst_session_p95": ms(worst_p95) if worst_p95 != float("inf") else None,
                },
                "finals_missing": missing,
                "turns": turns,
                "wer": round(word_error_rate([LONG_SESSION.text] * sessions, hyps), 4),
                "partial_decodes": counter.partial_decodes,
                "partial_decodes_per_session": round(counter.partial_decodes / sessions, 1),
                "partial_waits_for_busy_workers": counter.saturated_checks,
                "final_decodes": counter.final_decodes,
            }
        )
        print(f"N={sessions}: sustained={sustained} p50/p95 {levels[-1]['speech_end_to_final_ms']}")
        if not sustained:
            break
    held = [lv["sessions"] for lv in levels if lv["sustained"]]
    write_results(
        "capacity",
        {
            "audio_per_session_s": round(len(read_pcm16(LONG_SESSION.path)) / 48_000, 2),
            "sentences_per_session": len(references),
            "criterion": {"p95_s_at_most": MAX_P95_S, "no_missing_finals": True},
            "stagger_span_s": STAGGER_SPAN_S,
            "max_sustained_sessions": max(held, default=0),
            "levels": levels,
            "note": "partial_waits_for_busy_workers counts 100 ms chunks in which a due partial "
            "was held back because every recogniser worker was busy",
        },
    )
    assert levels, "no level ran"
