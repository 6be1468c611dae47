"""What one client may cost an engine server: sessions, message size, buffer, nesting, idling."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai import AsyncOpenAI
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from tests.engine.conftest import BYTES_PER_MS, FakeTrackers, b64, recv_checked, silence, speech
from tests.engine.test_server import manual_commit_works, note_session, open_session
from therapy_notes.engine import protocol as p
from therapy_notes.engine.limits import EngineLimits
from therapy_notes.engine.server import LocalEngine


@pytest.fixture
async def limited(trackers: FakeTrackers) -> AsyncIterator[LocalEngine]:
    limits = EngineLimits(max_sessions=2, max_buffer_s=2.0, idle_timeout_s=0.5)
    async with LocalEngine(tracker_factory=trackers, limits=limits) as running:
        yield running


def _raw(engine: LocalEngine) -> Any:
    return ws_connect(
        f"{engine.url}/realtime?model=gpt-realtime-2",
        additional_headers={"Authorization": f"Bearer {engine.token}"},
        max_size=None,
    )


async def _greeting(ws: ClientConnection) -> None:
    assert json.loads(await ws.recv())["type"] == "session.created"
    assert json.loads(await ws.recv())["type"] == "conversation.created"


async def _next(ws: ClientConnection) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(await ws.recv())
    return event


def test_default_limits_scale_with_the_machine() -> None:
    limits = EngineLimits()
    assert limits.max_sessions >= 2
    assert limits.max_buffer_s == 15 * 60
    assert p.WEBSOCKET_MAX_SIZE <= 22 * 1024 * 1024


@pytest.mark.expected_log(
    "therapy_notes.engine.server",
    "WARNING",
    match=r"^refused a session for this-app: 2 of 2 sessions in use$",
)
async def test_session_over_the_limit_gets_an_error_and_a_close(limited: LocalEngine) -> None:
    async with _raw(limited) as first, _raw(limited) as second:
        await _greeting(first)
        await _greeting(second)
        assert limited.active_sessions == 2
        async with _raw(limited) as third:
            error = await _next(third)
            assert error["type"] == "error"
            assert error["error"]["code"] == "session_limit_reached"
            with pytest.raises(ConnectionClosed) as closed:
                await third.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1013
    async with _raw(limited) as again:  # slots are freed when sessions end
        await _greeting(again)


async def test_message_over_the_transport_limit_closes_with_1009(engine: LocalEngine) -> None:
    ws = await _raw(engine)  # no `async with`: the server has already closed the socket
    await _greeting(ws)
    await ws.send(json.dumps({"type": "x", "pad": "a" * p.WEBSOCKET_MAX_SIZE}))
    with pytest.raises(ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


async def test_buffer_cap_refuses_audio_and_keeps_none_of_it(
    limited: LocalEngine, trackers: FakeTrackers
) -> None:
    client = AsyncOpenAI(api_key=limited.token, websocket_base_url=limited.url)
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        await conn.input_audio_buffer.append(audio=b64(silence(1500)))
        await conn.send(
            {"type": "input_audio_buffer.append", "event_id": "over", "audio": b64(silence(1000))}
        )
        error = await recv_checked(conn)
        assert (error.error.code, error.error.event_id) == ("input_audio_buffer_too_large", "over")
        assert trackers.made[0].appended_bytes == 1500 * BYTES_PER_MS  # refused chunk dropped
        await conn.input_audio_buffer.clear()
        assert (await recv_checked(conn)).type == "input_audio_buffer.cleared"
        await manual_commit_works(conn)


async def test_depth_600_item_is_refused_and_the_connection_lives(client: AsyncOpenAI) -> None:
    nested: Any = "x"
    for _ in range(600):
        nested = {"a": nested}
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        await conn.send_raw(
            json.dumps(
                {
                    "type": "conversation.item.create",
                    "event_id": "deep",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "hi", "extra": nested}],
                    },
                }
            )
        )
        error = await recv_checked(conn)
        assert (error.error.type, error.error.code, error.error.event_id) == (
            "invalid_request_error",
            "invalid_value",
            "deep",
        )
        await manual_commit_works(conn)


async def test_overlong_event_id_and_item_id_are_refused(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        await conn.send_raw(
            json.dumps({"type": "input_audio_buffer.clear", "event_id": "e" * (p.MAX_ID_CHARS + 1)})
        )
        error = await recv_checked(conn)
        assert (error.error.code, error.error.param, error.error.event_id) == (
            "invalid_value",
            "event_id",
            None,
        )
        await conn.send_raw(
            json.dumps(
                {"type": "conversation.item.delete", "event_id": "d1", "item_id": "i" * 100_000}
            )
        )
        error = await recv_checked(conn)
        assert (error.error.code, error.error.param) == ("invalid_value", "item_id")
        assert len(error.error.message) < 200
        await manual_commit_works(conn)


async def test_idle_connection_is_told_and_closed(limited: LocalEngine) -> None:
    async with _raw(limited) as ws:
        await _greeting(ws)
        error = await _next(ws)
        assert error["error"]["code"] == "idle_timeout"
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    for _ in range(200):  # the server's handler ends just after the close
        if limited.active_sessions == 0:
            break
        await asyncio.sleep(0.01)
    assert limited.active_sessions == 0


async def test_a_large_append_is_parsed_off_the_loop_and_still_works(
    engine: LocalEngine, trackers: FakeTrackers
) -> None:
    client = AsyncOpenAI(api_key=engine.token, websocket_base_url=engine.url)
    big = speech("Patient reports knee pain.", 4000)  # 192 kB of PCM, over the off-loop size
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        await conn.input_audio_buffer.append(audio=b64(big))
        await conn.input_audio_buffer.append(audio=b64(silence(2000)))
        await conn.input_audio_buffer.commit()
        assert (await recv_checked(conn)).type == "input_audio_buffer.committed"
    assert trackers.made[0].appended_bytes == len(big) + 2000 * BYTES_PER_MS


async def test_overlong_names_strings_and_lists_are_refused(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        tool = {"type": "function", "name": "n" * (p.MAX_NAME_CHARS + 1), "parameters": {}}
        await conn.send_raw(
            json.dumps(
                {
                    "type": "session.update",
                    "event_id": "s1",
                    "session": {"type": "realtime", "tools": [tool]},
                }
            )
        )
        error = await recv_checked(conn)
        assert (error.error.code, error.error.param) == ("invalid_value", "session.tools[0].name")
        await conn.send_raw(
            json.dumps(
                {
                    "type": "conversation.item.create",
                    "event_id": "t1",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "x" * (p.MAX_TEXT_CHARS + 1)}],
                    },
                }
            )
        )
        assert (await recv_checked(conn)).error.code == "invalid_value"
        await conn.send_raw(
            json.dumps(
                {
                    "type": "conversation.item.create",
                    "event_id": "l1",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "a"}] * (p.MAX_LIST_ITEMS + 1),
                    },
                }
            )
        )
        error = await recv_checked(conn)
        assert (error.error.code, error.error.param) == ("invalid_value", "item.content")
        await manual_commit_works(conn)
