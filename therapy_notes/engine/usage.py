"""Token usage in the cloud's shapes, so budget and cost code run unchanged on the local engine.

The local engine has no tokenizer; it estimates the way the cloud bills: user audio is 10
tokens per second (1 per 100 ms), text about one token per four characters. What a response
reads is a list of blocks (instructions, tools, then each conversation item in order); the
part of that list that repeats the start of an earlier response's is billed as cached, by
the cloud's rule (at least 1,024 tokens, in 128-token steps), so the client's choice of a
stable prefix shows in the price on either engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from therapy_notes.domain.usage import cached_prefix_tokens


@dataclass(frozen=True, slots=True)
class ContextBlock:
    """One piece of what a response reads: its identity, size and kind."""

    key: str
    """Equal keys mean equal content (the instructions' text, a conversation item's id)."""
    tokens: int
    is_audio: bool = False


def repeated_prefix_tokens(
    context: Sequence[ContextBlock], earlier: Sequence[Sequence[ContextBlock]]
) -> int:
    """The longest run of whole blocks at the start of `context` that an earlier one shared."""
    best = 0
    for previous in earlier:
        shared = 0
        for mine, theirs in zip(context, previous, strict=False):
            if mine != theirs:
                break
            shared += mine.tokens
        best = max(best, shared)
    return best


def cached_split(
    context: Sequence[ContextBlock], earlier: Sequence[Sequence[ContextBlock]]
) -> tuple[int, int]:
    """(cached text tokens, cached audio tokens) of a response reading `context`."""
    left = cached_prefix_tokens(repeated_prefix_tokens(context, earlier))
    text = audio = 0
    for block in context:
        if left <= 0:
            break
        part = min(block.tokens, left)
        left -= part
        if block.is_audio:
            audio += part
        else:
            text += part
    return text, audio


def response_usage(
    *,
    input_text_tokens: int,
    input_audio_tokens: int,
    output_text_tokens: int,
    cached_text_tokens: int = 0,
    cached_audio_tokens: int = 0,
) -> dict[str, Any]:
    """The `usage` object of `response.done`; cached tokens are a part of the input."""
    input_tokens = input_text_tokens + input_audio_tokens
    return {
        "total_tokens": input_tokens + output_text_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_text_tokens,
        "input_token_details": {
            "text_tokens": input_text_tokens,
            "audio_tokens": input_audio_tokens,
            "image_tokens": 0,
            "cached_tokens": cached_text_tokens + cached_audio_tokens,
            "cached_tokens_details": {
                "text_tokens": cached_text_tokens,
                "audio_tokens": cached_audio_tokens,
                "image_tokens": 0,
            },
        },
        "output_token_details": {"text_tokens": output_text_tokens, "audio_tokens": 0},
    }
