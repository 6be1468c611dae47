"""When note updates are asked for and what they cost: the recording service on the real
local engine (127.0.0.1), whose usage accounting is the cloud's, with text for speech."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.engine.conftest import FakeTrackers
from tests.fakes.note_session import NoteSession
from therapy_notes.domain.usage import CACHE_STEP_TOKENS, CAP_REACHED_MESSAGE, TokenUsage
from therapy_notes.engine.server import LocalEngine

TURN_MS = 1500
SAYINGS = (
    "My knee pain is about a four out of ten today.",
    "The stairs at home are easier than last week.",
    "I did the exercises every morning.",
    "The swelling goes down after I ice it.",
    "I walked for twenty minutes on Sunday.",
    "Sleeping is still hard because of the ache.",
    "I can kneel in the garden for a short while now.",
)


def turns(count: int) -> list[tuple[str, int]]:
    return [(SAYINGS[i % len(SAYINGS)], TURN_MS) for i in range(count)]


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    async with LocalEngine(tracker_factory=FakeTrackers()) as running:
        yield running


def session(engine: LocalEngine, **settings: Any) -> NoteSession:
    return NoteSession(engine.url, engine.token, **settings)


async def run(recording: NoteSession, count: int) -> int:
    return await recording.run(turns(count))


async def test_note_updates_come_after_three_turns_then_every_six_and_at_the_end(
    engine: LocalEngine,
) -> None:
    recording = session(engine, max_output_tokens=2_000, note_update_turns=6)  # no follow-ups
    session_id = await run(recording, 14)

    kinds = [c.kind for c in recording.link.calls if c.kind != "done"]
    assert kinds == ["turn"] * 3 + ["create"] + ["turn"] * 6 + ["create"] + ["turn"] * 5 + [
        "create"
    ]
    assert [r.status for r in recording.link.responses] == ["completed"] * 3
    # The output allowance grows with the turns an update covers: 2,000 per four turns.
    assert [c.max_output_tokens for c in recording.link.creates] == [2_000, 4_000, 4_000]
    with recording.store.uow() as uow:
        segments = uow.segments.for_session(session_id)
        note = uow.notes.load(session_id)
    last_two = {s.id for s in segments[-2:]}
    cited = {i for e in note.entries for i in e.segment_ids}
    cited |= {i for m in note.measurements for i in m.segment_ids}
    assert last_two & cited, "the update at the end wrote the last turns into the note"


async def test_turns_are_billed_as_text_and_the_prefix_as_cached(engine: LocalEngine) -> None:
    recording = session(engine, max_output_tokens=2_000, note_update_turns=6)
    await run(recording, 14)

    creates, responses = recording.link.creates, recording.link.responses
    assert len(creates) == len(responses) == 3
    # Each audio item was replaced by its text before any update read it.
    assert [r.usage.input_audio_tokens for r in responses] == [0, 0, 0]
    # The prediction the service checked against the cap is what the engine billed.
    assert [c.predicted_input_tokens for c in creates] == [r.usage.input_tokens for r in responses]
    # Instructions and tools repeat in every update: cached from the second on, in steps.
    first, *later = responses
    assert first.usage.cached_text_tokens == 0
    for response in later:
        assert response.usage.cached_text_tokens >= 1024
        assert response.usage.cached_text_tokens % CACHE_STEP_TOKENS == 0
        assert response.usage.cached_text_tokens <= response.usage.input_text_tokens
    billed = sum((r.usage for r in later), first.usage)
    uncached = dataclasses.replace(billed, cached_text_tokens=0)
    usage = recording.service.usage
    saved = usage.cost_usd(uncached) - usage.cost_usd(billed)
    assert saved == pytest.approx(billed.cached_text_tokens * (4.00 - 0.40) / 1_000_000)


async def test_a_small_cap_is_never_crossed_and_the_transcript_goes_on(
    engine: LocalEngine,
) -> None:
    cap = 3_000
    recording = session(engine, token_cap=cap, note_update_turns=2)
    session_id = await run(recording, 20)

    budget = recording.service.budget()
    assert budget.used_tokens <= cap
    assert budget.is_exhausted, "note updates paused before the cap"
    assert recording.notices() == [CAP_REACHED_MESSAGE]
    creates = recording.link.creates
    assert 1 <= len(creates) < 10, "updates stopped once the next would not fit"
    # The update refused would have crossed the cap: input it would read plus its output.
    refused_at_least = recording.link.predicted_input_tokens() + 250
    assert budget.used_tokens + refused_at_least > cap
    with recording.store.uow() as uow:
        assert len(uow.segments.for_session(session_id)) == 20
    rows = recording.store.data.usage
    assert sum(r.usage.total_tokens for r in rows if r.kind == "response") == budget.used_tokens
    # The transcript, never refused, is counted beside the cap: 20 turns of 2 s each.
    transcribed = sum((r.usage for r in rows if r.kind == "transcription"), TokenUsage())
    assert transcribed == budget.transcription
    assert transcribed.input_audio_tokens == 20 * 20


async def test_a_response_cut_short_is_followed_up_without_new_turns(engine: LocalEngine) -> None:
    recording = session(
        engine, max_output_tokens=40, note_update_turns=6, first_note_update_turns=6
    )
    session_id = await run(recording, 6)

    statuses = [r.status for r in recording.link.responses]
    assert statuses[0] == "incomplete"
    assert statuses[-1] == "completed"
    kinds = [c.kind for c in recording.link.calls if c.kind != "done"]
    assert kinds[:7] == ["turn"] * 6 + ["create"]
    assert set(kinds[7:]) == {"create"}, "follow-ups only: no turn was left"
    with recording.store.uow() as uow:
        note = uow.notes.load(session_id)
    assert len(note.entries) + len(note.measurements) > 1


async def test_a_turn_that_may_state_a_risk_is_written_up_at_once(engine: LocalEngine) -> None:
    """The batch waits for a minute of session; a risk statement does not wait with it."""
    risk = ("Some days I think my family would be better off without me.", TURN_MS)
    recording = session(engine, max_output_tokens=2_000, note_update_turns=6)
    session_id = await recording.run([*turns(4), risk, *turns(3)])

    kinds = [c.kind for c in recording.link.calls if c.kind != "done"]
    assert kinds == ["turn"] * 3 + ["create"] + ["turn"] * 2 + ["create"] + ["turn"] * 3 + [
        "create"
    ]
    with recording.store.uow() as uow:
        note = uow.notes.load(session_id)
    assert [r.kind.value for r in note.risks] == ["self_harm"]
