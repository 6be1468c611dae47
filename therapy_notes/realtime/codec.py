"""Wire values -> domain values: usage and tool calls from SDK event models."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.events import ToolCall
from therapy_notes.domain.usage import TokenUsage


def response_usage(usage: Any) -> TokenUsage:
    """`response.done.response.usage` (SDK model or None) -> TokenUsage."""
    if usage is None:
        return TokenUsage()
    inp = getattr(usage, "input_token_details", None)
    out = getattr(usage, "output_token_details", None)
    cached = getattr(inp, "cached_tokens_details", None)
    input_total = _int(getattr(usage, "input_tokens", 0))
    input_audio = _int(getattr(inp, "audio_tokens", 0))
    input_text = _int(getattr(inp, "text_tokens", None), default=input_total - input_audio)
    output_total = _int(getattr(usage, "output_tokens", 0))
    output_audio = _int(getattr(out, "audio_tokens", 0))
    output_text = _int(getattr(out, "text_tokens", None), default=output_total - output_audio)
    cached_total = _int(getattr(inp, "cached_tokens", 0))
    cached_audio = _int(getattr(cached, "audio_tokens", 0))
    cached_text = _int(getattr(cached, "text_tokens", None), default=cached_total - cached_audio)
    return TokenUsage(
        input_text_tokens=input_text,
        input_audio_tokens=input_audio,
        cached_text_tokens=cached_text,
        cached_audio_tokens=cached_audio,
        output_text_tokens=output_text,
        output_audio_tokens=output_audio,
    )


def transcription_usage(usage: Any, audio_seconds: float) -> TokenUsage:
    """Usage of a completed transcription: token-typed, or duration-typed (10 tokens/s)."""
    if usage is None:
        return TokenUsage.from_audio_seconds(audio_seconds)
    if getattr(usage, "type", None) == "duration":
        return TokenUsage.from_audio_seconds(float(getattr(usage, "seconds", 0.0) or 0.0))
    details = getattr(usage, "input_token_details", None)
    input_total = _int(getattr(usage, "input_tokens", 0))
    audio = _int(getattr(details, "audio_tokens", None), default=input_total)
    return TokenUsage(
        input_text_tokens=max(input_total - audio, 0),
        input_audio_tokens=audio,
        output_text_tokens=_int(getattr(usage, "output_tokens", 0)),
    )


def tool_calls(output: Any) -> tuple[ToolCall, ...]:
    """The function calls among a response's output items, in order."""
    calls = []
    for item in output or ():
        if getattr(item, "type", None) == "function_call":
            calls.append(
                ToolCall(
                    call_id=str(getattr(item, "call_id", "") or ""),
                    name=str(getattr(item, "name", "") or ""),
                    arguments=str(getattr(item, "arguments", "") or ""),
                )
            )
    return tuple(calls)


def _int(value: object, *, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return max(default, 0)
    return int(value)
