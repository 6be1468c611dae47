"""Who said what, and the note follows: relabelled turns reach the model again.

The recording service on the real local engine (127.0.0.1: protocol, conversation and the
note composer, which writes from the labelled turns it is given) with a real SQLite
database. Speech is text (the fake turn tracker of `tests/engine/conftest.py`), and the
voices come from a scripted diarizer that changes its mind as the session goes on, as the
online diarizer does, at turns fixed by the script. Each run is compared with a run whose
diarizer said the final voices from the start: the note must be the one written from the
final roles, and nothing may be handed over again when nothing the model has changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import FakeTrackers
from tests.fakes.note_session import NoteSession
from therapy_notes.domain.session import SpeakerRole
from therapy_notes.engine.server import LocalEngine
from therapy_notes.services.recording_events import (
    NoteEntryAdded,
    NoteRewritten,
    SegmentSaved,
    SpeakersRelabelled,
)
from therapy_notes.storage import open_database

TURN_MS = 1500
SAYINGS = (
    "How is the knee today?",
    "My knee pain is about a four out of ten today.",
    "You are walking in with just the cane today.",
    "The stairs at home are easier than last week.",
    "Did you do the exercises?",
    "I did the exercises every morning.",
    "Let us try the stairs again next week.",
    "The swelling goes down after I ice it.",
)
ALTERNATING = (0, 1, 0, 1, 0, 1, 0, 1)
"""Voice of each saying as first assigned: 0 the clinician (enrolled), 1 the client."""


class SettlingDiarizer:
    """Voices by script; `settles[n]` ({turn: voice}) is what it says once n turns are in.

    Later settles win. `clinician` is the enrolled clinician's voice (None: not enrolled,
    so roles rest on the conversation and the first turns are held back).
    """

    def __init__(
        self,
        clusters: Sequence[int],
        settles: Mapping[int, Mapping[int, int]] | None = None,
        *,
        clinician: int | None = 0,
    ) -> None:
        self._script = list(clusters)
        self._settles = dict(settles or {})
        self._clinician = clinician
        self._assigned: list[int | None] = []

    def assign(self, pcm16_24k: bytes) -> int | None:
        cluster = self._script[len(self._assigned)] if pcm16_24k else None
        self._assigned.append(cluster)
        return cluster

    def voices(self, pieces: Sequence[bytes]) -> list[int | None]:
        return [None] * len(pieces)

    def settled(self) -> list[int | None]:
        voices = list(self._assigned)
        for at, change in sorted(self._settles.items()):
            if len(self._assigned) >= at:
                for turn, voice in change.items():
                    voices[turn] = voice
        return voices

    def clinician_cluster(self) -> int | None:
        return self._clinician


@dataclass(frozen=True, slots=True)
class Run:
    """What one session did through the link and what it stored, by turn position."""

    calls: list[str]
    """In order: "create" (a note update asked for) or the text of a turn handed over."""
    roles: list[SpeakerRole]
    """Each stored segment's speaker."""
    entries: list[tuple[str, str, tuple[int, ...]]]
    """(section, text, positions of the turns cited) of every note entry, in note order."""
    measurements: list[tuple[str, float]]
    risks: list[str]
    rewrites: list[NoteRewritten]
    relabels: int
    written: list[str]
    """Text of every entry added during the session, in order (removed ones too)."""
    shown: list[str]
    """What the window heard, in order: "segment", "relabel" and "rewrite" events."""


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    async with LocalEngine(tracker_factory=FakeTrackers()) as running:
        yield running


UPDATE_EVERY_3_TURNS: dict[str, Any] = {"first_note_update_turns": 3, "note_update_turns": 3}
"""Note updates after every three turns, so each test's relabel lands between two."""


