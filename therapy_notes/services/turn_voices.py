"""Who spoke each part of a transcribed turn, from the session's own recent audio.

Quick replies run together into one turn when the pause between two people is shorter
than the turn detector's silence, so a turn is split where a sentence is clearly the
other voice. The diarizer runs on a worker thread; if it fails, speaker labels are off
for the rest of the session (said once) and recording goes on. Roles are not decided
here: each voice's words are counted into the session's `RolePolicy`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from therapy_notes.domain.audio_format import BYTES_PER_MS
from therapy_notes.domain.events import TranscriptCompleted
from therapy_notes.domain.session import Segment
from therapy_notes.domain.speakers import RolePolicy
from therapy_notes.errors import UserFacingError
from therapy_notes.services.ports import SpeakerDiarizer
from therapy_notes.services.recording_events import Notice, RecordingEvent

_log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

RECENT_AUDIO_MS = 180_000
"""Audio kept in memory for telling voices apart: the longest turn that is labelled whole."""


class TurnVoices:
    """The session's recent audio and its diarizer (None: speakers are not told apart)."""

    def __init__(
        self,
        diarizer: SpeakerDiarizer | None,
        roles: RolePolicy,
        emit: Callable[[RecordingEvent], None],
    ) -> None:
        self._diarizer = diarizer
        self._roles = roles
        self._emit = emit
        self._recent = bytearray()
        self._recent_start_ms = 0

    @property
    def is_on(self) -> bool:
        """A diarizer is working in this session."""
        return self._diarizer is not None

    def keep(self, chunk: bytes) -> None:
        """Remember audio sent to the engine, the last `RECENT_AUDIO_MS` of it."""
        self._recent.extend(chunk)
        excess = len(self._recent) - RECENT_AUDIO_MS * BYTES_PER_MS
        if excess > 0:
            excess -= excess % 2
            del self._recent[:excess]
            self._recent_start_ms += excess // BYTES_PER_MS

    async def settle(self) -> list[int | None] | None:
        """Each diarized turn's voice as more of the session now says (None: no diarizer).

        Also takes the enrolled clinician's voice, if there is one, into the roles.
        """
        diarizer = self._diarizer
        if diarizer is None:
            return None
        settled = await asyncio.to_thread(diarizer.settled)
        self._roles.enrolled_clinician = diarizer.clinician_cluster()
        return settled

    async def settled(self) -> list[int | None] | None:
        """Each diarized turn's voice now (None: no diarizer)."""
        diarizer = self._diarizer
        if diarizer is None:
            return None
        return await asyncio.to_thread(diarizer.settled)

    async def parts(self, event: TranscriptCompleted) -> list[tuple[Segment, int | None]]:
        """The turn as segments of one voice each, with that voice (None: not known).

        Each sentence's stretch of audio (placed by its share of the characters) is
        checked against the two voices; where a sentence is clearly the other voice, the
        turn is split there.
        """
        whole = Segment(event.item_id, event.start_ms, event.end_ms, event.text)
        diarizer = self._diarizer
        if diarizer is None:
            return [(whole, None)]
        sentences = split_sentences(event.text)
        spans = _sentence_spans(sentences, event.start_ms, event.end_ms)
        voices: list[int | None] = []
        if len(sentences) > 1:
            pieces = [self._turn_audio(a, b) for a, b in _cores(spans)]
            voices = await self._diarize_pieces(diarizer, pieces)
        known = {v for v in voices if v is not None}
        if len(known) < 2:
            return [(whole, await self._voice_of(whole))]
        groups: list[tuple[list[int], int | None]] = []
        for i, v in enumerate(voices):
            if groups and (v is None or v == groups[-1][1] or groups[-1][1] is None):
                groups[-1][0].append(i)
                if groups[-1][1] is None:
                    groups[-1] = (groups[-1][0], v)
            else:
                groups.append(([i], v))
        parts: list[tuple[Segment, int | None]] = []
        for members, _voice in groups:
            start, end = spans[members[0]][0], spans[members[-1]][1]
            text = " ".join(sentences[i] for i in members)
            part = Segment(event.item_id, start, end, text)
            parts.append((part, await self._voice_of(part)))
        return parts

    def _turn_audio(self, start_ms: int, end_ms: int) -> bytes:
        begin = max(0, (start_ms - self._recent_start_ms) * BYTES_PER_MS)
        end = max(0, (end_ms - self._recent_start_ms) * BYTES_PER_MS)
        return bytes(self._recent[begin:end])

    async def _diarize_pieces(
        self, diarizer: SpeakerDiarizer, pieces: list[bytes]
    ) -> list[int | None]:
        try:
            return await asyncio.to_thread(diarizer.voices, pieces)
        except UserFacingError:
            return [None] * len(pieces)

    async def _diarize(self, work: Callable[[bytes], int | None], pcm: bytes) -> int | None:
        try:
            return await asyncio.to_thread(work, pcm)
        except UserFacingError as exc:
            _log.warning("speaker labels are off for this session: %s", type(exc).__name__)
            self._diarizer = None
            self._emit(Notice(f"Speakers cannot be told apart in this session: {exc}", True))
            return None

    async def _voice_of(self, part: Segment) -> int | None:
        """Which voice spoke a part of a turn (None without a diarizer or when unclear)."""
        diarizer = self._diarizer
        if diarizer is None:
            return None
        cluster = await self._diarize(diarizer.assign, self._turn_audio(part.start_ms, part.end_ms))
        self._roles.observe(cluster, part.text)
        return cluster


def split_sentences(text: str) -> list[str]:
    """Sentences of a transcript turn, as the recogniser punctuated them."""
    return [p for p in (piece.strip() for piece in _SENTENCE_END.split(text)) if p]


def _sentence_spans(sentences: list[str], start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """Where each sentence lies in the turn's audio, by its share of the characters."""
    total = sum(len(s) for s in sentences) or 1
    spans: list[tuple[int, int]] = []
    at = float(start_ms)
    for sentence in sentences:
        length = (end_ms - start_ms) * len(sentence) / total
        spans.append((round(at), round(at + length)))
        at += length
    return spans


def _cores(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The middle of each span: its edges, placed by estimate, may hold the other voice."""
    return [(a + (b - a) // 6, b - (b - a) // 6) for a, b in spans]
