"""One clinic client's largest append against another client's responsiveness.

Client A sends the largest append the protocol allows (15 MiB, about 5.5 minutes of audio
that its turn detection must read). Client B meanwhile asks the engine for something cheap
(adds a text item) every 20 ms for three seconds and times each answer: how long B waits
is how long the engine's event loop was held. Measured in one run, alternating: B alone,
B beside A's append taken in five-second slices (as shipped), and B beside the same append
taken in one piece (the old behaviour), for the ratio. Goal: B's p95 beside A's append
within 1.5x of B alone.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from typing import Any

import pytest
from openai import AsyncOpenAI
from websockets.exceptions import ConnectionClosed

from tests.benchmarks.conftest import ms, percentile, write_results
from therapy_notes.engine import client_session
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.protocol import MAX_AUDIO_BYTES
from therapy_notes.engine.turns import EngineModels

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(1800)]

ROUNDS = 2
PROBE_EVERY_S = 0.02
PROBE_FOR_S = 6.0


async def _probe(b: Any) -> float:
    """Seconds from B's request to the engine's answer."""
    sent = time.perf_counter()
    await b.conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "."}]}
    )
    async for event in b:
        if event.type == "conversation.item.added":
            return time.perf_counter() - sent
    raise AssertionError("B's connection closed")


async def _round(a: Any, b: Any, with_append: bool) -> list[float]:
    if with_append:
        huge = base64.b64encode(bytes(MAX_AUDIO_BYTES)).decode("ascii")
        asyncio.get_running_loop().create_task(a.input_audio_buffer.append(audio=huge))
    waits: list[float] = []
    until = time.perf_counter() + PROBE_FOR_S
    while time.perf_counter() < until:
        waits.append(await _probe(b))
        await asyncio.sleep(PROBE_EVERY_S)
    if with_append:
        # A's events are handled in order: once its clear is answered, its append is done.
        await a.input_audio_buffer.clear()
        async for event in a:
            if event.type == "input_audio_buffer.cleared":
                break
    return waits


async def test_a_huge_append_beside_another_session(models: EngineModels) -> None:
    load_before = os.getloadavg()
    results: dict[str, list[float]] = {"alone": [], "beside_sliced": [], "beside_whole": []}
    sliced = client_session._APPEND_SLICE_BYTES
    dropped: list[str] = []
    async with BackgroundEngine(models, token="local-benchmark") as engine:
        client = AsyncOpenAI(api_key=engine.token, websocket_base_url=engine.url)
        async with (
            client.realtime.connect(model="gpt-realtime-2") as a,
            client.realtime.connect(model="gpt-realtime-2") as b,
        ):
            for conn in (a, b):
                await conn.session.update(
                    session={
                        "type": "realtime",
                        "audio": {"input": {"transcription": {"model": "whisper-1"}}},
                    }
                )
            try:
                for _ in range(ROUNDS):
                    for condition in results:
                        client_session._APPEND_SLICE_BYTES = (
                            MAX_AUDIO_BYTES if condition == "beside_whole" else sliced
                        )
                        try:
                            results[condition] += await _round(a, b, condition != "alone")
                        except ConnectionClosed as exc:
                            dropped.append(f"{condition}: {exc}")
                            break
                    if dropped:
                        break
            finally:
                client_session._APPEND_SLICE_BYTES = sliced
    figures: dict[str, Any] = {
        "rounds": ROUNDS,
        "connections_dropped": dropped,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    alone_p95 = percentile(results["alone"], 95) or 0.0
    for condition, values in results.items():
        if not values:
            figures[condition] = {"probes": 0}
            continue
        p95 = percentile(values, 95) or 0.0
        figures[condition] = {
            "probes": len(values),
            "p50_ms": ms(percentile(values, 50)),
            "p95_ms": ms(p95),
            "max_ms": ms(max(values)),
            "p95_ratio_to_alone": round(p95 / alone_p95, 2) if alone_p95 else None,
        }
    figures["goal"] = "beside_sliced p95 within 1.5x of alone"
    write_results("huge_append", figures)
    assert results["alone"]
    assert results["beside_sliced"]