async def record(
    engine: LocalEngine,
    folder: Path,
    diarizer: SettlingDiarizer,
    *,
    turns: int,
    after_turn: Callable[[NoteSession, int], Awaitable[None]] | None = None,
    **settings: Any,
) -> Run:
    await asyncio.to_thread(folder.mkdir, exist_ok=True)
    database = await asyncio.to_thread(open_database, folder / "therapy_notes.db")
    try:
        hook: Callable[[int], Awaitable[None]] | None = None
        session: NoteSession

        if after_turn is not None:
            hook_of = after_turn

            async def hook(index: int) -> None:
                await hook_of(session, index)

        session = NoteSession(
            engine.url,
            engine.token,
            uow_factory=database.uow_factory,
            diarizer=diarizer,
            after_turn=hook,
            max_output_tokens=2_000,
            **settings,
        )
        session_id = await session.run([(s, TURN_MS) for s in SAYINGS[:turns]])
        with database.uow_factory() as uow:
            segments = uow.segments.for_session(session_id)
            note = uow.notes.load(session_id)
    finally:
        await asyncio.to_thread(database.close)
    position = {s.id: i for i, s in enumerate(segments)}
    events = session.events
    return Run(
        calls=[c.text or c.kind for c in session.link.calls if c.kind != "done"],
        roles=[s.speaker for s in segments],
        entries=[
            (e.section, e.text, tuple(position[i] for i in e.segment_ids)) for e in note.entries
        ],
        measurements=[(m.kind, m.value) for m in note.measurements],
        risks=[r.kind.value for r in note.risks],
        rewrites=[e for e in events if isinstance(e, NoteRewritten)],
        relabels=sum(isinstance(e, SpeakersRelabelled) for e in events),
        written=[e.entry.text for e in events if isinstance(e, NoteEntryAdded)],
        shown=[
            kind for e in events for kind, event_type in _SHOWN.items() if isinstance(e, event_type)
        ],
    )


_SHOWN = {"segment": SegmentSaved, "relabel": SpeakersRelabelled, "rewrite": NoteRewritten}


def said(voices: Sequence[int], *, clinician: int = 0) -> list[str]:
    """Each saying as handed to the model by voice ("Clinician: ..." / "Client: ...")."""
    role = {clinician: "Clinician", 1 - clinician: "Client"}
    return [f"{role[v]}: {text}" for v, text in zip(voices, SAYINGS, strict=False)]


def last_given(run: Run) -> list[str]:
    """The text each turn was last handed over with, in the order the turns were said."""
    latest: dict[str, str] = {}
    for call in run.calls:
        if call != "create":
            latest[call.split(": ", 1)[1]] = call
    return [latest[s] for s in SAYINGS if s in latest]


async def test_a_turn_written_up_then_relabelled_is_written_again_from_its_new_role(
    engine: LocalEngine, tmp_path: Path
) -> None:
    """Turn 2 is written up as the clinician's; a turn later the diarizer settles it as
    the client's. Before the next update the model's entries go, and every turn is given
    again with the roles now; the note is the one the final roles write."""
    settled_voices = (0, 1, 1, 1, 0, 1)
    run = await record(
        engine,
        tmp_path / "relabel",
        SettlingDiarizer(ALTERNATING, {4: {2: 1}}),
        turns=6,
        **UPDATE_EVERY_3_TURNS,
    )
    final = await record(
        engine,
        tmp_path / "final",
        SettlingDiarizer(settled_voices),
        turns=6,
        **UPDATE_EVERY_3_TURNS,
    )

    first, now = said(ALTERNATING), said(settled_voices)
    assert run.calls == [*first[:3], "create", *now[3:6], *now[:6], "create"]
    assert final.calls == [*now[:3], "create", *now[3:6], "create"]
    assert run.relabels == 1
    # The transcript shows the new role at once; the note is rewritten with the update.
    assert run.shown == ["segment"] * 4 + ["relabel"] + ["segment"] * 2 + ["rewrite"]
    # The first update wrote from turn 2 as the clinician's (an observation of the
    # client); the rewrite removed that, kept the measurement, and wrote it afresh.
    observed = "Client is walking in with just the cane today."
    assert observed in run.written
    (rewrite,) = run.rewrites
    assert not rewrite.note.entries
    assert [m.kind for m in rewrite.note.measurements] == ["pain_score"]
    assert observed not in [text for _, text, _ in run.entries]
    assert sorted(run.entries) == sorted(final.entries)
    assert run.measurements == final.measurements == [("pain_score", 4.0)]
    assert run.roles == final.roles
    assert last_given(run) == now


async def test_relabels_in_a_burst_are_followed_once_before_the_next_update(
    engine: LocalEngine, tmp_path: Path
) -> None:
    """Two turns the model has are relabelled one after the other: one rewrite, at the
    next update; a third relabel that comes and goes before it rewrites nothing more."""
    settles = {4: {2: 1, 0: 1}, 5: {1: 0, 0: 0}}
    settled_voices = (0, 0, 1, 1, 0, 1)
    run = await record(
        engine,
        tmp_path / "burst",
        SettlingDiarizer(ALTERNATING, settles),
        turns=6,
        **UPDATE_EVERY_3_TURNS,
    )
    final = await record(
        engine,
        tmp_path / "final",
        SettlingDiarizer(settled_voices),
        turns=6,
        **UPDATE_EVERY_3_TURNS,
    )

    first, now = said(ALTERNATING), said(settled_voices)
    assert run.relabels == 2
    assert len(run.rewrites) == 1
    assert run.calls == [*first[:3], "create", *now[3:6], *now[:6], "create"]
    assert sorted(run.entries) == sorted(final.entries)
    assert run.roles == final.roles


