"""The local composer's time per response late in a long session.

The composer re-reads the conversation so far for context on every response (the question
a turn answers, earlier values, risks already flagged), so its cost grows with the
session. This measures one response's compose time at minute 5 and minute 50 of a
session built from the labelled dev conversations' turns (about 12 turns a minute,
cycled), with the engine's history bound, and reports the ratio from the same run.
"""

from __future__ import annotations

import statistics
import time

import pytest

from tests.benchmarks.conftest import write_results
from tests.conversation_set import load_sessions
from therapy_notes.domain.tools import session_instructions, tool_schemas
from therapy_notes.engine.composer import ComposerTurn, compose, sections_from_session
from therapy_notes.engine.conversation import HISTORY_TURNS
from therapy_notes.services.templates import load_template

pytestmark = pytest.mark.benchmark
TURNS_PER_MINUTE = 12
BATCH = 3
"""Turns per response (a note update after every few turns)."""


def _conversation(minutes: int) -> list[ComposerTurn]:
    lines = [
        f"{turn.speaker.capitalize()}: {turn.text}"
        for session in load_sessions("dev")
        for turn in session.turns
    ]
    count = minutes * TURNS_PER_MINUTE
    return [ComposerTurn(f"item_{i}", lines[i % len(lines)]) for i in range(count)]


def _time_response(history: list[ComposerTurn], new: list[ComposerTurn]) -> float:
    template = load_template("soap")
    sections = sections_from_session(tool_schemas(template), session_instructions(template))
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        compose(new, sections, history=history[-HISTORY_TURNS:])
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_composer_time_per_response_at_minute_50() -> None:
    turns = _conversation(51)
    at = {m: m * TURNS_PER_MINUTE for m in (5, 50)}
    figures = {
        f"minute_{m}_ms": round(1000 * _time_response(turns[:i], turns[i : i + BATCH]), 2)
        for m, i in at.items()
    }
    figures["ratio_50_to_5"] = round(figures["minute_50_ms"] / figures["minute_5_ms"], 2)
    figures["history_turns_bound"] = HISTORY_TURNS
    figures["turns_per_response"] = BATCH
    write_results("composer_speed", figures)
    assert figures["minute_50_ms"] > 0
