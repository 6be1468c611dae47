"""The session.update payload matches PROTOCOL.md, "How Therapy Notes uses it"."""

from __future__ import annotations

from therapy_notes.domain.link import LinkSettings
from therapy_notes.realtime.session_config import session_payload

TOOL = {"type": "function", "name": "add_note_entries", "parameters": {"type": "object"}}


def test_payload_is_text_only_pcm24k_with_client_driven_turns() -> None:
    settings = LinkSettings(
        "gpt-realtime-2",
        "Write the note.",
        (TOOL,),
        reasoning_effort="low",
        max_output_tokens=321,
        vad_silence_ms=650,
        transcription_model="gpt-4o-mini-transcribe",
        language="de",
    )
    payload = session_payload(settings)

    assert payload["type"] == "realtime"
    assert payload["model"] == "gpt-realtime-2"
    assert payload["output_modalities"] == ["text"]
    assert payload["instructions"] == "Write the note."
    audio_in = payload["audio"]["input"]
    assert audio_in["format"] == {"type": "audio/pcm", "rate": 24_000}
    assert audio_in["transcription"] == {"model": "gpt-4o-mini-transcribe", "language": "de"}
    vad = audio_in["turn_detection"]
    assert vad["type"] == "server_vad"
    assert vad["create_response"] is False
    assert vad["interrupt_response"] is False
    assert vad["silence_duration_ms"] == 650
    assert payload["parallel_tool_calls"] is True
    assert payload["reasoning"] == {"effort": "low"}
    assert payload["max_output_tokens"] == 321
    assert payload["tools"] == [TOOL]
    assert "output" not in payload["audio"], "no synthesized speech"


def test_tools_are_copied_not_shared() -> None:
    settings = LinkSettings("m", "i", (TOOL,))
    session_payload(settings)["tools"][0]["name"] = "changed"
    assert TOOL["name"] == "add_note_entries"