async def test_relabelled_turns_not_yet_handed_over_are_handed_over_once(
    engine: LocalEngine, tmp_path: Path
) -> None:
    """Without an enrolled voice the first turns wait for roles to settle; the diarizer
    changes its mind about two of them while they wait. They go once, with the new
    roles, and nothing is rewritten."""
    run = await record(
        engine,
        tmp_path,
        SettlingDiarizer(ALTERNATING, {3: {0: 1, 1: 0}}, clinician=None),
        turns=6,
        first_note_update_turns=3,
        note_update_turns=3,
    )

    assert run.relabels == 1
    assert run.rewrites == []
    assert run.calls == [*said((1, 0, 0, 1)), "create", *said(ALTERNATING)[4:6], "create"]
    assert run.roles == [
        SpeakerRole.CLIENT,
        SpeakerRole.CLINICIAN,
        SpeakerRole.CLINICIAN,
        SpeakerRole.CLIENT,
        SpeakerRole.CLINICIAN,
        SpeakerRole.CLIENT,
    ]


async def test_a_turn_not_yet_written_up_is_handed_again_and_the_note_kept(
    engine: LocalEngine, tmp_path: Path
) -> None:
    """Turn 3 is relabelled after it was handed over but before any update read it: it
    and the turns after it are given again, in order, and the note is not cleared."""
    settled_voices = (0, 1, 0, 0, 0, 1)
    run = await record(
        engine,
        tmp_path / "relabel",
        SettlingDiarizer(ALTERNATING, {5: {3: 0}}),
        turns=6,
        **UPDATE_EVERY_3_TURNS,
    )
    final = await record(
        engine,
        tmp_path / "final",
        SettlingDiarizer(settled_voices),
        turns=6,
        **UPDATE_EVERY_3_TURNS,
    )

    first, now = said(ALTERNATING), said(settled_voices)
    assert run.calls == [*first[:3], "create", *first[3:5], *now[5:6], *now[3:6], "create"]
    assert run.rewrites == []
    assert run.written == [text for _, text, _ in run.entries], "nothing was removed"
    assert sorted(run.entries) == sorted(final.entries)
    assert run.roles == final.roles


async def test_a_swap_then_a_later_relabel_leaves_the_note_of_the_final_roles(
    engine: LocalEngine, tmp_path: Path
) -> None:
    """The clinician swaps the roles early; later the diarizer settles turn 1 as the
    other voice. The note and the stored roles both follow the final roles."""

    async def swap_after_turn_3(session: NoteSession, index: int) -> None:
        if index == 3:
            await session.service.swap_speakers()
            link = session.link
            while True:  # the rewrite's update is answered before the next turn
                if len(link.creates) == link.responses_handled:
                    break
                await asyncio.sleep(0.005)

    settled_voices = (0, 0, 0, 1, 0, 1, 0, 1)
    run = await record(
        engine,
        tmp_path / "swap",
        SettlingDiarizer(ALTERNATING, {6: {1: 0}}),
        turns=8,
        after_turn=swap_after_turn_3,
        **UPDATE_EVERY_3_TURNS,
    )
    # Voice 0 is the client once the roles are swapped.
    final = await record(
        engine,
        tmp_path / "final",
        SettlingDiarizer(settled_voices, clinician=1),
        turns=8,
        **UPDATE_EVERY_3_TURNS,
    )

    first, swapped, now = (
        said(ALTERNATING),
        said(ALTERNATING, clinician=1),
        said(settled_voices, clinician=1),
    )
    assert (
        run.calls
        == [
            *first[:3],
            "create",
            first[3],
            *swapped[:4],  # the swap: every turn again, written afresh at once
            "create",
            *swapped[4:6],  # turn 5 brings the relabel of turn 1; the next update is due at 6
            now[6],
            *now[:7],
            "create",
            now[7],
            "create",
        ]
    )
    assert len(run.rewrites) == 2
    assert run.roles == final.roles
    assert last_given(run) == now
    assert sorted(run.entries) == sorted(final.entries)
    assert len(run.measurements) == len(set(run.measurements))
    assert sorted(run.risks) == sorted(final.risks)
