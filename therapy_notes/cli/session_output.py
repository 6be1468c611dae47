"""What a `transcribe` run prints: for a person (TextOutput) or for programs (JsonLinesOutput).

The session path reports through `RecordingEvent`s; this module turns them into lines, so
the wording and the JSON schema (see the README) change here and nowhere else.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from therapy_notes.domain.session import RecordingState
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.services.recording_events import (
    Draining,
    MeasurementRecorded,
    NoteEntryAdded,
    NoteRewritten,
    Notice,
    RecordingEvent,
    RiskFlagged,
    SegmentSaved,
    SessionOpened,
    SpeakersRelabelled,
    StateChanged,
)
from therapy_notes.services.templates import load_template


class SessionOutput:
    """Where a transcribe run reports: events as they happen, then a summary."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def on_event(self, event: RecordingEvent) -> None:
        raise NotImplementedError

    def warning(self, message: str) -> None:
        """Something the user should check, e.g. a recording whose header was not trusted.

        It goes to stderr, so a script that reads stdout still sees it in its log.
        """
        sys.stderr.write(f"therapy-notes: warning: {message}\n")
        sys.stderr.flush()

    def progress(self, turns_left: int) -> None:
        """On stderr: the end of the file is still being transcribed (a busy machine)."""
        sys.stderr.write(
            f"therapy-notes: transcribing the end of the file, {turns_left} turn(s) left...\n"
        )
        sys.stderr.flush()

    def summary(self, note: Any, usage: TokenUsage, cost_usd: float) -> None:
        raise NotImplementedError


def _clock(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms % 60000 / 1000:04.1f}"


class TextOutput(SessionOutput):
    """For a person: segments as they finalise, then the note and the cost."""

    def on_event(self, event: RecordingEvent) -> None:
        if isinstance(event, Draining):
            self.progress(event.turns_left)
        elif isinstance(event, SegmentSaved):
            s = event.segment
            self.write(f"[{_clock(s.start_ms)}-{_clock(s.end_ms)}] {s.speaker.label}: {s.text}")
        elif isinstance(event, SessionOpened):
            self.write(f"Session {event.session_id}")
        elif isinstance(event, RiskFlagged):
            self.write(f"!! Risk flagged: {event.risk.kind.value}: {event.risk.evidence}")
        elif isinstance(event, NoteRewritten):
            self.write(
                "(Who said what changed: the note is being written again from the new roles)"
            )
        elif isinstance(event, Notice):
            self.write(("Error: " if event.is_error else "Note: ") + event.message)
        elif (
            isinstance(event, StateChanged)
            and event.message
            and event.state in (RecordingState.RECONNECTING, RecordingState.FAILED)
        ):
            self.write(f"({event.state.value}) {event.message}")

    def summary(self, note: Any, usage: TokenUsage, cost_usd: float) -> None:
        template = load_template(note.template)
        self.write("")
        self.write(f"{template.title} note")
        for section in template.sections:
            entries = note.entries_in(section.key)
            self.write(f"  {section.title}:")
            for entry in entries:
                self.write(f"    - {entry.text}")
            if not entries:
                self.write("    (nothing yet)")
        for m in note.measurements:
            where = m.location
            self.write(f"  Measurement: {m.kind} {m.value:g} {m.unit} {where}".rstrip())
        self.write(
            f"Usage: {usage.input_tokens} input + {usage.output_tokens} output tokens, "
            f"${cost_usd:.4f} at cloud prices"
        )


class JsonLinesOutput(SessionOutput):
    """For programs: one JSON object per line, each with a `type` (see the README)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending_warnings: list[str] = []

    def emit(self, obj: dict[str, Any]) -> None:
        self.write(json.dumps(obj, ensure_ascii=False))

    def warning(self, message: str) -> None:
        """On stderr now, and as a `warning` line right after `session` (which stays first)."""
        super().warning(message)
        self._pending_warnings.append(message)

    def on_event(self, event: RecordingEvent) -> None:
        if isinstance(event, Draining):
            self.progress(event.turns_left)
        elif isinstance(event, SessionOpened):
            self.emit({"type": "session", "id": event.session_id})
            for message in self._pending_warnings:
                self.emit({"type": "warning", "message": message})
            self._pending_warnings.clear()
        elif isinstance(event, SegmentSaved):
            s = event.segment
            self.emit(
                {
                    "type": "segment",
                    "id": s.id,
                    "item_id": s.item_id,
                    "start": s.start_ms / 1000,
                    "end": s.end_ms / 1000,
                    "speaker": s.speaker.value,
                    "text": s.text,
                }
            )
        elif isinstance(event, SpeakersRelabelled):
            for s in event.segments:
                self.emit({"type": "segment_speaker", "id": s.id, "speaker": s.speaker.value})
        elif isinstance(event, NoteEntryAdded):
            e = event.entry
            self.emit(
                {
                    "type": "note_entry",
                    "id": e.id,
                    "section": e.section,
                    "text": e.text,
                    "source": e.source.value,
                    "segment_ids": list(e.segment_ids),
                }
            )
        elif isinstance(event, NoteRewritten):
            kept = [e.id for e in event.note.entries if e.id is not None]
            self.emit({"type": "note_rewritten", "kept_entry_ids": kept})
        elif isinstance(event, MeasurementRecorded):
            m = event.measurement
            self.emit(
                {
                    "type": "measurement",
                    "id": m.id,
                    "kind": m.kind,
                    "value": m.value,
                    "unit": m.unit,
                    "body_part": m.body_part,
                    "side": m.side,
                    "segment_ids": list(m.segment_ids),
                }
            )
        elif isinstance(event, RiskFlagged):
            r = event.risk
            self.emit(
                {
                    "type": "risk",
                    "id": r.id,
                    "kind": r.kind.value,
                    "evidence": r.evidence,
                    "segment_ids": list(r.segment_ids),
                }
            )
        elif (isinstance(event, Notice) and event.is_error) or (
            isinstance(event, StateChanged) and event.state is RecordingState.FAILED
        ):
            self.emit({"type": "error", "message": event.message})

    def summary(self, note: Any, usage: TokenUsage, cost_usd: float) -> None:
        self.emit(
            {
                "type": "usage",
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "total_tokens": usage.total_tokens,
                "input_audio_tokens": usage.input_audio_tokens,
                "input_text_tokens": usage.input_text_tokens,
                "cached_tokens": usage.cached_text_tokens + usage.cached_audio_tokens,
                "cost_usd": round(cost_usd, 6),
            }
        )
