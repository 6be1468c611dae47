"""Token usage in the cloud's shapes, so budget and cost code run unchanged on the local engine.

The local engine has no tokenizer; it estimates the way the cloud bills: user audio is 10
tokens per second (1 per 100 ms), text about one token per four characters.
"""

from __future__ import annotations

import math
from typing import Any

AUDIO_TOKENS_PER_S = 10
TEXT_CHARS_PER_TOKEN = 4


def text_tokens(text: str) -> int:
    """Estimated tokens of a text: one per four characters, rounded up."""
    return math.ceil(len(text) / TEXT_CHARS_PER_TOKEN)


def audio_tokens(seconds: float) -> int:
    """Tokens of user audio: 10 per second, rounded up to whole 100 ms."""
    return math.ceil(round(seconds * AUDIO_TOKENS_PER_S, 6))


def response_usage(
    *, input_text_tokens: int, input_audio_tokens: int, output_text_tokens: int
) -> dict[str, Any]:
    """The `usage` object of `response.done`; nothing is cached locally."""
    input_tokens = input_text_tokens + input_audio_tokens
    return {
        "total_tokens": input_tokens + output_text_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_text_tokens,
        "input_token_details": {
            "text_tokens": input_text_tokens,
            "audio_tokens": input_audio_tokens,
            "image_tokens": 0,
            "cached_tokens": 0,
            "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
        },
        "output_token_details": {"text_tokens": output_text_tokens, "audio_tokens": 0},
    }
