"""Server events, built in one place in the exact shapes the official SDK parses.

Every event the local engine sends is made here (PROTOCOL.md section 4), so a shape the
SDK would not parse is fixed once and tested once (each builder is checked against the
SDK's own types). Ids are minted here too, in the cloud's style.
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any, Final

from therapy_notes.engine.protocol.fields import JsonObject, ProtocolViolation

SESSION_LIFETIME_S: Final = 60 * 60


def new_id(prefix: str) -> str:
    """A fresh id in the cloud's style (`event_…`, `item_…`, `resp_…`, `call_…`)."""
    return f"{prefix}_{secrets.token_hex(10)}"


def server_event(event_type: str, **fields: Any) -> JsonObject:
    """One server event with a fresh `event_id`."""
    return {"type": event_type, "event_id": new_id("event"), **fields}


def error_event(violation: ProtocolViolation) -> JsonObject:
    """An `error` event; the session stays open after it."""
    return server_event(
        "error",
        error={
            "type": violation.type,
            "code": violation.code,
            "message": violation.message,
            "param": violation.param,
            "event_id": violation.event_id,
        },
    )


def session_created(session: JsonObject, session_id: str, created_at_s: float) -> JsonObject:
    """The first event of a connection: the full default config."""
    body = _session_body(session, session_id, created_at_s)
    return server_event("session.created", session=body)


def session_updated(session: JsonObject, session_id: str, created_at_s: float) -> JsonObject:
    """The reply to `session.update`: the full merged config."""
    body = _session_body(session, session_id, created_at_s)
    return server_event("session.updated", session=body)


def _session_body(session: JsonObject, session_id: str, created_at_s: float) -> JsonObject:
    body = copy.deepcopy(session)
    body["id"] = session_id
    body["object"] = (
        "realtime.transcription_session"
        if session.get("type") == "transcription"
        else "realtime.session"
    )
    body["expires_at"] = int(created_at_s) + SESSION_LIFETIME_S
    return body


def conversation_created(conversation_id: str) -> JsonObject:
    """Announces the connection's one conversation."""
    return server_event(
        "conversation.created",
        conversation={"id": conversation_id, "object": "realtime.conversation"},
    )


def speech_started(item_id: str, audio_start_ms: int) -> JsonObject:
    """VAD heard the start of a turn."""
    return server_event(
        "input_audio_buffer.speech_started", item_id=item_id, audio_start_ms=audio_start_ms
    )


def speech_stopped(item_id: str, audio_end_ms: int) -> JsonObject:
    """VAD heard the end of a turn."""
    return server_event(
        "input_audio_buffer.speech_stopped", item_id=item_id, audio_end_ms=audio_end_ms
    )


def buffer_committed(item_id: str, previous_item_id: str | None) -> JsonObject:
    """The audio buffer became a conversation item."""
    return server_event(
        "input_audio_buffer.committed", item_id=item_id, previous_item_id=previous_item_id
    )


def buffer_cleared() -> JsonObject:
    """The reply to `input_audio_buffer.clear`."""
    return server_event("input_audio_buffer.cleared")


def item_added(item: JsonObject, previous_item_id: str | None) -> JsonObject:
    """An item joined the conversation (maybe still in progress)."""
    return server_event(
        "conversation.item.added", item=copy.deepcopy(item), previous_item_id=previous_item_id
    )


def item_done(item: JsonObject, previous_item_id: str | None) -> JsonObject:
    """An item is complete."""
    return server_event(
        "conversation.item.done", item=copy.deepcopy(item), previous_item_id=previous_item_id
    )


def item_deleted(item_id: str) -> JsonObject:
    """The reply to `conversation.item.delete`."""
    return server_event("conversation.item.deleted", item_id=item_id)


def item_retrieved(item: JsonObject) -> JsonObject:
    """The reply to `conversation.item.retrieve`."""
    return server_event("conversation.item.retrieved", item=copy.deepcopy(item))


def transcription_delta(item_id: str, delta: str, tentative: str = "") -> JsonObject:
    """New text of a turn still being transcribed.

    `tentative` is the local engine's own field (clients that do not know it ignore it):
    the words after everything sent so far that are not confirmed yet, replacing the
    previous delta's `tentative`; `delta` stays append-only as in the cloud's protocol.
    """
    return server_event(
        "conversation.item.input_audio_transcription.delta",
        item_id=item_id,
        content_index=0,
        delta=delta,
        tentative=tentative,
    )


def transcription_completed(item_id: str, transcript: str, audio_seconds: float) -> JsonObject:
    """The final transcript of a turn, with duration-typed usage."""
    return server_event(
        "conversation.item.input_audio_transcription.completed",
        item_id=item_id,
        content_index=0,
        transcript=transcript,
        usage={"type": "duration", "seconds": round(audio_seconds, 3)},
    )


def transcription_failed(item_id: str, message: str) -> JsonObject:
    """A turn could not be transcribed."""
    return server_event(
        "conversation.item.input_audio_transcription.failed",
        item_id=item_id,
        content_index=0,
        error={
            "type": "transcription_error",
            "code": "audio_unintelligible",
            "message": message,
            "param": None,
        },
    )


def user_audio_item(item_id: str, transcript: str | None) -> JsonObject:
    """A committed audio turn; audio bytes are never echoed back."""
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_audio", "transcript": transcript}],
    }


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, status: str
) -> JsonObject:
    """A `function_call` conversation item."""
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def response_body(
    response_id: str,
    conversation_id: str | None,
    *,
    status: str,
    output: list[JsonObject],
    max_output_tokens: int | str,
    metadata: JsonObject | None,
    usage: JsonObject | None = None,
    status_details: JsonObject | None = None,
) -> JsonObject:
    """A `realtime.response` object, for `response.created` and `response.done`."""
    return {
        "object": "realtime.response",
        "id": response_id,
        "status": status,
        "status_details": status_details,
        "conversation_id": conversation_id,
        "output_modalities": ["text"],
        "max_output_tokens": max_output_tokens,
        "metadata": metadata,
        "output": copy.deepcopy(output),
        "usage": usage,
    }


def response_created(response: JsonObject) -> JsonObject:
    """A response started."""
    return server_event("response.created", response=response)


def response_done(response: JsonObject) -> JsonObject:
    """A response ended, with its output and usage."""
    return server_event("response.done", response=response)


def output_item_added(response_id: str, output_index: int, item: JsonObject) -> JsonObject:
    """A response started an output item."""
    return server_event(
        "response.output_item.added",
        response_id=response_id,
        output_index=output_index,
        item=copy.deepcopy(item),
    )


def output_item_done(response_id: str, output_index: int, item: JsonObject) -> JsonObject:
    """A response finished an output item."""
    return server_event(
        "response.output_item.done",
        response_id=response_id,
        output_index=output_index,
        item=copy.deepcopy(item),
    )


def arguments_delta(
    response_id: str, item_id: str, output_index: int, call_id: str, delta: str
) -> JsonObject:
    """A piece of a function call's arguments."""
    return server_event(
        "response.function_call_arguments.delta",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        call_id=call_id,
        delta=delta,
    )


def arguments_done(
    response_id: str, item_id: str, output_index: int, call_id: str, name: str, arguments: str
) -> JsonObject:
    """A function call's complete arguments."""
    return server_event(
        "response.function_call_arguments.done",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        call_id=call_id,
        name=name,
        arguments=arguments,
    )


def now_s() -> float:
    """Wall-clock seconds, for `expires_at`."""
    return time.time()
