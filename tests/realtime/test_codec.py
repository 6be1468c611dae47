"""Wire usage and tool calls -> domain values, from real SDK event models."""

from __future__ import annotations

from typing import Any

from openai.types.realtime import (
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ResponseDoneEvent,
)

from therapy_notes.domain.events import ToolCall
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.realtime import codec


def parse_response(usage: dict[str, Any] | None, output: list[dict[str, Any]]) -> Any:
    return ResponseDoneEvent.model_validate(
        {
            "type": "response.done",
            "event_id": "e1",
            "response": {
                "id": "resp_1",
                "object": "realtime.response",
                "status": "completed",
                "output": output,
                "usage": usage,
            },
        }
    ).response


def completed(usage: dict[str, Any]) -> Any:
    return ConversationItemInputAudioTranscriptionCompletedEvent.model_validate(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "e2",
            "item_id": "item_1",
            "content_index": 0,
            "transcript": "hello",
            "usage": usage,
        }
    ).usage


CLOUD_USAGE = {
    "total_tokens": 1250,
    "input_tokens": 1200,
    "output_tokens": 50,
    "input_token_details": {
        "text_tokens": 400,
        "audio_tokens": 800,
        "image_tokens": 0,
        "cached_tokens": 384,
        "cached_tokens_details": {"text_tokens": 384, "audio_tokens": 0, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 50, "audio_tokens": 0},
}


def test_response_usage_in_the_cloud_shape() -> None:
    usage = codec.response_usage(parse_response(CLOUD_USAGE, []).usage)
    assert usage == TokenUsage(
        input_text_tokens=400,
        input_audio_tokens=800,
        cached_text_tokens=384,
        cached_audio_tokens=0,
        output_text_tokens=50,
        output_audio_tokens=0,
    )
    assert usage.total_tokens == 1250


def test_response_usage_without_details_counts_everything_as_text() -> None:
    usage = codec.response_usage(
        parse_response({"total_tokens": 30, "input_tokens": 20, "output_tokens": 10}, []).usage
    )
    assert usage == TokenUsage(input_text_tokens=20, output_text_tokens=10)


def test_missing_response_usage_is_zero() -> None:
    assert codec.response_usage(None) == TokenUsage()
    assert codec.response_usage(parse_response(None, []).usage) == TokenUsage()


def test_duration_typed_transcription_usage_is_ten_tokens_per_second() -> None:
    usage = codec.transcription_usage(completed({"type": "duration", "seconds": 3.2}), 99.0)
    assert usage == TokenUsage(input_audio_tokens=32)


def test_token_typed_transcription_usage_splits_audio_and_text() -> None:
    usage = codec.transcription_usage(
        completed(
            {
                "type": "tokens",
                "input_tokens": 60,
                "output_tokens": 12,
                "total_tokens": 72,
                "input_token_details": {"text_tokens": 5, "audio_tokens": 55},
            }
        ),
        99.0,
    )
    assert usage == TokenUsage(input_text_tokens=5, input_audio_tokens=55, output_text_tokens=12)


def test_missing_transcription_usage_falls_back_to_the_audio_length() -> None:
    assert codec.transcription_usage(None, 2.46) == TokenUsage(input_audio_tokens=25)


def test_tool_calls_are_the_function_calls_in_order() -> None:
    output: list[dict[str, Any]] = [
        {
            "id": "m1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Updating the note."}],
        },
        {
            "id": "f1",
            "type": "function_call",
            "call_id": "call_1",
            "name": "flag_risk",
            "arguments": '{"kind": "fall_risk"}',
        },
        {
            "id": "f2",
            "type": "function_call",
            "call_id": "call_2",
            "name": "add_note_entries",
            "arguments": "{}",
        },
    ]
    calls = codec.tool_calls(parse_response(None, output).output)
    assert calls == (
        ToolCall("call_1", "flag_risk", '{"kind": "fall_risk"}'),
        ToolCall("call_2", "add_note_entries", "{}"),
    )
    assert codec.tool_calls(None) == ()
