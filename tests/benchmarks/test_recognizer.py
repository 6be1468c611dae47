"""Recogniser real-time factor, and what the engine path adds on top of the bare decode.

For each fixture, the file is streamed as fast as possible over a fresh link to the local
engine, and the exact audio of the turn the engine transcribed (its start and end as the
final reports them) is then decoded by the bare `Recognizer.decode`, final and partial, in
the same run. RTF = decode seconds / audio seconds (below 1 is faster than real time);
overhead = our time (first byte sent -> final received) / the bare final decode of the
same audio. Our time also holds the partial decodes the engine runs while the audio
arrives, which share the two cores with the final; their count is reported beside it.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import pytest

from tests.benchmarks.conftest import (
    API_KEY,
    counted,
    percentile,
    read_pcm16,
    stream_session,
    write_results,
)
from tests.speech import FIXTURES, SAMPLE_RATE_HZ
from therapy_notes.domain import audio_format
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.turns import EngineModels
from therapy_notes.pcm import MODEL_RATE_HZ, StreamResampler

REPEATS = 3


def _audio_16k(pcm16: bytes) -> np.ndarray:
    resampler = StreamResampler(audio_format.SAMPLE_RATE_HZ, MODEL_RATE_HZ)
    return np.concatenate([resampler.push_pcm16(pcm16), resampler.flush()])


def _timed_decode(models: EngineModels, audio: np.ndarray, *, partial: bool) -> float:
    """Median wall time of a bare decode on this thread (the floor of any path)."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        models.recognizer.decode(audio, partial=partial)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _summary(values: list[float]) -> dict[str, float | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    return {
        "mean": r(statistics.fmean(values)) if values else None,
        "p50": r(percentile(values, 50)),
        "p95": r(percentile(values, 95)),
    }


@pytest.mark.benchmark
async def test_recognizer_rtf_and_overhead(models: EngineModels) -> None:
    warm = _audio_16k(read_pcm16(FIXTURES[0].path))
    models.recognizer.decode(warm)  # first decode pays for lazy initialisation
    rows: list[dict[str, Any]] = []
    engine_models, counter = counted(models)
    async with BackgroundEngine(engine_models, token=API_KEY) as engine:
        for fixture in FIXTURES:
            partials_before = counter.partial_decodes
            run = await stream_session(engine.url, fixture.path, realtime=False)
            partial_decodes = counter.partial_decodes - partials_before
            completed = [(at, e) for at, e in run.completed() if e.text]
            if not completed:
                rows.append({"fixture": fixture.name, "final": False})
                continue
            last_at, last = completed[-1]
            audio = _audio_16k(read_pcm16(fixture.path))
            turn_audio = audio[
                last.start_ms * MODEL_RATE_HZ // 1000 : last.end_ms * MODEL_RATE_HZ // 1000
            ]
            turn_s = turn_audio.shape[0] / MODEL_RATE_HZ
            floor_final = _timed_decode(models, turn_audio, partial=False)
            floor_partial = _timed_decode(models, turn_audio, partial=True)
            ours = last_at - run.first_send_s
            last_send_to_final = last_at - run.sent[-1][1]
            rows.append(
                {
                    "fixture": fixture.name,
                    "final": True,
                    "file_audio_s": round(len(read_pcm16(fixture.path)) / 2 / SAMPLE_RATE_HZ, 3),
                    "turn_audio_s": round(turn_s, 3),
                    "turns": len(completed),
                    "bare_final_s": round(floor_final, 4),
                    "bare_partial_s": round(floor_partial, 4),
                    "rtf_final": round(floor_final / turn_s, 4),
                    "rtf_partial": round(floor_partial / turn_s, 4),
                    "ours_first_send_to_final_s": round(ours, 4),
                    "ours_last_send_to_final_s": round(last_send_to_final, 4),
                    "partial_decodes_alongside": partial_decodes,
                    "overhead_ratio": round(ours / floor_final, 3),
                }
            )
    done = [r for r in rows if r["final"]]
    file_audio = sum(r["file_audio_s"] for r in done)
    write_results(
        "recognizer",
        {
            "fixtures": len(FIXTURES),
            "fixtures_with_final": len(done),
            "decode_repeats_median_of": REPEATS,
            "rtf_final": _summary([r["rtf_final"] for r in done]),
            "rtf_partial": _summary([r["rtf_partial"] for r in done]),
            "bare_final_s": _summary([r["bare_final_s"] for r in done]),
            "ours_first_send_to_final_s": _summary([r["ours_first_send_to_final_s"] for r in done]),
            "ours_last_send_to_final_s": _summary([r["ours_last_send_to_final_s"] for r in done]),
            "partial_decodes_alongside": sum(r["partial_decodes_alongside"] for r in done),
            "overhead_ratio": _summary([r["overhead_ratio"] for r in done]),
            "path_rtf_whole_files": round(
                sum(r["ours_first_send_to_final_s"] for r in done) / file_audio, 4
            )
            if done
            else None,
            "per_fixture": rows,
        },
    )
    assert done, "no fixture produced a final"
