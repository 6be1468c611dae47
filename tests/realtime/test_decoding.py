"""Server events -> domain events, from real SDK event models, without a socket."""

from __future__ import annotations

from typing import Any

from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter

from therapy_notes.domain.events import (
    ResponseCompleted,
    ServerError,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
    TranscriptCompleted,
    TranscriptDelta,
    TranscriptFailed,
    TurnCommitted,
)
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.realtime import decoding
from therapy_notes.realtime.conversation import Conversation
from therapy_notes.realtime.decoding import ServerEventDecoder
from therapy_notes.realtime.replay import AudioReplay

_EVENTS: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)
BYTES_PER_MS = 48
PREFIX_TOKENS = 10  # the instructions below: 40 characters


def event(kind: str, **fields: Any) -> Any:
    """A server event as the SDK models it (extra fields, like `tentative`, are kept)."""
    return _EVENTS.validate_python({"type": kind, "event_id": "evt_1", **fields})


class Link:
    """A decoder over fresh bookkeeping, with `ms` of audio already sent."""

    def __init__(self, ms: int = 10_000) -> None:
        self.replay = AudioReplay()
        self.replay.append(bytes(ms * BYTES_PER_MS))
        self.conversation = Conversation(LinkSettings("gpt-realtime-2", "x" * 40, ()))
        self.decoder = ServerEventDecoder(self.replay, self.conversation)

    def decode(self, kind: str, **fields: Any) -> Any:
        return self.decoder.decode(event(kind, **fields))

    def turn(self, item_id: str, start_ms: int, end_ms: int) -> None:
        self.decode("input_audio_buffer.speech_started", item_id=item_id, audio_start_ms=start_ms)
        self.decode("input_audio_buffer.speech_stopped", item_id=item_id, audio_end_ms=end_ms)

    def transcribed(self, item_id: str, transcript: str = "w", usage: Any = None) -> Any:
        return self.decode(
            "conversation.item.input_audio_transcription.completed",
            item_id=item_id,
            content_index=0,
            transcript=transcript,
            usage=usage or {"type": "duration", "seconds": 1.0},
        )


def test_speech_times_become_session_time_on_a_later_connection() -> None:
    link = Link()
    link.turn("a", 0, 1500)
    link.transcribed("a")
    link.replay.start_connection()  # the next connection is sent the audio from 1500 ms

    started = link.decode("input_audio_buffer.speech_started", item_id="b", audio_start_ms=200)
    stopped = link.decode("input_audio_buffer.speech_stopped", item_id="b", audio_end_ms=900)

    assert started == SpeechStarted("b", 1700)
    assert stopped == SpeechStopped("b", 2400)


def test_a_committed_turn_is_counted_at_ten_tokens_a_second() -> None:
    link = Link()
    link.turn("a", 1000, 3500)
    committed = link.decode("input_audio_buffer.committed", item_id="a", previous_item_id="z")
    assert committed == TurnCommitted("a", "z")
    assert link.conversation.estimate() == PREFIX_TOKENS + 25
    first = link.decode("input_audio_buffer.committed", item_id="b", previous_item_id=None)
    assert first == TurnCommitted("b", None)


def test_items_are_tracked_and_function_calls_counted_but_nothing_is_reported() -> None:
    link = Link()
    call = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "flag",  # one token
        "arguments": '{"kind": "fall"}',  # 16 characters: four tokens
    }
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}
    for item in (call, message):
        assert link.decode("conversation.item.added", item=item, previous_item_id=None) is None
        assert link.decode("conversation.item.done", item=item, previous_item_id=None) is None
    assert link.conversation.items_except(()) == ("fc_1", "msg_1")
    assert link.conversation.estimate() == PREFIX_TOKENS + 1 + 4, "a message costs nothing here"

    assert link.decode("conversation.item.deleted", item_id="fc_1") is None
    assert link.conversation.items_except(()) == ("msg_1",)
    assert link.conversation.estimate() == PREFIX_TOKENS


