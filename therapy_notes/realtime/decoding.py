"""Server events -> domain events, keeping the replay and the conversation up to date (no I/O).

The events come as the SDK's models (`conn.parse_event`), read by attribute as `codec`
reads their parts, so this module needs no openai import. Times become session time on
the way (`AudioReplay`), and each item the conversation gains or loses is counted
(`Conversation`). `response.done` and `error` are the connection's to handle: they may
need sending (pruning, the held request) or end the connection.
"""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.events import (
    LinkEvent,
    ResponseCompleted,
    ServerError,
    SpeechStarted,
    SpeechStopped,
    TranscriptCompleted,
    TranscriptDelta,
    TranscriptFailed,
    TurnCommitted,
)
from therapy_notes.realtime import codec
from therapy_notes.realtime.conversation import Conversation
from therapy_notes.realtime.replay import AudioReplay

MALFORMED_EVENT = ServerError(
    "malformed_server_event", "The engine sent an event that could not be read."
)
"""Reported for a frame the SDK could not parse (the link ignores it and goes on)."""


class ServerEventDecoder:
    """Decodes the server events about audio, turns and items into domain events."""

    def __init__(self, replay: AudioReplay, conversation: Conversation) -> None:
        self._replay = replay
        self._conversation = conversation

    def decode(self, event: Any) -> LinkEvent | None:
        """The domain event for `event`, if any; the bookkeeping is updated either way."""
        kind = event.type
        replay, conversation = self._replay, self._conversation
        if kind == "input_audio_buffer.speech_started":
            start = replay.speech_started(event.item_id, event.audio_start_ms)
            return SpeechStarted(event.item_id, start)
        if kind == "input_audio_buffer.speech_stopped":
            end = replay.speech_stopped(event.item_id, event.audio_end_ms)
            return SpeechStopped(event.item_id, end)
        if kind == "input_audio_buffer.committed":
            conversation.count_audio(event.item_id, replay.committed(event.item_id).seconds)
            return TurnCommitted(event.item_id, event.previous_item_id)
        if kind == "conversation.item.added":
            conversation.item_added(event.item.id)
        elif kind == "conversation.item.done":
            if event.item.type == "function_call" and event.item.id:
                name, arguments = event.item.name or "", event.item.arguments or ""
                conversation.count_text(event.item.id, name, arguments)
        elif kind == "conversation.item.deleted":
            conversation.item_deleted(event.item_id)
        elif kind == "conversation.item.input_audio_transcription.delta":
            return transcript_delta(event)
        elif kind == "conversation.item.input_audio_transcription.completed":
            span = replay.transcribed(event.item_id)
            used = codec.transcription_usage(event.usage, span.seconds)
            text = (event.transcript or "").strip()
            return TranscriptCompleted(event.item_id, text, span.start_ms, span.end_ms, used)
        elif kind == "conversation.item.input_audio_transcription.failed":
            message = event.error.message or "transcription failed"
            replay.forget(event.item_id)
            return TranscriptFailed(event.item_id, message)
        return None


def transcript_delta(event: Any) -> TranscriptDelta | None:
    """A transcription delta with its words, or its tentative words; None if it has neither.

    `tentative` is the local engine's own field: the words still being decoded.
    """
    tentative = getattr(event, "tentative", None)
    tentative = tentative if isinstance(tentative, str) else ""
    if event.delta or tentative:
        return TranscriptDelta(event.item_id, event.delta or "", tentative)
    return None


def response_completed(response: Any) -> ResponseCompleted:
    """`response.done`'s response: its id, status, usage and tool calls."""
    return ResponseCompleted(
        response.id or "",
        response.status or "completed",
        codec.response_usage(response.usage),
        codec.tool_calls(response.output),
    )


def server_error(event: Any) -> ServerError:
    """An `error` event as the domain reports it."""
    err = event.error
    return ServerError(err.code or err.type or "error", err.message or "", err.param, err.event_id)
