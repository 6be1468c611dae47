"""ToolRunner: concurrent calls, errors as outputs, results in call order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest

from therapy_notes.domain.events import ToolCall
from therapy_notes.services.tool_runner import ToolRunner

TIMELINE: list[tuple[str, object]] = []
"""("start" | "end", value) as each echo call begins and returns, in the order they did."""


async def echo(arguments: Mapping[str, Any]) -> str:
    TIMELINE.append(("start", arguments.get("value")))
    await asyncio.sleep(float(arguments.get("sleep", 0)))
    TIMELINE.append(("end", arguments.get("value")))
    return json.dumps({"echo": arguments.get("value")})


async def broken(arguments: Mapping[str, Any]) -> str:
    raise ValueError("section must be one of subjective, objective")


async def test_calls_run_concurrently_and_results_keep_call_order() -> None:
    runner = ToolRunner({"echo": echo})
    calls = [
        ToolCall(f"c{i}", "echo", json.dumps({"value": i, "sleep": s}))
        for i, s in enumerate([0.3, 0.1, 0.2])
    ]
    TIMELINE.clear()
    results = await runner.run_all(calls)
    # Concurrent: every call started before the first one finished; run one after another
    # they would alternate start, end, start, ...
    assert [kind for kind, _ in TIMELINE] == ["start"] * 3 + ["end"] * 3
    assert [r.call_id for r in results] == ["c0", "c1", "c2"]
    assert [json.loads(r.output)["echo"] for r in results] == [0, 1, 2]
    assert not any(r.is_error for r in results)


@pytest.mark.expected_log(
    "therapy_notes.services.tool_runner",
    "WARNING",
    match=r"tool broken \(call d\) failed: ValueError",
)
async def test_unknown_tool_bad_arguments_and_exceptions_become_error_outputs() -> None:
    runner = ToolRunner({"echo": echo, "broken": broken})
    results = await runner.run_all(
        [
            ToolCall("a", "nope", "{}"),
            ToolCall("b", "echo", "[1, 2]"),
            ToolCall("c", "echo", "{not json"),
            ToolCall("d", "broken", "{}"),
            ToolCall("e", "echo", ""),
        ]
    )
    assert [r.is_error for r in results] == [True, True, True, True, False]
    assert "unknown tool 'nope'" in json.loads(results[0].output)["error"]
    assert "not a JSON object" in json.loads(results[1].output)["error"]
    assert json.loads(results[3].output) == {
        "ok": False,
        "error": "section must be one of subjective, objective",
    }
    assert json.loads(results[4].output) == {"echo": None}


@pytest.mark.expected_log(
    "therapy_notes.services.tool_runner", "WARNING", match=r"tool echo \(call slow\) timed out"
)
async def test_a_slow_tool_times_out_without_delaying_the_others() -> None:
    runner = ToolRunner({"echo": echo}, timeout_s=0.2)
    TIMELINE.clear()
    slow, quick = await asyncio.wait_for(
        runner.run_all(
            [  # a 300 s sleep: a hang if awaited
                ToolCall("slow", "echo", json.dumps({"value": "slow", "sleep": 300})),
                ToolCall("quick", "echo", json.dumps({"value": 1})),
            ]
        ),
        60,
    )
    # The quick call finished on its own; the slow one was cut off, never finished.
    assert ("end", 1) in TIMELINE
    assert ("end", "slow") not in TIMELINE
    assert slow.is_error
    assert "timed out after 0.2 s" in slow.output
    assert not quick.is_error
