"""Which turns the model has been given, and with which speaker role.

Until both voices have said enough to tell the clinician from the client, a turn's role
is a guess, and a note written from a wrong guess ("Client reports ..." for the
clinician's words) stays wrong. So each turn is stored with its best role at once, but
held back from the model until roles settle, then handed over in order as labelled
text. When more of the session changes who is who, earlier segments are relabelled, and
when the clinician swaps the roles, all of them are.

A relabelled turn the model already has must reach it again with its new role, or the
note keeps what was written from the old one and the transcript disagrees with what the
model was told. Each handed turn remembers the role it was given; a swap and a settled
guess make turns stale the same way, and `hand_over_again` is the one way they are
handed over again. It costs little while no note update has read the stale turns (only
they, and the turns after them, are handed again); once one has, the model's entries are
removed and every handed turn goes again, in order, for the next update to write afresh.

One lock serialises all of this: the event handler storing and handing over turns, and
a swap from the window, must not interleave (a turn handed with its old role after the
rest were handed again would keep a note entry the rewrite removed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Awaitable, Callable

from therapy_notes.domain.events import TranscriptCompleted
from therapy_notes.domain.risk_cues import might_state_risk
from therapy_notes.domain.session import Segment, SpeakerRole
from therapy_notes.domain.speakers import RolePolicy
from therapy_notes.services.note_updates import NoteUpdatePolicy
from therapy_notes.services.ports import RealtimeLink, UnitOfWork
from therapy_notes.services.recording_events import (
    RecordingEvent,
    SegmentSaved,
    SpeakersRelabelled,
)
from therapy_notes.services.session_writes import SessionWriter
from therapy_notes.services.turn_voices import TurnVoices

HOLD_TURNS_AT_MOST = 4
"""Turns held back at most while who is who is unclear."""
ONE_VOICE_TURNS = 2
"""Turns of one voice alone after which it is taken for a dictation and not held back."""


class TurnHandover:
    """One session's saved turns, the ones held back, and the ones the model has."""

    def __init__(
        self,
        *,
        voices: TurnVoices,
        roles: RolePolicy,
        updates: NoteUpdatePolicy,
        writer: SessionWriter,
        emit: Callable[[RecordingEvent], None],
        session_id: Callable[[], int],
    ) -> None:
        self._voices = voices
        self._roles = roles
        self._updates = updates
        self._writer = writer
        self._emit = emit
        self._session_id = session_id
        self._lock = asyncio.Lock()
        self._segment_ids: dict[str, int] = {}
        """Segment id of each item the model may cite: audio items and their text turns."""
        self._voiced: list[Segment] = []
        """Saved segments of this session, in order."""
        self._held: list[tuple[int, str]] = []
        """Turns not yet handed to the model: (index in `_voiced`, audio item replaced)."""
        self._voice_owner: list[int] = []
        """For each turn the diarizer was given, the index of its segment in `_voiced`."""
        self._handed: list[_Handed] = []
        """Turns handed to the model, in the order the model has them."""
        self._read = 0
        """How many of `_handed` (from the first) a note update may have read."""

    @property
    def has_turns(self) -> bool:
        """Some segment of this session was saved."""
        return bool(self._voiced)

    @property
    def is_holding(self) -> bool:
        """Turns wait for roles to settle: a note update now would miss them."""
        return bool(self._held)

    @property
    def stale_turns(self) -> int:
        """Turns `hand_over_again` would hand over again (0: the model has every role right).

        From the first turn whose role changed on; every handed turn once an update may
        have written from one of them.
        """
        first = self._first_stale()
        if first is None:
            return 0
        return len(self._handed) - (0 if first < self._read else first)

    def mark_read(self) -> None:
        """A note update finished: it may have written from every turn handed so far."""
        self._read = len(self._handed)

    def segment_of(self, item_id: str) -> int | None:
        """The segment id of an item the model cites (None: not a stored turn)."""
        return self._segment_ids.get(item_id)

    async def store_turn(self, link: RealtimeLink, event: TranscriptCompleted) -> None:
        """Save the turn's segments with their speakers, then hand over what is settled."""
        async with self._lock:
            session_id = self._session_id()
            for index, (part, cluster) in enumerate(await self._voices.parts(event)):
                item_id = event.item_id if index == 0 else f"{event.item_id}.{index}"
                segment = dataclasses.replace(
                    part, item_id=item_id, speaker=self._roles.role(cluster)
                )
                saved = await self._writer.write(
                    functools.partial(_add_segment, session_id, segment)
                )
                if saved.id is not None:
                    self._segment_ids[item_id] = saved.id
                self._emit(SegmentSaved(saved))
                self._voiced.append(saved)
                if self._voices.is_on:
                    self._voice_owner.append(len(self._voiced) - 1)
                self._held.append((len(self._voiced) - 1, event.item_id if index == 0 else ""))
            settled = await self._voices.settle()
            if settled is not None:
                await self._relabel(settled)
            await self._hand_over(link)

    async def hand_over_rest(self, link: RealtimeLink) -> None:
        """Ending: whatever is still held goes now, with the best roles there are."""
        async with self._lock:
            await self._hand_over(link, force=True)

    async def swap_roles(self) -> bool:
        """The clinician and the client the other way round; False without a diarizer.

        Handed turns become stale (`stale_turns`) like any relabelled turn.
        """
        async with self._lock:
            self._roles.swapped = not self._roles.swapped
            settled = await self._voices.settled()
            if settled is None:
                return False
            await self._relabel(settled)
            return True

    async def hand_over_again(
        self, link: RealtimeLink, clear_note: Callable[[], Awaitable[object]]
    ) -> None:
        """Stale turns again with their role now, in order, each in place of its old item.

        If a note update may have read one of them, `clear_note` runs first and every
        handed turn goes again; otherwise the turns from the first stale one on go again
        (moved together to the end, so the model has them in the order they were said).
        """
        async with self._lock:
            first = self._first_stale()
            if first is None:
                return
            if first < self._read:
                await clear_note()
                first = self._read = 0
            again, self._handed = self._handed[first:], self._handed[:first]
            for turn in again:
                await self._give_turn(link, turn.index, turn.item_id)

    def _first_stale(self) -> int | None:
        """Position in `_handed` of the first turn whose role is not the one it was given."""
        for position, turn in enumerate(self._handed):
            if self._voiced[turn.index].speaker is not turn.role:
                return position
        return None

    async def _relabel(self, settled: list[int | None]) -> None:
        """Give each segment the role of its voice now (diarizer turns map onto segments)."""
        roles = self._roles.roles(settled[: len(self._voice_owner)])
        by_segment: dict[int, SpeakerRole] = {}
        for owner, role in zip(self._voice_owner, roles, strict=False):
            by_segment.setdefault(owner, role)
        changed = [
            dataclasses.replace(self._voiced[i], speaker=role)
            for i, role in by_segment.items()
            if self._voiced[i].speaker is not role and self._voiced[i].id is not None
        ]
        if not changed:
            return
        session_id = self._session_id()
        updates = {seg.id: seg.speaker for seg in changed if seg.id is not None}
        await self._writer.write(lambda uow: uow.segments.set_speakers(session_id, updates))
        by_id = {seg.id: seg for seg in changed}
        self._voiced = [by_id.get(seg.id, seg) for seg in self._voiced]
        self._emit(SpeakersRelabelled(tuple(changed)))

    async def _hand_over(self, link: RealtimeLink, *, force: bool = False) -> None:
        """Give the model the held turns as text with their speaker, once who is who is clear.

        Also when the session is ending (`force`). Turns wait (a few at the start of a
        session) and then go in order, with settled roles.
        """
        if not self._held:
            return
        one_voice = self._roles.voices_heard() < 2 and len(self._voiced) >= ONE_VOICE_TURNS
        settled = (
            not self._voices.is_on
            or self._roles.is_confident()
            or one_voice
            or len(self._voiced) >= HOLD_TURNS_AT_MOST
        )
        if not (settled or force):
            return
        held, self._held = self._held, []
        for index, replaces in held:
            segment = await self._give_turn(link, index, replaces)
            if segment.speaker is not SpeakerRole.CLINICIAN and might_state_risk(segment.text):
                # The clinician's screening question is not the statement; the answer is.
                self._updates.mark_due()

    async def _give_turn(self, link: RealtimeLink, index: int, replaces: str) -> Segment:
        """Hand segment `index` to the model as labelled text in place of item `replaces`."""
        segment = self._voiced[index]
        cited = await link.add_text_turn(replaces, f"{segment.speaker.label}: {segment.text}")
        self._handed.append(_Handed(index, cited, segment.speaker))
        self._updates.turn_handed()
        if segment.id is not None:
            self._segment_ids[cited] = segment.id
        return segment


@dataclasses.dataclass(frozen=True, slots=True)
class _Handed:
    """A turn the model has: its segment (index in `_voiced`), text item, and role given."""

    index: int
    item_id: str
    role: SpeakerRole


def _add_segment(session_id: int, segment: Segment, uow: UnitOfWork) -> Segment:
    return uow.segments.add(session_id, segment)