def test_a_delta_carries_its_words_and_the_local_engines_tentative_ones() -> None:
    link = Link()
    base = {"item_id": "a", "content_index": 0}
    kind = "conversation.item.input_audio_transcription.delta"
    assert link.decode(kind, **base, delta="", tentative="Pat") == TranscriptDelta("a", "", "Pat")
    assert link.decode(kind, **base, delta="Patient") == TranscriptDelta("a", "Patient", "")
    assert link.decode(kind, **base, delta="", tentative=7) is None, "not a string: ignored"
    assert link.decode(kind, **base, delta="") is None, "nothing to show"


def test_a_transcript_comes_with_its_session_times_and_frees_its_audio() -> None:
    link = Link()
    link.turn("a", 500, 2500)
    done = link.transcribed("a", "  Client reports pain.  ", {"type": "duration", "seconds": 2.0})
    assert done == TranscriptCompleted(
        "a", "Client reports pain.", 500, 2500, TokenUsage(input_audio_tokens=20)
    )
    assert link.replay.untranscribed == 0
    assert link.replay.kept_start_ms == 2500


def test_a_transcript_without_usage_is_billed_for_its_turns_length() -> None:
    link = Link()
    link.turn("a", 0, 1260)
    done = link.decoder.decode(
        event(
            "conversation.item.input_audio_transcription.completed",
            item_id="a",
            content_index=0,
            transcript="w",
            usage={"type": "duration", "seconds": 9.0},
        ).model_copy(update={"usage": None})
    )
    assert isinstance(done, TranscriptCompleted)
    assert done.usage == TokenUsage(input_audio_tokens=13)  # 1.26 s, as the cloud rounds


def test_a_failed_transcription_is_reported_and_its_turn_forgotten() -> None:
    link = Link()
    link.turn("a", 0, 800)
    failed = link.decode(
        "conversation.item.input_audio_transcription.failed",
        item_id="a",
        content_index=0,
        error={"type": "server_error", "code": "asr", "message": ""},
    )
    assert failed == TranscriptFailed("a", "transcription failed")
    assert link.replay.untranscribed == 0


def test_events_about_nothing_the_link_tracks_decode_to_nothing() -> None:
    link = Link()
    limits = [{"name": "tokens", "limit": 1000, "remaining": 999, "reset_seconds": 1.0}]
    assert link.decode("rate_limits.updated", rate_limits=limits) is None
    assert link.conversation.estimate() == PREFIX_TOKENS
    assert link.replay.untranscribed == 0


def test_a_finished_response_is_decoded_with_its_usage_and_calls() -> None:
    done = event(
        "response.done",
        response={
            "id": "resp_1",
            "object": "realtime.response",
            "status": "incomplete",
            "output": [
                {
                    "id": "fc_1",
                    "type": "function_call",
                    "call_id": "call_1",
                    "name": "note",
                    "arguments": "{}",
                }
            ],
            "usage": {"total_tokens": 30, "input_tokens": 20, "output_tokens": 10},
        },
    )
    assert decoding.response_completed(done.response) == ResponseCompleted(
        "resp_1",
        "incomplete",
        TokenUsage(input_text_tokens=20, output_text_tokens=10),
        (ToolCall("call_1", "note", "{}"),),
    )
    bare = event("response.done", response={"object": "realtime.response"}).response
    assert decoding.response_completed(bare) == ResponseCompleted("", "completed", TokenUsage())


def test_a_server_error_is_named_by_its_code_or_else_its_type() -> None:
    coded = event(
        "error",
        error={
            "type": "invalid_request_error",
            "code": "invalid_value",
            "message": "bad",
            "param": "response.max_output_tokens",
            "event_id": "create_1",
        },
    )
    assert decoding.server_error(coded) == ServerError(
        "invalid_value", "bad", "response.max_output_tokens", "create_1"
    )
    typed = event("error", error={"type": "server_error", "message": ""})
    assert decoding.server_error(typed) == ServerError("server_error", "", None, None)
