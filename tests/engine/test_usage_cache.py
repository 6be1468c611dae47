"""The local engine bills a response's repeated prefix as cached, by the cloud's rule."""

from __future__ import annotations

from typing import Any

from openai import AsyncOpenAI

from .conftest import recv_checked, recv_until

LONG_INSTRUCTIONS = "Write the clinical note through the tools. " * 100
"""4,300 characters: 1,075 tokens at four characters a token, over the 1,024 minimum."""


async def _session(conn: Any, instructions: str) -> None:
    await recv_until(conn, "conversation.created")
    await conn.session.update(
        session={"type": "realtime", "instructions": instructions, "output_modalities": ["text"]}
    )
    await recv_until(conn, "session.updated")


async def _text_turn(conn: Any, item_id: str, text: str) -> None:
    await conn.conversation.item.create(
        item={
            "id": item_id,
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }
    )
    await recv_until(conn, "conversation.item.done")


async def _usage(conn: Any) -> Any:
    await conn.response.create()
    done = await recv_until(conn, "response.done", timeout_s=10)
    return done[-1].response.usage


async def test_the_stable_prefix_is_cached_from_the_second_response(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await _session(conn, LONG_INSTRUCTIONS)
        await _text_turn(conn, "turn_1", "Client: my knee hurts less this week.")
        first = await _usage(conn)
        await conn.conversation.item.delete(item_id="turn_1")
        await recv_checked(conn)
        await _text_turn(conn, "turn_2", "Client: I walked to the shop and back.")
        second = await _usage(conn)

    assert first.input_token_details.cached_tokens == 0
    assert first.input_tokens == 1075 + 10
    # Only the instructions repeat (the first turn was deleted): 1,075 -> 1,024 cached.
    assert second.input_token_details.cached_tokens == 1024
    assert second.input_token_details.cached_tokens_details.text_tokens == 1024
    assert second.input_token_details.cached_tokens_details.audio_tokens == 0
    assert second.input_tokens == 1075 + 10


async def test_items_that_stay_extend_the_cached_prefix(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await _session(conn, LONG_INSTRUCTIONS)
        await _text_turn(conn, "turn_1", "Client: " + "it aches at night. " * 20)
        first = await _usage(conn)
        await _text_turn(conn, "turn_2", "Clinician: and in the morning?")
        second = await _usage(conn)

    # 1,075 instructions + 97 of the first turn repeat: 1,172 -> 1,152 in 128-token steps.
    assert first.input_tokens == 1075 + 97
    assert second.input_token_details.cached_tokens == 1152


async def test_a_short_or_changed_prefix_is_never_cached(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await _session(conn, "Write the note.")
        await _text_turn(conn, "turn_1", "Client: " + "it aches at night. " * 20)
        short = [await _usage(conn), await _usage(conn)]
        await conn.session.update(session={"type": "realtime", "instructions": LONG_INSTRUCTIONS})
        await recv_until(conn, "session.updated")
        changed = await _usage(conn)

    assert [u.input_token_details.cached_tokens for u in short] == [0, 0]
    assert short[1].input_tokens == short[0].input_tokens < 1024
    assert changed.input_tokens > 1024
    assert changed.input_token_details.cached_tokens == 0
