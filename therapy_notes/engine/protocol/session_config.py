"""A session's configuration: what `session.update` may say, the defaults, and the merge.

Kept apart from event parsing because this is the one place that knows the cloud's
session schema (PROTOCOL.md section 2): which keys each session type has, which values
the local engine can honour (PCM16 at 24 kHz only), and that an update changes only the
fields it sends. `response.create` overrides share the tool, tool-choice and token checks,
so they are validated here too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from therapy_notes.domain import audio_format
from therapy_notes.engine.protocol.fields import (
    InvalidFieldError,
    JsonObject,
    check_enum,
    check_fields,
    check_type,
    obj_field,
)

SAMPLE_RATE_HZ: Final = audio_format.SAMPLE_RATE_HZ


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
        InvalidFieldError: a required field is missing or a field has the wrong type or value.
    """
    if "type" not in session or session["type"] is None:
        raise InvalidFieldError(
            "missing_required_parameter",
            "Missing required parameter: 'session.type'. Send 'realtime' or 'transcription'.",
            "session.type",
        )
    check_enum(session["type"], SESSION_TYPES, "session.type")
    for key in session:
        if key not in _SESSION_KEYS[session["type"]]:
            raise InvalidFieldError(
                "unknown_parameter",
                f"Unknown parameter: 'session.{key[:100]}'.",
                f"session.{key[:100]}",
            )
    check_fields(
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
        check_enum(modality, ("text", "audio"), f"session.output_modalities[{i}]")
    _validate_tools(session.get("tools"), "session.tools")
    _validate_tool_choice(session.get("tool_choice"), "session.tool_choice")
    _validate_max_tokens(session.get("max_output_tokens"), "session.max_output_tokens")
    reasoning = session.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
        check_enum(
            reasoning["effort"],
            ("minimal", "low", "medium", "high", "xhigh"),
            "session.reasoning.effort",
        )
    audio = obj_field(session, "audio", "session.audio", required=False)
    if audio is not None:
        _validate_audio(audio)
    return session


def _validate_tools(tools: object, param: str) -> None:
    if tools is None:
        return
    check_type(tools, "an array", param)
    assert isinstance(tools, list)
    for i, tool in enumerate(tools):
        check_type(tool, "an object", f"{param}[{i}]")
        check_fields(
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
            raise InvalidFieldError(
                "missing_required_parameter",
                f"Missing required parameter: '{param}[{i}].name'.",
                f"{param}[{i}].name",
            )


def _validate_tool_choice(choice: object, param: str) -> None:
    if choice is None:
        return
    if isinstance(choice, str):
        check_enum(choice, ("none", "auto", "required"), param)
        return
    check_type(choice, "an object", param)
    assert isinstance(choice, dict)
    check_fields(choice, {"type": "a string", "name": "a string"}, param)


def _validate_max_tokens(value: object, param: str) -> None:
    if value is None or value == "inf":
        return
    check_type(value, "an integer", param)
    assert isinstance(value, int)
    if value < 1:
        raise InvalidFieldError("invalid_value", f"'{param}' must be at least 1 or 'inf'.", param)


def _validate_audio(audio: JsonObject) -> None:
    audio_in = obj_field(audio, "input", "session.audio.input", required=False)
    obj_field(audio, "output", "session.audio.output", required=False)
    if audio_in is None:
        return
    fmt = obj_field(audio_in, "format", "session.audio.input.format", required=False)
    if fmt is not None:
        check_fields(fmt, {"type": "a string", "rate": "an integer"}, "session.audio.input.format")
        if fmt.get("type") is not None:
            check_enum(
                fmt["type"],
                ("audio/pcm", "audio/pcmu", "audio/pcma"),
                "session.audio.input.format.type",
            )
        if fmt.get("type", "audio/pcm") == "audio/pcm" and fmt.get("rate", SAMPLE_RATE_HZ) != (
            SAMPLE_RATE_HZ
        ):
            raise InvalidFieldError(
                "invalid_value",
                "Invalid value for 'session.audio.input.format.rate': only 24000 is supported.",
                "session.audio.input.format.rate",
            )
        if fmt.get("type") in ("audio/pcmu", "audio/pcma"):
            raise InvalidFieldError(
                "invalid_value",
                "The local engine accepts only 'audio/pcm' (PCM16 mono at 24 kHz).",
                "session.audio.input.format.type",
            )
    obj_field(audio_in, "noise_reduction", "session.audio.input.noise_reduction", required=False)
    transcription = obj_field(
        audio_in, "transcription", "session.audio.input.transcription", required=False
    )
    if transcription is not None:
        check_fields(
            transcription,
            {"model": "a string", "language": "a string", "prompt": "a string"},
            "session.audio.input.transcription",
        )
    td = obj_field(audio_in, "turn_detection", "session.audio.input.turn_detection", required=False)
    if td is not None:
        prefix = "session.audio.input.turn_detection"
        if "type" not in td:
            raise InvalidFieldError(
                "missing_required_parameter",
                f"Missing required parameter: '{prefix}.type'.",
                f"{prefix}.type",
            )
        check_enum(td["type"], ("server_vad", "semantic_vad"), f"{prefix}.type")
        check_fields(
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
            raise InvalidFieldError(
                "invalid_value",
                f"'{prefix}.threshold' must be between 0 and 1.",
                f"{prefix}.threshold",
            )
        for key in ("prefix_padding_ms", "silence_duration_ms"):
            value = td.get(key)
            if isinstance(value, int) and value < 0:
                raise InvalidFieldError(
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


def validate_response_overrides(response: JsonObject) -> JsonObject:
    """Check the `response` of a `response.create`; return it unchanged if valid.

    Raises:
        InvalidFieldError: a field has the wrong type or value.
    """
    check_fields(
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
        check_enum(response["conversation"], ("auto", "none"), "response.conversation")
    metadata = response.get("metadata") or {}
    if len(metadata) > 16:
        raise InvalidFieldError(
            "invalid_value", "'response.metadata' allows at most 16 pairs.", "response.metadata"
        )
    return response
