"""One two-person recording through the whole offline path, and what it stored.

WAV -> realtime link (openai SDK) -> local engine (VAD, ASR, composer) -> recording service
(speaker labels from the real encoder) -> SQLite, read back. Used by the conversation tests
and the note-quality benchmark, so both measure exactly what a user gets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from therapy_notes.audio.wav_source import WavSource
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.session import Segment
from therapy_notes.engine.server import LocalEngine
from therapy_notes.realtime.links import link_factory
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.services.recording_events import NoteEntryAdded, RecordingEvent
from therapy_notes.speakers.diarizer import OnlineDiarizer
from therapy_notes.speakers.encoder import SpeakerEncoder
from therapy_notes.storage.database import open_database


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one session stored."""

    segments: list[Segment]
    entries: list[tuple[str, str]]
    """(section, text) of every note entry."""
    measurements: list[dict[str, Any]]
    risks: list[str]
    risk_evidence: list[str]


async def run_conversation(
    engine: LocalEngine,
    encoder: SpeakerEncoder,
    wav: Path,
    data_dir: Path,
    *,
    template: str,
    max_output_tokens: int = 250,
    swap_after_entries: Sequence[int] = (),
) -> Outcome:
    """Stream `wav` as fast as possible through a session and read back what was stored.

    With `swap_after_entries`, the clinician and client roles are swapped (as the window's
    one click does) right after each of those numbers of note entries has been saved.
    """
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    database = await asyncio.to_thread(open_database, data_dir / "therapy_notes.db")
    try:
        service = RecordingService(
            uow_factory=database.uow_factory,
            link_factory=link_factory(engine.url, engine.token, is_cloud=False),
            settings=RecordingSettings(
                engine_name="local",
                entry_source=EntrySource.LOCAL_COMPOSER,
                max_output_tokens=max_output_tokens,
            ),
            diarizer=OnlineDiarizer(encoder),
        )
        saved = 0
        swaps: list[asyncio.Task[None]] = []

        def on_event(event: RecordingEvent) -> None:
            nonlocal saved
            if isinstance(event, NoteEntryAdded):
                saved += 1
                if saved in swap_after_entries:
                    swaps.append(asyncio.get_running_loop().create_task(service.swap_speakers()))

        service.add_listener(on_event)
        await service.start(WavSource(wav, realtime=False), template=template)
        await service.wait_for_audio_end()
        await asyncio.gather(*swaps)
        await service.stop()
        assert service.session_id is not None
        with database.uow_factory() as uow:
            segments = uow.segments.for_session(service.session_id)
            note = uow.notes.load(service.session_id)
    finally:
        database.close()
    return Outcome(
        segments=segments,
        entries=[(e.section, e.text) for e in note.entries],
        measurements=[
            {
                "kind": m.kind,
                "value": m.value,
                "unit": m.unit,
                "body_part": m.body_part,
                "side": m.side,
            }
            for m in note.measurements
        ],
        risks=[r.kind.value for r in note.risks],
        risk_evidence=[r.evidence for r in note.risks],
    )
