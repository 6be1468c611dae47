"""Tokens and cost of a 60-minute session's note updates, on the local engine's accounting.

A generated two-person therapy dialogue (clinician and client, 150 words a minute, 0.6 s
between turns; seeded, never tuned on) goes through the recording service, the real link
and the real local engine on 127.0.0.1: protocol, conversation, composer and usage
accounting are the app's. Only the speech recogniser is replaced: each turn's audio bytes
carry its text and last as long as the turn would be spoken (the fake tracker of
`tests/engine/conftest.py`), so an hour of session runs in a minute or two. Billing does not
depend on the recogniser: audio is counted by its duration, text by its characters, as the
local engine always counts.

Each turn is sent once the one before it is handled; note updates run beside the turns, as
in a live session. Runs:

- `text turns`: the app as it ships (default cap, batching, max output tokens);
- `audio items`: the same, but each turn stays in the conversation as its audio item (no
  text turn), so every update reads audio instead of text;
- `one per turn`: an update after every turn (the old policy), for comparison;
- `cap 3000`: the app with a 3,000-token cap, which must never be crossed.

`BENCH_SESSION_MINUTES` shortens the session for a trial run.
"""

from __future__ import annotations

import dataclasses
import os
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.benchmarks.conftest import write_results
from tests.engine.conftest import FakeTrackers
from tests.fakes.note_session import SILENCE_AFTER_TURN_MS, NoteSession
from therapy_notes.domain.usage import AUDIO_INPUT_TOKENS_PER_S, Prices, TokenUsage
from therapy_notes.engine.server import LocalEngine

pytestmark = pytest.mark.benchmark

SESSION_MIN = float(os.environ.get("BENCH_SESSION_MINUTES", "60"))
WORDS_PER_S = 2.5
SEED = 15
DEFAULT_CAP = 200_000
SMALL_CAP = 3_000
GOAL_UNCACHED_PER_AUDIO = 2.0

_NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve", "fifteen"]
_PARTS = ["knee", "shoulder", "hip", "lower back", "ankle", "wrist", "neck"]
_SIDES = ["left", "right"]
_EXERCISES = ["bridges", "wall slides", "heel raises", "clamshells", "mini squats", "rows"]
_CLINICIAN = [
    "How has your {side} {part} been since our last visit?",
    "On a scale of zero to ten, how would you rate the pain in your {part} today?",
    "Let's measure how far your {side} {part} bends. Go as far as you comfortably can.",
    "Good, that's {deg} degrees today.",
    "Let's do {n} sets of {reps} repetitions of {exercise}.",
    "Have you been able to do the home exercises this week?",
    "Any falls or near falls since I last saw you?",
    "How has your mood been over the past two weeks?",
    "I'd like you to keep icing after the exercises and walk for {mins} minutes a day.",
    "We'll add {exercise} to your home program, {n} sets of {reps}.",
    "Squeeze my hand as hard as you can. Good, and the other side.",
    "Your strength is four out of five on the {side} side.",
    "Take a short rest, then we'll try the stairs.",
    "Okay.",
]
_CLIENT = [
    "It's been about a {n} out of ten, mostly in the mornings.",
    "I managed to walk for {mins} minutes yesterday without stopping.",
    "The stairs are still hard, I have to hold the rail going down.",
    "I did the exercises most days, maybe five out of seven.",
    "I felt a bit dizzy when I stood up quickly on Tuesday.",
    "My sleep is better, I only woke up twice with the {part}.",
    "I'm worried I won't be able to go back to work next month.",
    "It aches after I sit for a long time, like at my desk.",
    "Yes, that feels tight but it's okay.",
    "I've been feeling a bit down, but better than last month.",
    "The traffic was terrible this morning, sorry I was late.",
    "Thank you, that helps.",
    "I can carry the shopping now if the bags are light.",
    "No falls, but I nearly tripped on the rug once.",
]


