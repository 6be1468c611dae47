"""The Realtime wire format for the local engine: parse client events, build server events.

Pure functions, no I/O. Any bytes a client sends become either a typed client event or a
`ProtocolViolation` that the server answers with an `error` event, so a bad message never
takes down a connection. Server events are built here, in one place, in the exact shapes
the official SDK parses (PROTOCOL.md sections 3, 4 and 10).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from therapy_notes.domain import audio_format

JsonObject = dict[str, Any]

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
SAMPLE_RATE_HZ: Final = audio_format.SAMPLE_RATE_HZ
SESSION_LIFETIME_S: Final = 60 * 60

INVALID_REQUEST = "invalid_request_error"


def new_id(prefix: str) -> str:
    """A fresh id in the cloud's style (`event_…`, `item_…`, `resp_…`, `call_…`)."""
    return f"{prefix}_{secrets.token_hex(10)}"


# --------------------------------------------------------------------------- violations


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """Why a client message was refused; becomes one `error` event."""

    code: str
    message: str
    param: str | None = None
    event_id: str | None = None
    type: str = INVALID_REQUEST


class _InvalidError(Exception):
    """Internal: carries a violation out of nested validation."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


# --------------------------------------------------------------------------- client events


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
            raise _InvalidError(
                "invalid_value",
                f"'event_id' is {len(raw_event_id)} characters; the limit is {MAX_ID_CHARS}.",
                "event_id",
            )
        elif raw_event_id is not None:
            raise _InvalidError("invalid_type", "'event_id' must be a string.", "event_id")
        _check_shape(data)
        return _parse_object(data, event_id)
    except _InvalidError as exc:
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
            raise _InvalidError(
                "invalid_value",
                f"The event is nested more than {MAX_JSON_DEPTH} levels deep.",
                path.lstrip(".")[:200] or None,
            )
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, str) and len(child) > _string_limit(str(key)):
                    param = f"{path}.{key}".lstrip(".")[:200]
                    raise _InvalidError(
                        "invalid_value",
                        f"'{param}' is {len(child)} characters; the limit is "
                        f"{_string_limit(str(key))}.",
                        param,
                    )
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1, f"{path}.{key}"))
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise _InvalidError(
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
        raise _InvalidError(
            "missing_required_parameter", "Missing required parameter: 'type'.", "type"
        )
    event_type = _str(data, "type", "type")
    if event_type == "session.update":
        return SessionUpdate(event_id, validate_session_patch(_required_obj(data, "session")))
    if event_type == "input_audio_buffer.append":
        return AudioAppend(event_id, _decode_audio(data))
    if event_type == "input_audio_buffer.commit":
        return AudioCommit(event_id)
    if event_type == "input_audio_buffer.clear":
        return AudioClear(event_id)
    if event_type == "conversation.item.create":
        item = _validate_item(_required_obj(data, "item"))
        return ItemCreate(event_id, item, _opt_str(data, "previous_item_id", "previous_item_id"))
    if event_type == "conversation.item.delete":
        return ItemDelete(event_id, _required_str(data, "item_id", "item_id"))
    if event_type == "conversation.item.retrieve":
        return ItemRetrieve(event_id, _required_str(data, "item_id", "item_id"))
    if event_type == "response.create":
        response = _obj(data, "response", "response", required=False) or {}
        return ResponseCreate(event_id, _validate_response_overrides(response))
    if event_type == "response.cancel":
        return ResponseCancel(event_id, _opt_str(data, "response_id", "response_id"))
    if event_type in _UNSUPPORTED_TYPES:
        raise _InvalidError(
            "invalid_value",
            f"The local engine does not support '{event_type}' (it never produces audio).",
            "type",
        )
    raise _InvalidError(
        "invalid_value",
        f"Invalid value: '{event_type[:100]}'. Unknown client event type.",
        "type",
    )


def _decode_audio(data: JsonObject) -> bytes:
    audio = _required_str(data, "audio", "audio")
    if len(audio) > MAX_AUDIO_BYTES * 4 // 3 + 4:
        raise _InvalidError(
            "message_too_large",
            f"The audio is larger than {MAX_AUDIO_BYTES} bytes; append it in smaller chunks.",
            "audio",
        )
    try:
        pcm = base64.b64decode(audio, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _InvalidError(
            "invalid_value", "Invalid 'audio': it is not valid base64-encoded audio.", "audio"
        ) from exc
    if len(pcm) > MAX_AUDIO_BYTES:
        raise _InvalidError(
            "message_too_large",
            f"The audio is {len(pcm)} bytes; the limit is {MAX_AUDIO_BYTES} bytes per append.",
            "audio",
        )
    return pcm


# --------------------------------------------------------------------------- field helpers


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _wrong_type(param: str, expected: str, value: object) -> _InvalidError:
    return _InvalidError(
        "invalid_type",
        f"Invalid type for '{param}': expected {expected}, but got {_type_name(value)}.",
        param,
    )


def _str(data: Mapping[str, Any], key: str, param: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise _wrong_type(param, "a string", value)
    return value


def _required_str(data: Mapping[str, Any], key: str, param: str) -> str:
    if key not in data:
        raise _InvalidError(
            "missing_required_parameter", f"Missing required parameter: '{param}'.", param
        )
    return _str(data, key, param)


def _opt_str(data: Mapping[str, Any], key: str, param: str) -> str | None:
    if data.get(key) is None:
        return None
    return _str(data, key, param)


def _obj(data: Mapping[str, Any], key: str, param: str, *, required: bool) -> JsonObject | None:
    if key not in data or data[key] is None:
        if required:
            raise _InvalidError(
                "missing_required_parameter", f"Missing required parameter: '{param}'.", param
            )
        return None
    value = data[key]
    if not isinstance(value, dict):
        raise _wrong_type(param, "an object", value)
    return value


def _required_obj(data: Mapping[str, Any], key: str) -> JsonObject:
    value = _obj(data, key, key, required=True)
    assert value is not None
    return value


def _check(value: object, expected: str, param: str) -> None:
    """Check a JSON value against a tiny type language: string, boolean, integer, number..."""
    ok = {
        "a string": isinstance(value, str),
        "a boolean": isinstance(value, bool),
        "an integer": isinstance(value, int) and not isinstance(value, bool),
        "a number": isinstance(value, int | float) and not isinstance(value, bool),
        "an array": isinstance(value, list),
        "an object": isinstance(value, dict),
    }[expected]
    if not ok:
        raise _wrong_type(param, expected, value)


def _check_enum(value: object, allowed: tuple[str, ...], param: str) -> None:
    _check(value, "a string", param)
    if value not in allowed:
        raise _InvalidError(
            "invalid_value",
            f"Invalid value for '{param}': {str(value)[:100]!r}. "
            f"Supported values are: {', '.join(repr(a) for a in allowed)}.",
            param,
        )


def _check_fields(data: JsonObject, spec: Mapping[str, str], prefix: str) -> None:
    for key, expected in spec.items():
        if key in data and data[key] is not None:
            _check(data[key], expected, f"{prefix}.{key}")


# --------------------------------------------------------------------------- session


SESSION_TYPES = ("realtime", "transcription")
_SESSION_KEYS = {
    "realtime": frozenset(
        {
            "type",
            "model",
            "instructions",
            "output_modalities",
            "audio",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "max_output_tokens",
            "reasoning",
            "truncation",
            "tracing",
            "include",
            "prompt",
        }
    ),
    "transcription": frozenset({"type", "audio", "include"}),
}


def validate_session_patch(session: JsonObject) -> JsonObject:
    """Check the shape of a `session.update` body; return it unchanged if valid.

    Raises:
        _InvalidError: a required field is missing or a field has the wrong type or value.
    """
    if "type" not in session or session["type"] is None:
        raise _InvalidError(
            "missing_required_parameter",
            "Missing required parameter: 'session.type'. Send 'realtime' or 'transcription'.",
            "session.type",
        )
    _check_enum(session["type"], SESSION_TYPES, "session.type")
    for key in session:
        if key not in _SESSION_KEYS[session["type"]]:
            raise _InvalidError(
                "unknown_parameter",
                f"Unknown parameter: 'session.{key[:100]}'.",
                f"session.{key[:100]}",
            )
    _check_fields(
        session,
        {
            "model": "a string",
            "instructions": "a string",
            "output_modalities": "an array",
            "tools": "an array",
            "parallel_tool_calls": "a boolean",
            "reasoning": "an object",
            "include": "an array",
        },
        "session",
    )
    for i, modality in enumerate(session.get("output_modalities") or []):
        _check_enum(modality, ("text", "audio"), f"session.output_modalities[{i}]")
    _validate_tools(session.get("tools"), "session.tools")
    _validate_tool_choice(session.get("tool_choice"), "session.tool_choice")
    _validate_max_tokens(session.get("max_output_tokens"), "session.max_output_tokens")
    reasoning = session.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
        _check_enum(
            reasoning["effort"],
            ("minimal", "low", "medium", "high", "xhigh"),
            "session.reasoning.effort",
        )
    audio = _obj(session, "audio", "session.audio", required=False)
    if audio is not None:
        _validate_audio(audio)
    return session


def _validate_tools(tools: object, param: str) -> None:
    if tools is None:
        return
    _check(tools, "an array", param)
    assert isinstance(tools, list)
    for i, tool in enumerate(tools):
        _check(tool, "an object", f"{param}[{i}]")
        _check_fields(
            tool,
            {
                "type": "a string",
                "name": "a string",
                "description": "a string",
                "parameters": "an object",
            },
            f"{param}[{i}]",
        )
        if tool.get("type", "function") == "function" and not isinstance(tool.get("name"), str):
            raise _InvalidError(
                "missing_required_parameter",
                f"Missing required parameter: '{param}[{i}].name'.",
                f"{param}[{i}].name",
            )


def _validate_tool_choice(choice: object, param: str) -> None:
    if choice is None:
        return
    if isinstance(choice, str):
        _check_enum(choice, ("none", "auto", "required"), param)
        return
    _check(choice, "an object", param)
    assert isinstance(choice, dict)
    _check_fields(choice, {"type": "a string", "name": "a string"}, param)


def _validate_max_tokens(value: object, param: str) -> None:
    if value is None or value == "inf":
        return
    _check(value, "an integer", param)
    assert isinstance(value, int)
    if value < 1:
        raise _InvalidError("invalid_value", f"'{param}' must be at least 1 or 'inf'.", param)


def _validate_audio(audio: JsonObject) -> None:
    audio_in = _obj(audio, "input", "session.audio.input", required=False)
    _obj(audio, "output", "session.audio.output", required=False)
    if audio_in is None:
        return
    fmt = _obj(audio_in, "format", "session.audio.input.format", required=False)
    if fmt is not None:
        _check_fields(fmt, {"type": "a string", "rate": "an integer"}, "session.audio.input.format")
        if fmt.get("type") is not None:
            _check_enum(
                fmt["type"],
                ("audio/pcm", "audio/pcmu", "audio/pcma"),
                "session.audio.input.format.type",
            )
        if fmt.get("type", "audio/pcm") == "audio/pcm" and fmt.get("rate", SAMPLE_RATE_HZ) != (
            SAMPLE_RATE_HZ
        ):
            raise _InvalidError(
                "invalid_value",
                "Invalid value for 'session.audio.input.format.rate': only 24000 is supported.",
                "session.audio.input.format.rate",
            )
        if fmt.get("type") in ("audio/pcmu", "audio/pcma"):
            raise _InvalidError(
                "invalid_value",
                "The local engine accepts only 'audio/pcm' (PCM16 mono at 24 kHz).",
                "session.audio.input.format.type",
            )
    _obj(audio_in, "noise_reduction", "session.audio.input.noise_reduction", required=False)
    transcription = _obj(
        audio_in, "transcription", "session.audio.input.transcription", required=False
    )
    if transcription is not None:
        _check_fields(
            transcription,
            {"model": "a string", "language": "a string", "prompt": "a string"},
            "session.audio.input.transcription",
        )
    td = _obj(audio_in, "turn_detection", "session.audio.input.turn_detection", required=False)
    if td is not None:
        prefix = "session.audio.input.turn_detection"
        if "type" not in td:
            raise _InvalidError(
                "missing_required_parameter",
                f"Missing required parameter: '{prefix}.type'.",
                f"{prefix}.type",
            )
        _check_enum(td["type"], ("server_vad", "semantic_vad"), f"{prefix}.type")
        _check_fields(
            td,
            {
                "threshold": "a number",
                "prefix_padding_ms": "an integer",
                "silence_duration_ms": "an integer",
                "idle_timeout_ms": "an integer",
                "create_response": "a boolean",
                "interrupt_response": "a boolean",
                "eagerness": "a string",
            },
            prefix,
        )
        threshold = td.get("threshold")
        if isinstance(threshold, int | float) and not 0.0 <= threshold <= 1.0:
            raise _InvalidError(
                "invalid_value",
                f"'{prefix}.threshold' must be between 0 and 1.",
                f"{prefix}.threshold",
            )
        for key in ("prefix_padding_ms", "silence_duration_ms"):
            value = td.get(key)
            if isinstance(value, int) and value < 0:
                raise _InvalidError(
                    "invalid_value", f"'{prefix}.{key}' must not be negative.", f"{prefix}.{key}"
                )


def default_session(session_type: str, model: str | None) -> JsonObject:
    """The configuration a new connection starts with, like the cloud's defaults."""
    audio_input: JsonObject = {
        "format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ},
        "noise_reduction": None,
        "transcription": {"model": "whisper-1", "language": "en"},
        "turn_detection": {
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": 500,
            "idle_timeout_ms": None,
            "create_response": True,
            "interrupt_response": True,
        },
    }
    if session_type == "transcription":
        return {"type": "transcription", "audio": {"input": audio_input}, "include": None}
    return {
        "type": "realtime",
        "model": model or "gpt-realtime-2",
        "output_modalities": ["audio"],
        "instructions": "",
        "audio": {
            "input": audio_input,
            "output": {
                "format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ},
                "voice": "marin",
                "speed": 1.0,
            },
        },
        "tools": [],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "max_output_tokens": "inf",
        "reasoning": {"effort": "low"},
        "truncation": "auto",
        "tracing": None,
        "include": None,
        "prompt": None,
    }


