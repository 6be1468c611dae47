"""The `session.update` payload Therapy Notes sends (PROTOCOL.md, "How Therapy Notes uses it")."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain import audio_format
from therapy_notes.domain.link import LinkSettings

SAMPLE_RATE_HZ = audio_format.SAMPLE_RATE_HZ


def session_payload(settings: LinkSettings) -> dict[str, Any]:
    """Text-only output, server VAD that never starts or interrupts responses on its own.

    The app decides when to ask for a note update, so `create_response` and
    `interrupt_response` are both off (with only one off, speech still cancels responses).
    """
    return {
        "type": "realtime",
        "model": settings.model,
        "output_modalities": ["text"],
        "instructions": settings.instructions,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ},
                "noise_reduction": {"type": "near_field"},
                "transcription": {
                    "model": settings.transcription_model,
                    "language": settings.language,
                },
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": settings.vad_threshold,
                    "prefix_padding_ms": settings.vad_prefix_padding_ms,
                    "silence_duration_ms": settings.vad_silence_ms,
                    "create_response": False,
                    "interrupt_response": False,
                },
            }
        },
        "tools": [dict(tool) for tool in settings.tools],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "max_output_tokens": settings.max_output_tokens,
        "reasoning": {"effort": settings.reasoning_effort},
    }
