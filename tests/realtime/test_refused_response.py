"""A `response.create` the engine refuses: the link says so and stays usable (local engine)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.engine.conftest import FakeTrackers
from therapy_notes.domain.events import LinkEvent, ResponseCompleted, ServerError
from therapy_notes.domain.link import LinkSettings
from therapy_notes.engine.server import LocalEngine
from therapy_notes.realtime.connection import RealtimeConnection


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    async with LocalEngine(tracker_factory=FakeTrackers()) as running:
        yield running


async def _next(events: AsyncIterator[LinkEvent], kind: type[LinkEvent]) -> LinkEvent:
    async for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__}")


@pytest.mark.expected_log(
    "therapy_notes.realtime.connection",
    "WARNING",
    match=r"server error invalid_value \(param response\.max_output_tokens\)",
)
async def test_a_refused_create_is_reported_as_a_failed_response(engine: LocalEngine) -> None:
    link = RealtimeConnection(
        LinkSettings("gpt-realtime-2", "Write the note.", ()),
        base_url=engine.url,
        api_key=engine.token,
    )
    await link.start()
    events = link.events()
    try:
        await link.request_response(max_output_tokens=-5)  # the engine refuses it
        error = await asyncio.wait_for(_next(events, ServerError), 10)
        failed = await asyncio.wait_for(_next(events, ResponseCompleted), 10)
        assert isinstance(error, ServerError)
        assert error.param == "response.max_output_tokens"
        assert isinstance(failed, ResponseCompleted)
        assert failed.status == "failed"
        assert not link.is_busy, "no response.done will come for a refused create"

        await link.request_response(max_output_tokens=100)
        done = await asyncio.wait_for(_next(events, ResponseCompleted), 10)
        assert isinstance(done, ResponseCompleted)
        assert done.status == "completed"
        assert done.usage.input_tokens == link.predicted_input_tokens()
    finally:
        await link.close()