def merge_session(current: JsonObject, patch: JsonObject) -> JsonObject:
    """Apply a validated `session.update` body: only the fields sent change.

    Objects merge key by key; `null` clears a field (e.g. `turn_detection`), arrays and
    scalars replace (so `[]` clears tools and `""` clears instructions). A `turn_detection`
    of a different `type` replaces the old one instead of mixing their parameters.
    """
    merged = copy.deepcopy(current)
    _merge_into(merged, patch)
    return merged


def _merge_into(target: JsonObject, patch: Mapping[str, Any]) -> None:
    for key, value in patch.items():
        old = target.get(key)
        replaces = (
            key == "turn_detection"
            and isinstance(old, dict)
            and isinstance(value, dict)
            and old.get("type") != value.get("type")
        )
        if isinstance(value, dict) and isinstance(old, dict) and not replaces:
            _merge_into(old, value)
        else:
            target[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------- items


_MESSAGE_ROLES = ("user", "system", "assistant")
_CONTENT_TYPES = {
    "user": ("input_text", "input_audio"),
    "system": ("input_text",),
    "assistant": ("output_text", "text"),
}


def _validate_item(item: JsonObject) -> JsonObject:
    if "type" not in item:
        raise _InvalidError(
            "missing_required_parameter", "Missing required parameter: 'item.type'.", "item.type"
        )
    _check_enum(item["type"], ("message", "function_call_output", "function_call"), "item.type")
    _check_fields(item, {"id": "a string", "status": "a string"}, "item")
    if item["type"] == "function_call_output":
        _required_str(item, "call_id", "item.call_id")
        _required_str(item, "output", "item.output")
        return item
    if item["type"] == "function_call":
        _required_str(item, "name", "item.name")
        _required_str(item, "arguments", "item.arguments")
        _check_fields(item, {"call_id": "a string"}, "item")
        return item
    if "role" not in item:
        raise _InvalidError(
            "missing_required_parameter", "Missing required parameter: 'item.role'.", "item.role"
        )
    _check_enum(item["role"], _MESSAGE_ROLES, "item.role")
    if "content" not in item:
        raise _InvalidError(
            "missing_required_parameter",
            "Missing required parameter: 'item.content'.",
            "item.content",
        )
    _check(item["content"], "an array", "item.content")
    for i, part in enumerate(item["content"]):
        param = f"item.content[{i}]"
        _check(part, "an object", param)
        if "type" not in part:
            raise _InvalidError(
                "missing_required_parameter",
                f"Missing required parameter: '{param}.type'.",
                f"{param}.type",
            )
        _check_enum(part["type"], _CONTENT_TYPES[item["role"]], f"{param}.type")
        _check_fields(part, {"text": "a string", "transcript": "a string"}, param)
        if part["type"] in ("input_text", "output_text", "text"):
            _required_str(part, "text", f"{param}.text")
        if part["type"] == "input_audio" and part.get("audio") is not None:
            _check(part["audio"], "a string", f"{param}.audio")
    return item


def _validate_response_overrides(response: JsonObject) -> JsonObject:
    _check_fields(
        response,
        {
            "instructions": "a string",
            "tools": "an array",
            "metadata": "an object",
            "output_modalities": "an array",
            "input": "an array",
            "parallel_tool_calls": "a boolean",
        },
        "response",
    )
    _validate_tools(response.get("tools"), "response.tools")
    _validate_tool_choice(response.get("tool_choice"), "response.tool_choice")
    _validate_max_tokens(response.get("max_output_tokens"), "response.max_output_tokens")
    if response.get("conversation") is not None:
        _check_enum(response["conversation"], ("auto", "none"), "response.conversation")
    metadata = response.get("metadata") or {}
    if len(metadata) > 16:
        raise _InvalidError(
            "invalid_value", "'response.metadata' allows at most 16 pairs.", "response.metadata"
        )
    return response


# --------------------------------------------------------------------------- server events


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
