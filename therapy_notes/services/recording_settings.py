"""How a live session is run, from the app's settings.

The composition roots build these from `AppConfig` and the selftest and tests from
defaults; the recording service and its collaborators only read them. Imported from
`therapy_notes.services.recording` as well, where callers have always found it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from therapy_notes.domain import defaults
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.usage import Prices
from therapy_notes.services.note_updates import (
    FIRST_NOTE_UPDATE_TURNS,
    NOTE_UPDATE_INTERVAL_MS,
    NOTE_UPDATE_TURNS,
)


@dataclass(frozen=True, slots=True)
class RecordingSettings:
    """How a session is run: model and budget, from the app's settings."""

    model: str = defaults.CLOUD_MODEL
    engine_name: str = "local"
    reasoning_effort: str = defaults.REASONING_EFFORT
    max_output_tokens: int = defaults.MAX_OUTPUT_TOKENS
    token_cap: int = defaults.TOKEN_CAP
    prices: Prices = field(default_factory=Prices)
    vad_silence_ms: int = defaults.VAD_SILENCE_MS
    actor: str = "clinician"
    entry_source: EntrySource = EntrySource.MODEL
    keep_audio: bool = False
    """Keep the session's audio (in the encrypted database, committed about every second)."""
    pace_to_engine: bool = False
    """A file streamed as fast as possible: send no faster than the engine transcribes."""
    tool_timeout_s: float = 10.0
    """How long one tool call may take before the model is told it timed out."""
    note_update_turns: int = NOTE_UPDATE_TURNS
    note_update_interval_ms: int = NOTE_UPDATE_INTERVAL_MS
    first_note_update_turns: int = FIRST_NOTE_UPDATE_TURNS
