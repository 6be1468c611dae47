"""The protocol layer: parsing never raises, violations carry code/param/event_id, merges."""

from __future__ import annotations

import base64
import json
from typing import Any

import pydantic
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.realtime import RealtimeServerEvent

from therapy_notes.engine import protocol as p

_SERVER_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeServerEvent)

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_EVENT_TYPES = [
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.delete",
    "conversation.item.retrieve",
    "response.create",
    "response.cancel",
]
_FIELDS = ["session", "audio", "item", "item_id", "previous_item_id", "response", "event_id"]


@st.composite
def _plausible_events(draw: st.DrawFn) -> dict[str, Any]:
    """Objects shaped like client events, with random values in the known fields."""
    event: dict[str, Any] = {"type": draw(st.sampled_from(_EVENT_TYPES))}
    for key in draw(st.lists(st.sampled_from(_FIELDS), max_size=4, unique=True)):
        event[key] = draw(_json)
    if draw(st.booleans()):
        event["session"] = {"type": draw(st.sampled_from(["realtime", "transcription", 3]))} | draw(
            st.dictionaries(
                st.sampled_from(["instructions", "tools", "audio", "max_output_tokens", "x"]),
                _json,
                max_size=3,
            )
        )
    return event


def _assert_parsed(result: object) -> None:
    assert isinstance(result, (p.ProtocolViolation, *p.ClientEvent.__args__))  # type: ignore[attr-defined]
    if isinstance(result, p.ProtocolViolation):
        assert result.code
        assert result.message
        # Every violation becomes an error event the SDK can parse.
        event = _SERVER_EVENT.validate_python(p.error_event(result))
        assert type(event).__name__ == "RealtimeErrorEvent"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_violate(raw: bytes) -> None:
    _assert_parsed(p.parse_client_event(raw))


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_parses_or_violates(value: Any) -> None:
    _assert_parsed(p.parse_client_event(json.dumps(value)))


@settings(max_examples=200, deadline=None)
@given(_plausible_events())
def test_event_shaped_json_parses_or_violates(event: dict[str, Any]) -> None:
    _assert_parsed(p.parse_client_event(json.dumps(event)))


def test_deep_nesting_is_a_violation_not_a_crash() -> None:
    result = p.parse_client_event("[" * 100_000)
    assert isinstance(result, p.ProtocolViolation)
    assert result.code == "invalid_json"


def test_append_decodes_audio() -> None:
    pcm = bytes(range(256)) * 4
    event = p.parse_client_event(
        json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm).decode()})
    )
    assert event == p.AudioAppend(None, pcm)


def test_violations_name_field_and_echo_event_id() -> None:
    result = p.parse_client_event(
        json.dumps({"type": "response.create", "event_id": "rc_1", "response": {"tools": [{}]}})
    )
    assert result == p.ProtocolViolation(
        "missing_required_parameter",
        "Missing required parameter: 'response.tools[0].name'.",
        "response.tools[0].name",
        "rc_1",
    )
    wrong = p.parse_client_event(
        json.dumps(
            {
                "type": "session.update",
                "event_id": "su_1",
                "session": {"type": "realtime", "tools": "all of them"},
            }
        )
    )
    assert isinstance(wrong, p.ProtocolViolation)
    assert (wrong.code, wrong.param, wrong.event_id) == ("invalid_type", "session.tools", "su_1")
    unknown = p.parse_client_event(json.dumps({"type": "nope.nope", "event_id": "n_1"}))
    assert isinstance(unknown, p.ProtocolViolation)
    assert "nope.nope" in unknown.message


def test_unknown_session_field_and_rate_are_refused() -> None:
    unknown = p.parse_client_event(
        json.dumps({"type": "session.update", "session": {"type": "realtime", "voicez": "x"}})
    )
    assert isinstance(unknown, p.ProtocolViolation)
    assert (unknown.code, unknown.param) == ("unknown_parameter", "session.voicez")
    rate = p.parse_client_event(
        json.dumps(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
                },
            }
        )
    )
    assert isinstance(rate, p.ProtocolViolation)
    assert rate.param == "session.audio.input.format.rate"


def test_merge_changes_only_sent_fields() -> None:
    base = p.default_session("realtime", "gpt-realtime-2")
    base = p.merge_session(
        base,
        {
            "type": "realtime",
            "instructions": "Be brief.",
            "tools": [{"type": "function", "name": "a"}],
        },
    )
    merged = p.merge_session(
        base,
        {
            "type": "realtime",
            "audio": {
                "input": {"turn_detection": {"silence_duration_ms": 900, "type": "server_vad"}}
            },
        },
    )
    td = merged["audio"]["input"]["turn_detection"]
    assert td["silence_duration_ms"] == 900
    assert td["threshold"] == 0.5  # kept
    assert merged["instructions"] == "Be brief."
    assert merged["tools"] == [{"type": "function", "name": "a"}]
    cleared = p.merge_session(
        merged,
        {
            "type": "realtime",
            "instructions": "",
            "tools": [],
            "audio": {"input": {"turn_detection": None}},
        },
    )
    assert cleared["instructions"] == ""
    assert cleared["tools"] == []
    assert cleared["audio"]["input"]["turn_detection"] is None
    assert cleared["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert base["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 500  # no aliasing
    semantic = p.merge_session(
        base,
        {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "semantic_vad"}}}},
    )
    assert semantic["audio"]["input"]["turn_detection"] == {"type": "semantic_vad"}


def test_builders_match_the_sdk_types() -> None:
    session = p.default_session("realtime", "gpt-realtime-2")
    item = p.function_call_item("item_1", "call_1", "f", "{}", "completed")
    events = [
        p.session_created(session, "sess_1", 0),
        p.session_created(p.default_session("transcription", None), "sess_2", 0),
        p.conversation_created("conv_1"),
        p.speech_started("item_1", 0),
        p.speech_stopped("item_1", 900),
        p.buffer_committed("item_1", None),
        p.buffer_cleared(),
        p.item_added(p.user_audio_item("item_1", None), None),
        p.item_done(item, "item_0"),
        p.item_deleted("item_1"),
        p.item_retrieved(item),
        p.transcription_delta("item_1", "hel"),
        p.transcription_delta("item_1", "", "lo there"),
        p.transcription_completed("item_1", "hello", 1.23456),
        p.transcription_failed("item_1", "no speech"),
        p.response_created(
            p.response_body(
                "resp_1",
                "conv_1",
                status="in_progress",
                output=[],
                max_output_tokens="inf",
                metadata=None,
            )
        ),
        p.output_item_added("resp_1", 0, item),
        p.arguments_delta("resp_1", "item_1", 0, "call_1", "{"),
        p.arguments_done("resp_1", "item_1", 0, "call_1", "f", "{}"),
        p.output_item_done("resp_1", 0, item),
        p.response_done(
            p.response_body(
                "resp_1",
                "conv_1",
                status="completed",
                output=[item],
                max_output_tokens=250,
                metadata={"k": "v"},
            )
        ),
    ]
    for event in events:
        assert event["event_id"].startswith("event_")
        parsed = _SERVER_EVENT.validate_python(event)
        assert parsed.type == event["type"]
    assert events[0]["session"]["id"] == "sess_1"
    assert events[0]["session"]["expires_at"] == 3600
    # The engine's own `tentative` field survives the SDK's parsing, for a client to read.
    tentative = _SERVER_EVENT.validate_python(p.transcription_delta("item_1", "", "lo there"))
    assert getattr(tentative, "tentative", None) == "lo there"
