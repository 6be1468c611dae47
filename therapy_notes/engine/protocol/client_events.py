"""Client events: any message a client sends becomes a typed event or a refusal.

Pure functions, no I/O, and `parse_client_event` never raises: a bad message is a
`ProtocolViolation` the server answers with an `error` event, so it never takes down a
connection (PROTOCOL.md section 10, point 10). The size and nesting limits sit here
because they are checked before anything else reads the message.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Final

from therapy_notes.engine.protocol.fields import (
    InvalidFieldError,
    JsonObject,
    ProtocolViolation,
    obj_field,
    opt_str,
    required_obj,
    required_str,
    str_field,
)
from therapy_notes.engine.protocol.items import validate_item
from therapy_notes.engine.protocol.session_config import (
    validate_response_overrides,
    validate_session_patch,
)

MAX_AUDIO_BYTES: Final = 15 * 1024 * 1024
"""Largest decoded audio in one `input_audio_buffer.append`, as on the cloud."""
MAX_MESSAGE_BYTES: Final = 21 * 1024 * 1024
"""Largest client message we parse: a full 15 MiB append in base64 plus its envelope."""
WEBSOCKET_MAX_SIZE: Final = MAX_MESSAGE_BYTES + 1024 * 1024
"""The transport limit sits just above `MAX_MESSAGE_BYTES`, so a slightly oversized message
still reaches the parser and gets an `error` reply; anything larger closes the socket (1009)
before it is buffered. Tight, because websockets may queue `max_queue` such messages."""
MAX_JSON_DEPTH: Final = 32
"""Deepest nesting a client event may have; real events (tool schemas included) use < 10."""
MAX_ID_CHARS: Final = 256
"""Longest `event_id`, item, call or response id a client may send."""
MAX_NAME_CHARS: Final = 64
"""Longest tool or function name, as on the cloud."""
MAX_TEXT_CHARS: Final = 1_000_000
"""Longest other string (instructions, text, arguments); audio has its own limit."""
MAX_LIST_ITEMS: Final = 1024
"""Most elements in any one list (tools, content parts, ...)."""


@dataclass(frozen=True, slots=True)
class SessionUpdate:
    """`session.update`: a validated patch of the session config."""

    event_id: str | None
    session: JsonObject


@dataclass(frozen=True, slots=True)
class AudioAppend:
    """`input_audio_buffer.append`: decoded PCM16 mono 24 kHz bytes."""

    event_id: str | None
    audio: bytes


@dataclass(frozen=True, slots=True)
class AudioCommit:
    """`input_audio_buffer.commit`."""

    event_id: str | None


@dataclass(frozen=True, slots=True)
class AudioClear:
    """`input_audio_buffer.clear`."""

    event_id: str | None


@dataclass(frozen=True, slots=True)
class ItemCreate:
    """`conversation.item.create`: a validated item and where to insert it."""

    event_id: str | None
    item: JsonObject
    previous_item_id: str | None


@dataclass(frozen=True, slots=True)
class ItemDelete:
    """`conversation.item.delete`."""

    event_id: str | None
    item_id: str


@dataclass(frozen=True, slots=True)
class ItemRetrieve:
    """`conversation.item.retrieve`."""

    event_id: str | None
    item_id: str


@dataclass(frozen=True, slots=True)
class ResponseCreate:
    """`response.create`."""

    event_id: str | None
    response: JsonObject
    """Per-response overrides (may be empty)."""


@dataclass(frozen=True, slots=True)
class ResponseCancel:
    """`response.cancel`."""

    event_id: str | None
    response_id: str | None


ClientEvent = (
    SessionUpdate
    | AudioAppend
    | AudioCommit
    | AudioClear
    | ItemCreate
    | ItemDelete
    | ItemRetrieve
    | ResponseCreate
    | ResponseCancel
)

_UNSUPPORTED_TYPES = frozenset({"conversation.item.truncate", "output_audio_buffer.clear"})


def parse_client_event(raw: str | bytes) -> ClientEvent | ProtocolViolation:
    """Turn one WebSocket message into a client event or the reason it is refused.

    Never raises: every failure is a `ProtocolViolation` carrying the client's `event_id`
    when one could be read.
    """
    event_id: str | None = None
    try:
        if len(raw) > MAX_MESSAGE_BYTES:
            event_id = _sniff_event_id(raw)
            return ProtocolViolation(
                "message_too_large",
                f"The message is {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES} bytes. "
                "Send audio in smaller appends.",
                None,
                event_id,
            )
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return ProtocolViolation(
                "invalid_json", "The message is not valid JSON; send one JSON object per message."
            )
        if not isinstance(data, dict):
            return ProtocolViolation(
                "invalid_value", "The message must be a JSON object with a 'type' field."
            )
        raw_event_id = data.get("event_id")
        if isinstance(raw_event_id, str) and len(raw_event_id) <= MAX_ID_CHARS:
            event_id = raw_event_id
        elif isinstance(raw_event_id, str):
            raise InvalidFieldError(
                "invalid_value",
                f"'event_id' is {len(raw_event_id)} characters; the limit is {MAX_ID_CHARS}.",
                "event_id",
            )
        elif raw_event_id is not None:
            raise InvalidFieldError("invalid_type", "'event_id' must be a string.", "event_id")
        _check_shape(data)
        return _parse_object(data, event_id)
    except InvalidFieldError as exc:
        return ProtocolViolation(exc.code, exc.message, exc.param, event_id)
    except Exception as exc:  # noqa: BLE001 - the parser's contract is "never raises"
        return ProtocolViolation(
            "invalid_value",
            f"The message could not be read ({type(exc).__name__}).",
            None,
            event_id,
        )


def _sniff_event_id(raw: str | bytes) -> str | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    event_id = data.get("event_id") if isinstance(data, dict) else None
    return event_id if isinstance(event_id, str) and len(event_id) <= MAX_ID_CHARS else None


def _check_shape(data: JsonObject) -> None:
    """Refuse deep nesting, over-long ids, names and strings, and huge lists, iteratively.

    The server copies, stores and echoes items with recursive code (`copy.deepcopy`,
    `json.dumps`); a message nested 600 levels deep once killed its connection with a
    RecursionError. Walking with an explicit stack answers it with an error instead.
    Ids (`id`, `*_id`) and names are echoed in replies and logs, so they are bounded
    tightly; other strings and lists loosely, so that no single field costs the composer
    or the token counter unbounded work.
    """
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidFieldError(
                "invalid_value",
                f"The event is nested more than {MAX_JSON_DEPTH} levels deep.",
                path.lstrip(".")[:200] or None,
            )
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, str) and len(child) > _string_limit(str(key)):
                    param = f"{path}.{key}".lstrip(".")[:200]
                    raise InvalidFieldError(
                        "invalid_value",
                        f"'{param}' is {len(child)} characters; the limit is "
                        f"{_string_limit(str(key))}.",
                        param,
                    )
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1, f"{path}.{key}"))
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise InvalidFieldError(
                    "invalid_value",
                    f"A list has {len(value)} elements; the limit is {MAX_LIST_ITEMS}.",
                    path.lstrip(".")[:200] or None,
                )
            stack.extend(
                (child, depth + 1, f"{path}[{i}]")
                for i, child in enumerate(value)
                if isinstance(child, dict | list)
            )


def _string_limit(key: str) -> int:
    if key == "audio":
        return MAX_MESSAGE_BYTES  # checked precisely when decoded
    if key == "id" or key.endswith("_id"):
        return MAX_ID_CHARS
    if key == "name":
        return MAX_NAME_CHARS
    return MAX_TEXT_CHARS


def _parse_object(data: JsonObject, event_id: str | None) -> ClientEvent:
    if "type" not in data:
        raise InvalidFieldError(
            "missing_required_parameter", "Missing required parameter: 'type'.", "type"
        )
    event_type = str_field(data, "type", "type")
    if event_type == "session.update":
        return SessionUpdate(event_id, validate_session_patch(required_obj(data, "session")))
    if event_type == "input_audio_buffer.append":
        return AudioAppend(event_id, _decode_audio(data))
    if event_type == "input_audio_buffer.commit":
        return AudioCommit(event_id)
    if event_type == "input_audio_buffer.clear":
        return AudioClear(event_id)
    if event_type == "conversation.item.create":
        item = validate_item(required_obj(data, "item"))
        return ItemCreate(event_id, item, opt_str(data, "previous_item_id", "previous_item_id"))
    if event_type == "conversation.item.delete":
        return ItemDelete(event_id, required_str(data, "item_id", "item_id"))
    if event_type == "conversation.item.retrieve":
        return ItemRetrieve(event_id, required_str(data, "item_id", "item_id"))
    if event_type == "response.create":
        response = obj_field(data, "response", "response", required=False) or {}
        return ResponseCreate(event_id, validate_response_overrides(response))
    if event_type == "response.cancel":
        return ResponseCancel(event_id, opt_str(data, "response_id", "response_id"))
    if event_type in _UNSUPPORTED_TYPES:
        raise InvalidFieldError(
            "invalid_value",
            f"The local engine does not support '{event_type}' (it never produces audio).",
            "type",
        )
    raise InvalidFieldError(
        "invalid_value",
        f"Invalid value: '{event_type[:100]}'. Unknown client event type.",
        "type",
    )


def _decode_audio(data: JsonObject) -> bytes:
    audio = required_str(data, "audio", "audio")
    if len(audio) > MAX_AUDIO_BYTES * 4 // 3 + 4:
        raise InvalidFieldError(
            "message_too_large",
            f"The audio is larger than {MAX_AUDIO_BYTES} bytes; append it in smaller chunks.",
            "audio",
        )
    try:
        pcm = base64.b64decode(audio, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidFieldError(
            "invalid_value", "Invalid 'audio': it is not valid base64-encoded audio.", "audio"
        ) from exc
    if len(pcm) > MAX_AUDIO_BYTES:
        raise InvalidFieldError(
            "message_too_large",
            f"The audio is {len(pcm)} bytes; the limit is {MAX_AUDIO_BYTES} bytes per append.",
            "audio",
        )
    return pcm