def dialogue(minutes: float, seed: int = SEED) -> list[tuple[str, int]]:
    """Turns (text, speech ms) of a session lasting `minutes` with the pauses between."""
    rng = random.Random(seed)
    turns: list[tuple[str, int]] = []
    elapsed_ms = 0
    speaker = 0
    while elapsed_ms < minutes * 60_000:
        lines = _CLINICIAN if speaker == 0 else _CLIENT
        text = rng.choice(lines).format(
            side=rng.choice(_SIDES),
            part=rng.choice(_PARTS),
            deg=rng.choice(["ninety", "one hundred and ten", "one hundred and twenty"]),
            n=rng.choice(_NUMBERS),
            reps=rng.choice(["ten", "twelve", "fifteen"]),
            exercise=rng.choice(_EXERCISES),
            mins=rng.choice(["ten", "fifteen", "twenty", "thirty"]),
        )
        ms = max(600, round(len(text.split()) / WORDS_PER_S * 1000))
        turns.append((text, ms))
        elapsed_ms += ms + SILENCE_AFTER_TURN_MS
        speaker = 1 - speaker if rng.random() < 0.85 else speaker
    return turns


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    async with LocalEngine(tracker_factory=FakeTrackers()) as running:
        yield running


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def _run(
    engine: LocalEngine, name: str, turns: list[tuple[str, int]], **options: Any
) -> dict[str, Any]:
    session = NoteSession(engine.url, engine.token, wait_for_updates=False, **options)
    started = time.perf_counter()
    await session.run(turns, timeout_s=3_600)
    wall_s = time.perf_counter() - started
    prices = Prices()
    responses = session.link.responses
    used = sum((r.usage for r in responses), TokenUsage())
    budget = session.service.budget()
    assert budget.used == used, "the budget saw every response"
    audio_ms = session.source.audio_ms if session.source else 0
    minutes = audio_ms / 60_000
    audio_tokens = audio_ms * AUDIO_INPUT_TOKENS_PER_S // 1000
    cached = used.cached_text_tokens + used.cached_audio_tokens
    uncached = used.input_tokens - cached
    per_60 = 60 / minutes if minutes else 0.0
    inputs = [(r.at_ms / 60_000, r.usage.input_tokens) for r in responses]
    early = [t for m, t in inputs if m <= min(5.0, minutes / 4)]
    late = [t for m, t in inputs if m >= minutes - 5]
    response_cost = prices.cost_usd(used)
    transcription_cost = prices.transcription_cost_usd(budget.transcription)
    return {
        "run": name,
        "wall_s": round(wall_s, 1),
        "session_min": round(minutes, 2),
        "turns": len(turns),
        "note_updates_asked": len(session.link.creates),
        "responses_cut": sum(r.status == "incomplete" for r in responses),
        "tokens": {
            "input": used.input_tokens,
            "input_text": used.input_text_tokens,
            "input_audio": used.input_audio_tokens,
            "cached": cached,
            "uncached_input": uncached,
            "output": used.output_tokens,
            "note_updates_total": used.total_tokens,
            "transcription": budget.transcription.total_tokens,
            "session_audio": audio_tokens,
        },
        "tokens_per_min": {
            "note_updates": round(used.total_tokens / minutes, 1) if minutes else None,
            "with_transcription": round(
                (used.total_tokens + budget.transcription.total_tokens) / minutes, 1
            )
            if minutes
            else None,
        },
        "mean_input_per_response": {
            "first_5_min": round(sum(early) / len(early), 1) if early else None,
            "last_5_min": round(sum(late) / len(late), 1) if late else None,
        },
        "cached_share_of_input": round(cached / used.input_tokens, 3) if used.input_tokens else 0,
        "uncached_input_per_audio_token": round(uncached / audio_tokens, 3) if audio_tokens else 0,
        "cost_usd": {
            "note_updates": round(response_cost, 4),
            "transcription": round(transcription_cost, 4),
            "total": round(response_cost + transcription_cost, 4),
            "per_60_min_total": round((response_cost + transcription_cost) * per_60, 4),
            "note_update_input_per_60_min": round(
                (prices.cost_usd(dataclasses.replace(used, output_text_tokens=0)) * per_60),
                4,
            ),
        },
        "cap": {
            "tokens": budget.cap_tokens,
            "used": budget.used_tokens,
            "never_exceeded": budget.used_tokens <= budget.cap_tokens,
            "updates_paused": budget.is_exhausted,
            "notices": session.notices(),
        },
    }


@pytest.mark.timeout(3_600)
async def test_session_cost(engine: LocalEngine) -> None:
    turns = dialogue(SESSION_MIN)
    load_before = _load()
    runs = [
        await _run(engine, "text turns", turns, token_cap=DEFAULT_CAP),
        await _run(engine, "audio items", turns, token_cap=10**9, keep_audio_items=True),
        await _run(engine, "one per turn", turns, token_cap=10**9, note_update_turns=1),
        await _run(engine, "cap 3000", turns, token_cap=SMALL_CAP),
    ]
    app, audio, per_turn, small = runs
    goals = {
        "under_default_cap_in_60_min": {
            "goal": f"note updates of a 60-minute session <= {DEFAULT_CAP:,} tokens",
            "per_60_min": round(app["tokens"]["note_updates_total"] * 60 / app["session_min"]),
            "met": not app["cap"]["updates_paused"]
            and app["tokens"]["note_updates_total"] * 60 / app["session_min"] <= DEFAULT_CAP,
        },
        "uncached_input_at_most_2x_audio": {
            "ratio": app["uncached_input_per_audio_token"],
            "met": app["uncached_input_per_audio_token"] <= GOAL_UNCACHED_PER_AUDIO,
        },
        "cap_never_exceeded": {
            "runs": {r["run"]: r["cap"]["never_exceeded"] for r in runs},
            "met": all(r["cap"]["never_exceeded"] for r in runs),
        },
    }
    cheaper = "text turns" if app["cost_usd"]["total"] < audio["cost_usd"]["total"] else "audio"
    write_results(
        "session_cost",
        {
            "method": (
                "generated dialogue through RecordingService -> RealtimeConnection -> local "
                "engine (fake recogniser: audio bytes carry their text and duration)"
            ),
            "load_avg_before": load_before,
            "load_avg_after": _load(),
            "prices_usd_per_million": dataclasses.asdict(Prices()),
            "runs": runs,
            "audio_items_vs_text_turns": {
                "cheaper": cheaper,
                "text_turns_total_usd": app["cost_usd"]["total"],
                "audio_items_total_usd": audio["cost_usd"]["total"],
                "audio_items_note_update_input": audio["tokens"]["input"],
                "text_turns_note_update_input": app["tokens"]["input"],
            },
            "batched_vs_one_per_turn": {
                "batched_note_update_tokens": app["tokens"]["note_updates_total"],
                "one_per_turn_note_update_tokens": per_turn["tokens"]["note_updates_total"],
            },
            "goals": goals,
        },
    )
    assert all(r["note_updates_asked"] > 0 for r in runs)
    assert small["cap"]["updates_paused"], "the small cap was reached"
