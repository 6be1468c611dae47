"""The local engine against the official openai SDK, over a real WebSocket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from openai import AsyncOpenAI
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.speech import FIXTURES, SpeechFixture
from therapy_notes.domain.tools import (
    ADD_NOTE_ENTRIES,
    FLAG_RISK,
    RECORD_MEASUREMENT,
    session_instructions,
    tool_schemas,
)
from therapy_notes.engine.access import TokenStore
from therapy_notes.engine.clinic_server import serve_forever
from therapy_notes.engine.protocol import MAX_AUDIO_BYTES, MAX_MESSAGE_BYTES
from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turns import EngineModels
from therapy_notes.services.templates import load_template

from .conftest import BYTES_PER_MS, FakeTrackers, b64, recv_checked, recv_until, silence, speech

SOAP = load_template("soap")
VAD = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "create_response": False,
    "interrupt_response": False,
}


def note_session(**extra: Any) -> dict[str, Any]:
    return {
        "type": "realtime",
        "output_modalities": ["text"],
        "instructions": session_instructions(SOAP),
        "audio": {"input": {"turn_detection": VAD}},
        "tools": tool_schemas(SOAP),
        "parallel_tool_calls": True,
        **extra,
    }


async def open_session(conn: Any, session: dict[str, Any] | None = None) -> Any:
    """Read the greeting, send `session.update`, return the `session.updated` event."""
    created = await recv_checked(conn)
    assert type(created).__name__ == "SessionCreatedEvent"
    assert created.session.type == "realtime"
    conversation = await recv_checked(conn)
    assert type(conversation).__name__ == "ConversationCreatedEvent"
    await conn.session.update(session=session or note_session())
    updated = await recv_checked(conn)
    assert type(updated).__name__ == "SessionUpdatedEvent", updated
    return updated


async def speak_turn(conn: Any, text: str, ms: int = 1500) -> list[Any]:
    """Stream one VAD turn (speech then silence) and return events up to its transcript."""
    await conn.input_audio_buffer.append(audio=b64(speech(text, ms)))
    await conn.input_audio_buffer.append(audio=b64(silence(600)))
    return await recv_until(conn, "conversation.item.input_audio_transcription.completed")


async def manual_commit_works(conn: Any, text: str = "Patient reports mild pain.") -> None:
    """The connection still takes audio, commits it and transcribes it."""
    await conn.input_audio_buffer.append(audio=b64(speech(text, 400)))
    await conn.input_audio_buffer.commit()
    events = await recv_until(conn, "conversation.item.input_audio_transcription.completed")
    assert events[-1].transcript == text


async def test_full_flow_parses_into_specific_sdk_types(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        updated = await open_session(conn)
        assert updated.session.instructions.startswith("You write a clinical note")
        assert updated.session.audio.input.format.rate == 24_000
        assert [t.name for t in updated.session.tools][:3] == [
            ADD_NOTE_ENTRIES,
            RECORD_MEASUREMENT,
            FLAG_RISK,
        ]

        events = await speak_turn(conn, "Patient reports pain of six out of ten in the right knee.")
        names = [type(e).__name__ for e in events]
        assert names[0] == "InputAudioBufferSpeechStartedEvent"
        assert "ConversationItemInputAudioTranscriptionDeltaEvent" in names
        assert names[-5:] == [
            "InputAudioBufferSpeechStoppedEvent",
            "InputAudioBufferCommittedEvent",
            "ConversationItemAdded",
            "ConversationItemDone",
            "ConversationItemInputAudioTranscriptionCompletedEvent",
        ]
        item_id = events[0].item_id
        assert {e.item_id for e in events if hasattr(e, "item_id")} == {item_id}
        added = next(e for e in events if e.type == "conversation.item.added")
        assert added.item.content[0].type == "input_audio"
        assert added.item.content[0].transcript is None
        completed = events[-1]
        assert completed.usage.type == "duration"
        assert completed.usage.seconds == pytest.approx(2.1, abs=0.01)

        await conn.response.create()
        response_events = await recv_until(conn, "response.done")
        kinds = [type(e).__name__ for e in response_events]
        assert kinds[0] == "ResponseCreatedEvent"
        assert response_events[0].response.status == "in_progress"
        assert "ResponseFunctionCallArgumentsDeltaEvent" in kinds
        done = response_events[-1]
        assert done.response.status == "completed"
        calls = {item.name: json.loads(item.arguments) for item in done.response.output}
        assert calls[ADD_NOTE_ENTRIES]["entries"][0]["section"] == "subjective"
        assert calls[ADD_NOTE_ENTRIES]["entries"][0]["source_item_ids"] == [item_id]
        assert calls[RECORD_MEASUREMENT]["kind"] == "pain_score"
        assert calls[RECORD_MEASUREMENT]["value"] == 6
        for out in done.response.output:
            arg_done = next(
                e
                for e in response_events
                if e.type == "response.function_call_arguments.done" and e.call_id == out.call_id
            )
            deltas = "".join(
                e.delta
                for e in response_events
                if e.type == "response.function_call_arguments.delta" and e.call_id == out.call_id
            )
            assert deltas == arg_done.arguments == out.arguments
        usage = done.response.usage
        assert usage.input_token_details.audio_tokens == 21  # 2.1 s at 10 tokens per second
        assert usage.input_token_details.text_tokens > 100  # instructions and tools
        assert usage.input_tokens == (
            usage.input_token_details.text_tokens + usage.input_token_details.audio_tokens
        )
        assert usage.output_tokens > 0
        assert usage.total_tokens == usage.input_tokens + usage.output_tokens
        assert usage.input_token_details.cached_tokens == 0

        # Tool outputs go back, then one more response finds nothing new.
        for out in done.response.output:
            await conn.conversation.item.create(
                item={"type": "function_call_output", "call_id": out.call_id, "output": "ok"}
            )
            added, item_done = await recv_checked(conn), await recv_checked(conn)
            assert type(added).__name__ == "ConversationItemAdded"
            assert type(item_done).__name__ == "ConversationItemDone"
        await conn.response.create()
        empty = await recv_until(conn, "response.done")
        assert empty[-1].response.status == "completed"
        assert empty[-1].response.output == []
        assert empty[-1].response.usage.input_tokens > usage.input_tokens

        await conn.conversation.item.delete(item_id=item_id)
        deleted = await recv_checked(conn)
        assert type(deleted).__name__ == "ConversationItemDeletedEvent"
        assert deleted.item_id == item_id

        await conn.conversation.item.retrieve(item_id=done.response.output[0].id)
        retrieved = await recv_checked(conn)
        assert type(retrieved).__name__ == "ConversationItemRetrieved"
        assert retrieved.item.type == "function_call"


async def test_typed_user_text_is_composed_with_risk_and_negation(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn)
        for text in (
            "Client denies thoughts of self-harm.",
            "She reports she fell twice at home last week.",
        ):
            await conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": text}],
                }
            )
            await recv_until(conn, "conversation.item.done")
        await conn.response.create()
        done = (await recv_until(conn, "response.done"))[-1]
        flags = [json.loads(o.arguments) for o in done.response.output if o.name == FLAG_RISK]
        assert [f["kind"] for f in flags] == ["fall_risk"]
        entries = [
            entry
            for o in done.response.output
            if o.name == ADD_NOTE_ENTRIES
            for entry in json.loads(o.arguments)["entries"]
        ]
        assert any("denies thoughts of self-harm" in e["text"] for e in entries)


async def test_a_response_cut_short_sends_each_call_once(client: AsyncOpenAI) -> None:
    """Calls left out by `max_output_tokens` follow in the next response, none twice."""
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(max_output_tokens=40))
        for text in (
            "Shoulder flexion measured at one hundred twenty degrees.",
            "She says she has had thoughts of ending her life.",
        ):
            await conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": text}],
                }
            )
            await recv_until(conn, "conversation.item.done")
        sent: list[tuple[str, str]] = []
        statuses: list[str] = []
        for _ in range(6):
            await conn.response.create()
            done = (await recv_until(conn, "response.done"))[-1]
            statuses.append(done.response.status)
            calls = [(o.name, o.arguments) for o in done.response.output]
            if not calls:
                break
            sent += calls
        assert "incomplete" in statuses  # the cap really split the calls
        assert len(sent) == len(set(sent)), "a call was sent twice"
        names = [name for name, _ in sent]
        assert names.count(ADD_NOTE_ENTRIES) == 2
        assert RECORD_MEASUREMENT in names
        assert FLAG_RISK in names


async def test_cancel_stops_an_active_response(client: AsyncOpenAI, trackers: FakeTrackers) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        trackers.made[0].hold_finals = True
        await conn.input_audio_buffer.append(audio=b64(speech("Gait is steady.", 500)))
        await conn.input_audio_buffer.commit()
        await recv_until(conn, "conversation.item.done")
        await conn.response.create()
        created = await recv_checked(conn)
        assert created.type == "response.created"
        # The response waits for the held transcript, so a second one is refused ...
        await conn.send({"type": "response.create", "event_id": "rc_2"})
        error = await recv_checked(conn)
        assert error.error.code == "conversation_already_has_active_response"
        assert error.error.event_id == "rc_2"
        assert created.response.id in error.error.message
        # ... and a cancel ends it.
        await conn.response.cancel()
        done = await recv_checked(conn)
        assert type(done).__name__ == "ResponseDoneEvent"
        assert done.response.status == "cancelled"
        assert done.response.status_details.reason == "client_cancelled"
        await conn.send({"type": "response.cancel", "event_id": "cx_2"})
        error = await recv_checked(conn)
        assert (error.error.code, error.error.event_id) == ("response_cancel_not_active", "cx_2")
        # The transcript still arrives, and a new response composes it.
        trackers.made[0].release_finals()
        await recv_until(conn, "conversation.item.input_audio_transcription.completed")
        await conn.response.create()
        done = (await recv_until(conn, "response.done"))[-1]
        assert done.response.status == "completed"
        assert [o.name for o in done.response.output] == [ADD_NOTE_ENTRIES]


BAD_INPUTS: list[tuple[str, str, str, str | None]] = [
    ("malformed json", '{"type": "session.update", ', "invalid_json", None),
    ("not an object", "[1, 2]", "invalid_value", None),
    ("missing type", '{"event_id": "ev_1"}', "missing_required_parameter", "type"),
    ("unknown type", '{"type": "session.dance", "event_id": "ev_1"}', "invalid_value", "type"),
    (
        "bad base64",
        '{"type": "input_audio_buffer.append", "audio": "%%%notbase64", "event_id": "ev_1"}',
        "invalid_value",
        "audio",
    ),
    (
        "audio not a string",
        '{"type": "input_audio_buffer.append", "audio": 42, "event_id": "ev_1"}',
        "invalid_type",
        "audio",
    ),
    (
        "threshold not a number",
        json.dumps(
            {
                "type": "session.update",
                "event_id": "ev_1",
                "session": {
                    "type": "realtime",
                    "audio": {
                        "input": {"turn_detection": {"type": "server_vad", "threshold": "high"}}
                    },
                },
            }
        ),
        "invalid_type",
        "session.audio.input.turn_detection.threshold",
    ),
    (
        "session without type",
        '{"type": "session.update", "event_id": "ev_1", "session": {"instructions": "x"}}',
        "missing_required_parameter",
        "session.type",
    ),
    (
        "item content text not a string",
        json.dumps(
            {
                "type": "conversation.item.create",
                "event_id": "ev_1",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": 7}],
                },
            }
        ),
        "invalid_type",
        "item.content[0].text",
    ),
    (
        "unknown item id",
        '{"type": "conversation.item.delete", "item_id": "item_nope", "event_id": "ev_1"}',
        "item_not_found",
        "item_id",
    ),
    (
        "commit under 100 ms",
        '{"type": "input_audio_buffer.commit", "event_id": "ev_1"}',
        "input_audio_buffer_commit_empty",
        None,
    ),
]


@pytest.mark.parametrize(
    ("raw", "code", "param"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS]
)
async def test_bad_input_gets_error_and_connection_keeps_working(
    client: AsyncOpenAI, raw: str, code: str, param: str | None
) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        await conn.input_audio_buffer.append(audio=b64(silence(40)))  # too short to commit
        await conn.send_raw(raw)
        error = await recv_checked(conn)
        assert type(error).__name__ == "RealtimeErrorEvent"
        assert error.error.type == "invalid_request_error"
        assert error.error.code == code
        assert error.error.param == param
        if code != "invalid_json":
            parsed = json.loads(raw)
            expected_id = parsed.get("event_id") if isinstance(parsed, dict) else None
            assert error.error.event_id == expected_id
        await conn.input_audio_buffer.clear()
        assert (await recv_checked(conn)).type == "input_audio_buffer.cleared"
        await manual_commit_works(conn)


async def test_oversized_audio_is_refused_with_an_error(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        too_big = base64.b64encode(b"\1" * (MAX_AUDIO_BYTES + 3)).decode()
        await conn.send_raw(
            json.dumps({"type": "input_audio_buffer.append", "audio": too_big, "event_id": "big_1"})
        )
        error = await recv_checked(conn, timeout_s=30)
        assert (error.error.code, error.error.param, error.error.event_id) == (
            "message_too_large",
            "audio",
            "big_1",
        )
        await conn.send_raw(
            json.dumps({"type": "x", "pad": "a" * (MAX_MESSAGE_BYTES + 1024), "event_id": "big_2"})
        )
        error = await recv_checked(conn, timeout_s=30)
        assert (error.error.code, error.error.event_id) == ("message_too_large", "big_2")
        await manual_commit_works(conn)


async def test_session_update_merges_only_sent_fields(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn)
        await conn.session.update(session={"type": "realtime", "instructions": ""})
        updated = await recv_checked(conn)
        assert updated.session.instructions == ""
        assert len(updated.session.tools) == 4
        assert updated.session.audio.input.turn_detection.silence_duration_ms == 500
        await conn.session.update(
            session={"type": "realtime", "tools": [], "audio": {"input": {"turn_detection": None}}}
        )
        updated = await recv_checked(conn)
        assert updated.session.tools == []
        assert updated.session.audio.input.turn_detection is None
        assert updated.session.audio.input.format.rate == 24_000
        # With no tools the composer has nothing to call.
        await manual_commit_works(conn, "Patient reports pain of five out of ten.")
        await conn.response.create()
        done = (await recv_until(conn, "response.done"))[-1]
        assert done.response.output == []


async def test_transcription_failure_is_reported(client: AsyncOpenAI) -> None:
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn)
        await conn.input_audio_buffer.append(audio=b64(speech("<unintelligible>", 800)))
        await conn.input_audio_buffer.append(audio=b64(silence(600)))
        events = await recv_until(conn, "conversation.item.input_audio_transcription.failed")
        assert type(events[-1]).__name__ == "ConversationItemInputAudioTranscriptionFailedEvent"
        assert events[-1].item_id == events[0].item_id
        await manual_commit_works(conn)


async def test_transcription_intent_session(engine: LocalEngine) -> None:
    client = AsyncOpenAI(api_key=engine.token, websocket_base_url=engine.url)
    async with client.realtime.connect(extra_query={"intent": "transcription"}) as conn:
        created = await recv_checked(conn)
        assert type(created.session).__name__ == "RealtimeTranscriptionSessionCreateRequest"
        await recv_checked(conn)
        await conn.session.update(
            session={
                "type": "transcription",
                "audio": {
                    "input": {
                        "transcription": {"model": "gpt-realtime-whisper"},
                        "turn_detection": None,
                    }
                },
            }
        )
        assert (await recv_checked(conn)).type == "session.updated"
        await manual_commit_works(conn, "Transcribe this only.")
        await conn.send({"type": "response.create", "event_id": "rc_1"})
        error = await recv_checked(conn)
        assert error.error.code == "invalid_request_for_session_type"
        assert error.error.event_id == "rc_1"


async def test_beta_header_is_refused_with_4000(engine: LocalEngine) -> None:
    async with ws_connect(
        f"{engine.url}/realtime?model=gpt-realtime-2",
        additional_headers={
            "Authorization": f"Bearer {engine.token}",
            "OpenAI-Beta": "realtime=v1",
        },
    ) as ws:
        error = json.loads(await ws.recv())
        assert error["error"]["code"] == "beta_api_shape_disabled"
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4000


@pytest.mark.expected_log(
    "therapy_notes.engine.server", "WARNING", match=r": missing or unknown token$"
)
async def test_handshake_refusals_and_subprotocol(engine: LocalEngine) -> None:
    base = f"{engine.url}/realtime"
    with pytest.raises(InvalidStatus) as missing_key:
        async with ws_connect(f"{base}?model=gpt-realtime-2"):
            pass
    assert missing_key.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as wrong_path:
        async with ws_connect(
            f"{engine.url}/elsewhere", additional_headers={"Authorization": "Bearer k"}
        ):
            pass
    assert wrong_path.value.response.status_code == 404
    async with ws_connect(
        f"{base}?model=gpt-realtime-2",
        subprotocols=[
            websockets.Subprotocol("realtime"),
            websockets.Subprotocol(f"openai-insecure-api-key.{engine.token}"),
        ],
    ) as ws:
        assert ws.subprotocol == "realtime"
        assert json.loads(await ws.recv())["type"] == "session.created"


async def test_several_connections_at_once(client: AsyncOpenAI) -> None:
    async def one(text: str) -> str:
        async with client.realtime.connect(model="gpt-realtime-2") as conn:
            await open_session(conn)
            events = await speak_turn(conn, text)
            return str(events[-1].transcript)

    texts = [f"Patient number {n} reports no pain today." for n in range(4)]
    assert await asyncio.gather(*(one(t) for t in texts)) == texts


async def test_stop_and_restart_on_the_same_port(trackers: FakeTrackers) -> None:
    first = LocalEngine(tracker_factory=trackers)
    await first.start()
    port = first.port
    client = AsyncOpenAI(api_key=first.token, websocket_base_url=first.url)
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn)
        await first.stop()
        with pytest.raises(ConnectionClosed):
            await conn.recv_bytes()
    assert trackers.made[0].is_closed
    async with LocalEngine(port=port, tracker_factory=trackers, token=first.token) as second:
        assert second.url == f"ws://127.0.0.1:{port}/v1"
        async with client.realtime.connect(model="gpt-realtime-2") as conn:
            await open_session(conn)
            await manual_commit_works(conn)


# --------------------------------------------------------------------------- real models


@pytest.fixture(scope="module")
def real_models() -> Iterator[EngineModels]:
    models = EngineModels.load()
    yield models
    models.close()


@pytest.fixture
async def real_engine(real_models: EngineModels) -> AsyncIterator[LocalEngine]:
    async with LocalEngine(real_models) as running:
        yield running


def _fixture(name: str) -> SpeechFixture:
    return next(f for f in FIXTURES if f.name == name)


async def _stream(conn: Any, pcm: bytes, chunk_ms: int = 100) -> None:
    step = chunk_ms * 48
    for start in range(0, len(pcm), step):
        await conn.input_audio_buffer.append(audio=b64(pcm[start : start + step]))


async def test_real_speech_becomes_transcript_and_note(real_engine: LocalEngine) -> None:
    client = AsyncOpenAI(api_key=real_engine.token, websocket_base_url=real_engine.url)
    spoken = _fixture("flexion")
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn)
        await _stream(conn, spoken.pcm16())
        events = await recv_until(
            conn, "conversation.item.input_audio_transcription.completed", timeout_s=60
        )
        kinds = [e.type for e in events]
        assert kinds.index("input_audio_buffer.speech_started") < kinds.index(
            "input_audio_buffer.speech_stopped"
        )
        assert kinds.index("input_audio_buffer.committed") < kinds.index("conversation.item.done")
        completed = events[-1]
        assert completed.item_id == events[0].item_id
        assert "flexion" in completed.transcript.lower()
        assert completed.usage.seconds > 1.0
        await conn.response.create()
        done = (await recv_until(conn, "response.done", timeout_s=30))[-1]
        calls = {o.name: json.loads(o.arguments) for o in done.response.output}
        measurement = calls[RECORD_MEASUREMENT]
        assert (measurement["kind"], measurement["value"], measurement["unit"]) == (
            "range_of_motion",
            120,
            "degrees",
        )
        assert calls[ADD_NOTE_ENTRIES]["entries"][0]["section"] == "objective"
        audio_tokens = done.response.usage.input_token_details.audio_tokens
        assert abs(audio_tokens - 10 * completed.usage.seconds) <= 2
        await conn.conversation.item.retrieve(item_id=completed.item_id)
        retrieved = await recv_checked(conn)
        assert retrieved.item.content[0].transcript == completed.transcript


async def test_real_speech_after_bad_input(real_engine: LocalEngine) -> None:
    client = AsyncOpenAI(api_key=real_engine.token, websocket_base_url=real_engine.url)
    spoken = _fixture("grip_strength")
    async with client.realtime.connect(model="gpt-realtime-2") as conn:
        await open_session(conn, note_session(audio={"input": {"turn_detection": None}}))
        await conn.send_raw(
            '{"type": "input_audio_buffer.append", "audio": "!!", "event_id": "a1"}'
        )
        assert (await recv_checked(conn)).error.param == "audio"
        await conn.send_raw("{not json")
        assert (await recv_checked(conn)).error.code == "invalid_json"
        await conn.input_audio_buffer.append(audio=b64(silence(50)))
        await conn.send({"type": "input_audio_buffer.commit", "event_id": "c1"})
        error = await recv_checked(conn)
        assert (error.error.code, error.error.event_id) == ("input_audio_buffer_commit_empty", "c1")
        await conn.input_audio_buffer.clear()
        await recv_checked(conn)
        await _stream(conn, spoken.pcm16())
        await conn.input_audio_buffer.commit()
        events = await recv_until(
            conn, "conversation.item.input_audio_transcription.completed", timeout_s=60
        )
        assert "strength" in events[-1].transcript.lower()
        await conn.response.create()
        done = (await recv_until(conn, "response.done", timeout_s=30))[-1]
        calls = {o.name: json.loads(o.arguments) for o in done.response.output}
        measurement = calls[RECORD_MEASUREMENT]
        assert (measurement["kind"], measurement["value"], measurement["unit"]) == (
            "strength_grade",
            22,
            "kg",
        )
        assert measurement["side"] == "left"
        assert FLAG_RISK not in calls


async def test_serve_forever_loads_models_and_serves_until_cancelled(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("front-desk")
    server = asyncio.create_task(serve_forever("127.0.0.1", port, None, tokens=tokens))
    client = AsyncOpenAI(api_key=token, websocket_base_url=f"ws://127.0.0.1:{port}/v1")
    for _ in range(300):
        try:
            async with client.realtime.connect(model="gpt-realtime-2") as conn:
                created = await recv_checked(conn, timeout_s=10)
                break
        except OSError:
            await asyncio.sleep(0.05)
    assert created.type == "session.created"
    server.cancel()
    with pytest.raises(asyncio.CancelledError):
        await server
    with pytest.raises(OSError):
        async with ws_connect(f"ws://127.0.0.1:{port}/v1/realtime?model=m"):
            pass


async def test_a_huge_append_from_one_client_leaves_another_clients_session_whole(
    real_engine: LocalEngine,
) -> None:
    """Client A sends the largest append there is (15 MiB, about 5.5 minutes, its turn
    detection on, so the voice detector reads all of it) while client B streams a sentence: B's
    events come in order and its transcript is whole, and A's session still answers. How
    long B waits meanwhile is measured in the benchmark.
    """
    client = AsyncOpenAI(api_key=real_engine.token, websocket_base_url=real_engine.url)
    spoken = _fixture("flexion")
    huge = silence(MAX_AUDIO_BYTES // BYTES_PER_MS)
    async with (
        client.realtime.connect(model="gpt-realtime-2") as a,
        client.realtime.connect(model="gpt-realtime-2") as b,
    ):
        await open_session(a)
        await open_session(b)
        await a.input_audio_buffer.append(audio=b64(huge))
        await _stream(b, spoken.pcm16() + silence(1500))
        events = await recv_until(
            b, "conversation.item.input_audio_transcription.completed", timeout_s=120
        )
        await a.input_audio_buffer.clear()
        cleared = await recv_until(a, "input_audio_buffer.cleared", timeout_s=120)
    kinds = [e.type for e in events]
    assert (
        kinds.index("input_audio_buffer.speech_started")
        < kinds.index("input_audio_buffer.speech_stopped")
        < kinds.index("input_audio_buffer.committed")
    )
    assert "flexion" in events[-1].transcript.lower()
    assert not [e for e in cleared if e.type == "error"]
