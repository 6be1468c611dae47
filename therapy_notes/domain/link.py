"""What a realtime link is configured with; shared by services and the realtime adapter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

ToolHandler = Callable[[Mapping[str, Any]], Awaitable[str]]
"""Runs one tool call from its parsed arguments; returns the output string for the model."""


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """What the link sends in `session.update`: built by services from template and config."""

    model: str
    instructions: str
    tools: tuple[Mapping[str, Any], ...]
    reasoning_effort: str = "medium"
    max_output_tokens: int = 250
    vad_threshold: float = 0.5
    vad_silence_ms: int = 500
    vad_prefix_padding_ms: int = 300
    pace_to_engine: bool = False
    """Stream no faster than the engine transcribes (a file sent as fast as possible)."""
    transcription_model: str = "gpt-4o-transcribe"
    language: str = "en"
