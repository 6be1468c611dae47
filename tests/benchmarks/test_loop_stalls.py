"""How long the event loop stalls and how punctual paced audio is: the figures that used to be
thresholds in the default suite.

The default suite asserts order and outcome only (the decodes run on worker threads, the
loop ticks while they run, paced chunks never come early), because a loaded machine makes
any wall-clock threshold flaky. These benchmarks measure the same things in milliseconds
and save them; they assert only that they produced figures.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.audio.fake_sounddevice import FakeSoundDevice
from tests.audio.wav_files import tone, write_wav
from tests.benchmarks.conftest import ms, percentile, write_results
from tests.speech import FIXTURES, LONG_SESSION
from therapy_notes.audio.recorder import AudioRecorder
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.domain import audio_format
from therapy_notes.domain.events import ToolCall
from therapy_notes.engine.turn_detection import VadSettings
from therapy_notes.engine.turn_events import TurnFinal
from therapy_notes.engine.turns import EngineModels, TurnTracker
from therapy_notes.pcm import MODEL_RATE_HZ, pcm16_to_float, resample
from therapy_notes.services.tool_runner import ToolRunner

pytestmark = pytest.mark.benchmark

BYTES_PER_MS = 48


async def _longest_gap_s(work: Awaitable[object], tick_s: float = 0.002) -> float:
    """The longest the loop went without running a ticker task while `work` ran."""
    longest = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(tick_s)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    tick = asyncio.create_task(ticker())
    try:
        await work
    finally:
        done.set()
        await tick
    return longest


async def test_loop_stalls_while_decoding_and_feeding(models: EngineModels, tmp_path: Path) -> None:
    audio = [
        resample(pcm16_to_float(f.pcm16()), audio_format.SAMPLE_RATE_HZ, MODEL_RATE_HZ)
        for f in FIXTURES[:2]
    ]
    asr_gap = await _longest_gap_s(
        asyncio.gather(*(models.recognizer.transcribe(a) for a in audio)), tick_s=0.005
    )

    tracker = TurnTracker(models, new_item_id=iter(f"item_{n}" for n in range(10**6)).__next__)
    tracker.set_turn_detection(VadSettings())
    finals_wanted = len(LONG_SESSION.sentences) - 1

    async def feed_long_session() -> None:
        async def collect() -> None:
            finals = 0
            async for event in tracker.events():
                finals += isinstance(event, TurnFinal)
                if finals == finals_wanted:
                    return

        collecting = asyncio.create_task(collect())
        pcm = LONG_SESSION.pcm16() + bytes(1_500 * BYTES_PER_MS)
        for start in range(0, len(pcm), 100 * BYTES_PER_MS):
            tracker.append(pcm[start : start + 100 * BYTES_PER_MS])
            await asyncio.sleep(0)
        await collecting

    feed_gap = await _longest_gap_s(feed_long_session())
    await tracker.aclose()

    path = write_wav(tmp_path / "big.wav", tone(96_000, 20.0), 96_000, "f64")

    async def read_big_file() -> None:
        async for _ in WavSource(path).chunks():
            await asyncio.sleep(0.001)

    wav_gap = await _longest_gap_s(read_big_file(), tick_s=0.005)
    write_results(
        "loop_stalls",
        {
            "longest_loop_gap_ms": {
                "two_decodes": ms(asr_gap),  # was asserted < 50 ms
                "feeding_a_long_session": ms(feed_gap),  # was asserted < 50 ms
                "reading_a_96k_f64_file": ms(wav_gap),  # was asserted < 250 ms
            },
        },
    )


async def test_paced_audio_punctuality(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    one_s = write_wav(tmp_path / "rt.wav", tone(16_000, 1.0), 16_000, "s16")
    started = loop.time()
    lateness = [
        loop.time() - started - 0.1 * (k + 1)
        async for k, _ in _enumerate(WavSource(one_s, realtime=True).chunks())
    ]
    thirty_s = write_wav(tmp_path / "drift.wav", tone(8_000, 30.0), 8_000, "s16")
    started = loop.time()
    count = sum([1 async for _ in WavSource(thirty_s, realtime=True, speed=15.0).chunks()])
    drift_s = loop.time() - started - 2.0
    sd = FakeSoundDevice(
        (tone(48_000, 2.0) * 0.1).astype(np.float32), rate_hz=48_000, loop_audio=True
    )
    async with AudioRecorder(sd) as recorder:
        async for _ in recorder.chunks():
            if len(sd.callback_durations_s) >= 20:
                break
    durations = sd.callback_durations_s
    runner = ToolRunner({"echo": _echo}, timeout_s=5)
    began = time.perf_counter()
    await runner.run_all(
        [ToolCall(f"c{i}", "echo", json.dumps({"sleep": s})) for i, s in enumerate([0.3, 0.1, 0.2])]
    )
    tools_s = time.perf_counter() - began
    write_results(
        "paced_audio",
        {
            "realtime_chunk_lateness_ms": {
                "p50": ms(percentile(lateness, 50)),
                "max": ms(max(lateness)),
            },  # was asserted < 400 ms
            "drift_over_300_chunks_ms": ms(drift_s),  # was asserted < 150 ms
            "chunks": count,
            "recorder_callback_ms": {
                "p50": ms(float(np.median(durations))),  # was < 0.5 ms
                "p90": ms(percentile(durations, 90)),  # was < 2 ms
                "max": ms(max(durations)),
            },  # was < 20 ms
            "three_concurrent_tools_ms": ms(tools_s),  # was asserted < 500 ms (0.3 s longest)
        },
    )


async def _enumerate(chunks: Any) -> Any:
    k = 0
    async for chunk in chunks:
        yield k, chunk
        k += 1


async def _echo(arguments: Mapping[str, Any]) -> str:
    await asyncio.sleep(float(arguments.get("sleep", 0)))
    return "{}"
