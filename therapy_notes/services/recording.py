"""The one place that turns a live session's events into saved state.

Every final segment, tool result and usage record is committed before listeners hear of
it, so whatever the window shows is already on disk. A failing disk stops the session
cleanly; a failing network only makes it reconnect.

Everything arrives as the link's events, handled one at a time in one task: a response's
tool calls are run here after every transcript before them was stored, so the turns they
cite have their segments already, and the outputs go back through the link.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from therapy_notes.domain import defaults
from therapy_notes.domain import tools as note_tools
from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.events import (
    LinkDraining,
    LinkEvent,
    LinkFlushed,
    LinkState,
    LinkStateChanged,
    ResponseCompleted,
    ServerError,
    ToolResult,
    TranscriptCompleted,
    TranscriptDelta,
    TranscriptFailed,
)
from therapy_notes.domain.link import LinkSettings, ToolHandler
from therapy_notes.domain.notes import (
    EntrySource,
    Measurement,
    Note,
    NoteEntry,
    NoteTemplate,
    RiskFlag,
    RiskKind,
)
from therapy_notes.domain.patients import PatientProfile
from therapy_notes.domain.risk_cues import might_state_risk
from therapy_notes.domain.session import RecordingState, Segment, SessionStatus, SpeakerRole
from therapy_notes.domain.speakers import RolePolicy
from therapy_notes.domain.usage import Prices, TokenUsage
from therapy_notes.errors import StorageError, TranscriptionIncompleteError, UserFacingError
from therapy_notes.services.ports import (
    AudioSource,
    LinkFactory,
    RealtimeLink,
    SpeakerDiarizer,
    UnitOfWork,
)
from therapy_notes.services.recording_events import (
    BudgetUpdated,
    Draining,
    MeasurementRecorded,
    NoteEntryAdded,
    NoteRewritten,
    Notice,
    PartialTranscript,
    RecordingEvent,
    RiskFlagged,
    SegmentSaved,
    SessionDiscarded,
    SessionOpened,
    SpeakersRelabelled,
    StateChanged,
)
from therapy_notes.services.templates import load_template
from therapy_notes.services.tool_runner import ToolRunner
from therapy_notes.services.usage import BudgetSnapshot, UsageService

_log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
T = TypeVar("T")

BYTES_PER_MS = 48
"""Mono PCM16 at 24 kHz."""
KEPT_AUDIO_CHUNK_BYTES = 48_000
"""Kept audio is committed about once a second: a crash loses at most the last second."""
HOLD_TURNS_AT_MOST = 4
"""Turns held back at most while who is who is unclear."""
ONE_VOICE_TURNS = 2
"""Turns of one voice alone after which it is taken for a dictation and not held back."""
RECENT_AUDIO_MS = 180_000
"""Audio kept in memory for telling voices apart: the longest turn that is labelled whole."""
NOTE_UPDATE_TURNS = 12
NOTE_UPDATE_INTERVAL_MS = 60_000
"""A note update is asked for once this much of the session has passed since the last one,
or sooner once this many turns wait (and always at the end). Every update re-reads the
instructions and tools, so one per turn would cost several times the session's own audio."""
FIRST_NOTE_UPDATE_TURNS = 3
"""The first update comes after this many turns, so the note visibly starts filling in."""
OUTPUT_ALLOWANCE_TURNS = 4
"""`max_output_tokens` is the allowance for about this many turns' entries; an update that
covers more gets that many times more, so a minute's turns are written in one response
instead of being cut and followed up (each follow-up re-reads the whole context)."""
TOOL_ERROR_FOLLOW_UPS = 2
"""Follow-ups in a row for responses whose tool calls failed (the model may correct them)."""

CAP_REACHED_MESSAGE = (
    "The next note update would pass this session's token cap, so note updates have paused; "
    "the transcript keeps recording. Raise the cap to resume note updates."
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


Listener = Callable[[RecordingEvent], None]


class RecordingService:
    """Drives one session: idle -> connecting -> recording (<-> reconnecting) -> stopping.

    One instance records one session; make a new one for the next.
    """

    def __init__(
        self,
        *,
        uow_factory: Callable[[], UnitOfWork],
        link_factory: LinkFactory,
        settings: RecordingSettings,
        profiles: Callable[[int], PatientProfile] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        diarizer: SpeakerDiarizer | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._link_factory = link_factory
        self._settings = settings
        self._profiles = profiles
        self._clock = clock
        self.usage = UsageService(settings.token_cap, settings.prices)
        self._listeners: list[Listener] = []
        self._state = RecordingState.IDLE
        self._session_id: int | None = None
        self._patient_id: int | None = None
        self._template: NoteTemplate | None = None
        self._link: RealtimeLink | None = None
        self._audio: AudioSource | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._consume_task: asyncio.Task[None] | None = None
        self._flushed = asyncio.Event()
        self._paused = False
        self._partials: dict[str, str] = {}
        self._segment_ids: dict[str, int] = {}
        self._tools = ToolRunner(self._tool_handlers(), timeout_s=settings.tool_timeout_s)
        self._unanswered = 0
        """Turns handed to the model since the last note update was asked for."""
        self._heard_ms = 0
        self._last_update_ms = 0
        """Session time of the last turn heard, and when the last note update was asked for."""
        self._updating = False
        """A note update was asked for and its `ResponseCompleted` is not handled yet."""
        self._updates_asked = 0
        self._rewriting = False
        """The roles were swapped and the note is being written again: no update meanwhile."""
        self._update_due = False
        """The next update is asked for at once: a turn handed over may state a risk, or the
        note is being written again after a swap of the roles."""
        self._tool_error_follow_ups = 0
        self._ending = False
        self._allowance = settings.max_output_tokens
        """Output tokens the last update was allowed; its follow-ups get the same."""
        self._cap_notice_given = False
        self._stop_lock = asyncio.Lock()
        self.failure: UserFacingError | None = None
        self._has_audio = False
        """Some audio reached the engine: from then on a failed session is kept."""
        self._diarizer = diarizer
        self._roles = RolePolicy()
        self._speakers_lock = asyncio.Lock()
        """Held while who-is-who changes or turns are handed over: the event handler and a
        swap of the roles from the window must not interleave (a turn handed with its old
        role after the swap re-handed the rest would keep a note entry the swap removed)."""
        self._recent = bytearray()
        self._recent_start_ms = 0
        self._voiced: list[Segment] = []
        """Saved segments of this session, in order."""
        self._held: list[tuple[int, str]] = []
        """Turns not yet handed to the model: (index in `_voiced`, audio item replaced)."""
        self._voice_owner: list[int] = []
        """For each turn the diarizer was given, the index of its segment in `_voiced`."""
        self._handed: list[tuple[int, str]] = []
        """Turns handed to the model: (index in `_voiced`, the text item that carries it)."""
        self._written: list[int] = []
        """Note entries the model wrote this session (ids), rewritten when roles swap."""
        self._kept_measurements: list[tuple[str, float, str, str, str]] = []
        self._kept_risks: set[RiskKind] = set()
        """What a rewrite must not store twice: measurements and risks stored before it."""

    # -- public API -------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def state(self) -> RecordingState:
        return self._state

    @property
    def session_id(self) -> int | None:
        return self._session_id

    @property
    def is_paused(self) -> bool:
        return self._paused

    def budget(self) -> BudgetSnapshot:
        return self.usage.snapshot()

    async def start(
        self, audio: AudioSource, *, patient_id: int | None = None, template: str = "soap"
    ) -> int:
        """Open the session row, connect, and start streaming; returns the session id."""
        if self._state is not RecordingState.IDLE:
            raise RuntimeError("a RecordingService records one session")
        self._template = load_template(template)
        self._patient_id = patient_id
        self._set_state(RecordingState.CONNECTING)
        try:
            record = await self._write(
                lambda uow: uow.sessions.start(
                    patient_id,
                    self._template.name if self._template else template,
                    self._settings.engine_name,
                    self._clock(),
                )
            )
        except UserFacingError as exc:
            self._set_state(RecordingState.FAILED, str(exc))
            raise
        self._session_id = record.id
        self._emit(SessionOpened(record.id))
        profile = await self._profile()
        link = self._link_factory(self._link_settings(profile))
        self._link = link
        self._consume_task = asyncio.create_task(self._consume(link), name="recording-events")
        try:
            await link.start()
        except UserFacingError as exc:
            self.failure = exc
            self._set_state(RecordingState.FAILED, str(exc))
            await self._finish(SessionStatus.FAILED)
            raise
        self._audio = audio
        self._pump_task = asyncio.create_task(self._pump(audio, link), name="recording-audio")
        self._set_state(RecordingState.RECORDING)
        return record.id

    def pause(self) -> None:
        """Stop sending audio (what is said while paused is not recorded)."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    async def wait_for_audio_end(self) -> None:
        """Until the source ends (a file) or the session stops."""
        if self._pump_task is not None:
            await asyncio.gather(self._pump_task, return_exceptions=True)

    def raise_cap(self, new_cap_tokens: int) -> None:
        """Raise this session's cap (recorded in the audit log) and resume note updates."""
        before = self.usage.snapshot().cap_tokens
        self.usage.raise_cap(new_cap_tokens)
        self._cap_notice_given = False
        self._emit(BudgetUpdated(self.usage.snapshot()))
        session_id = self._session_id
        task = asyncio.create_task(
            self._write(
                lambda uow: uow.audit.record(
                    AuditRecord(
                        self._settings.actor,
                        "raise_token_cap",
                        "session",
                        session_id,
                        self._clock(),
                        json.dumps({"cap_tokens": before}),
                        json.dumps({"cap_tokens": new_cap_tokens}),
                    )
                )
            )
        )
        task.add_done_callback(_log_failure)
        if self._link is not None and self._state is RecordingState.RECORDING:
            update = self._update_note(self._link, due=True)
            asyncio.create_task(update).add_done_callback(_log_failure)

    async def stop(self, *, drain_timeout_s: float = 120.0) -> None:
        """Finish the session: transcribe what was said, update the note once more, save.

        Waits as long as the engine keeps answering, however busy the machine; only an
        engine silent for `drain_timeout_s` ends the wait, and then the session says what
        was lost (`failure`).
        """
        async with self._stop_lock:
            if self._state in (RecordingState.IDLE, RecordingState.STOPPED):
                return
            failed = self._state is RecordingState.FAILED
            if not failed:
                self._set_state(RecordingState.STOPPING)
            if self._audio is not None:
                self._audio.stop()
            if self._pump_task is not None:
                await asyncio.gather(self._pump_task, return_exceptions=True)
            link = self._link
            if link is not None and not failed:
                await link.flush(timeout_s=drain_timeout_s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._flushed.wait(), drain_timeout_s)
                # Every segment is in (their handlers ran before LinkFlushed's); the last
                # turns' note update, and any follow-up of a cut response, finish now.
                if not await self._note_updates_finished(link, drain_timeout_s):
                    self._lost(
                        TranscriptionIncompleteError(
                            "The speech engine stopped answering before the note was updated "
                            "with the last turns. The transcript is saved; add what is missing "
                            "to the note by hand."
                        )
                    )
            await self._finish(SessionStatus.FAILED if failed else SessionStatus.DRAFT)
            if not failed:
                self._set_state(RecordingState.STOPPED)

    async def _note_updates_finished(self, link: RealtimeLink, timeout_s: float) -> bool:
        """Until no note update is in flight: the consumer may ask for one more on each."""
        while self._updating:
            if not await link.wait_until_idle(timeout_s=timeout_s):
                return False
            if self._consume_task is None or self._consume_task.done():
                return True
            await asyncio.sleep(0.01)
        return True

    def _lost(self, error: UserFacingError) -> None:
        _log.error("session %s incomplete: %s", self._session_id, type(error).__name__)
        if self.failure is None:
            self.failure = error
        self._emit(Notice(str(error), True))

    # -- plumbing ---------------------------------------------------------------------------

    async def _finish(self, status: SessionStatus) -> None:
        if self._link is not None:
            await self._link.close()
        if self._consume_task is not None:
            await asyncio.gather(self._consume_task, return_exceptions=True)
        session_id = self._session_id
        if session_id is None:
            return
        if status is SessionStatus.FAILED and not self._has_audio and not self._voiced:
            # Nothing was recorded (no microphone, engine unreachable): there is no session
            # to keep, so the patient's record does not gain an empty "failed" one.
            try:
                await self._write(lambda uow: uow.sessions.delete(session_id))
            except StorageError as exc:
                _log.error("could not remove empty session %s: %s", session_id, exc)
            else:
                _log.info("session %s removed: it failed before any audio", session_id)
                self._emit(SessionDiscarded(session_id))
                return
        try:
            await self._write(
                lambda uow: uow.sessions.set_status(session_id, status, self._clock())
            )
        except StorageError as exc:
            _log.error("could not mark session %s %s: %s", session_id, status, exc)

    async def _pump(self, audio: AudioSource, link: RealtimeLink) -> None:
        kept = bytearray()
        kept_start_ms = 0
        try:
            async for chunk in audio.chunks():
                if self._state in (RecordingState.FAILED, RecordingState.STOPPED):
                    break
                if self._paused:
                    continue
                await link.send_audio(chunk)
                self._has_audio = True
                self._keep_recent(chunk)
                if self._settings.keep_audio:
                    kept.extend(chunk)
                    if len(kept) >= KEPT_AUDIO_CHUNK_BYTES:
                        await self._keep_audio(kept_start_ms, bytes(kept))
                        kept_start_ms += len(kept) // BYTES_PER_MS
                        kept.clear()
            if kept:
                await self._keep_audio(kept_start_ms, bytes(kept))
        except UserFacingError as exc:
            await self._fail(exc)

    def _keep_recent(self, chunk: bytes) -> None:
        self._recent.extend(chunk)
        excess = len(self._recent) - RECENT_AUDIO_MS * BYTES_PER_MS
        if excess > 0:
            excess -= excess % 2
            del self._recent[:excess]
            self._recent_start_ms += excess // BYTES_PER_MS

    def _turn_audio(self, start_ms: int, end_ms: int) -> bytes:
        begin = max(0, (start_ms - self._recent_start_ms) * BYTES_PER_MS)
        end = max(0, (end_ms - self._recent_start_ms) * BYTES_PER_MS)
        return bytes(self._recent[begin:end])

    async def _keep_audio(self, start_ms: int, pcm16: bytes) -> None:
        session_id = self._require_session()
        await self._write(lambda uow: uow.audio.add(session_id, start_ms, pcm16))

    async def _consume(self, link: RealtimeLink) -> None:
        async for event in link.events():
            try:
                await self._on_link_event(link, event)
            except UserFacingError as exc:
                await self._fail(exc)
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one bad event must not end the session
                _log.exception("bug while handling %s", type(event).__name__)

    async def _on_link_event(self, link: RealtimeLink, event: LinkEvent) -> None:
        if isinstance(event, TranscriptDelta):
            text = self._partials.get(event.item_id, "") + event.delta
            self._partials[event.item_id] = text
            self._emit(PartialTranscript(event.item_id, text, event.tentative))
        elif isinstance(event, TranscriptCompleted):
            await self._on_transcript(link, event)
        elif isinstance(event, TranscriptFailed):
            self._partials.pop(event.item_id, None)
            self._emit(Notice(f"A passage could not be transcribed: {event.message}", True))
        elif isinstance(event, ResponseCompleted):
            self.usage.record(event.usage)  # before any decision on the next update
            await self._save_usage("response", event.usage)
            results: tuple[ToolResult, ...] = ()
            if event.calls:
                results = await self._tools.run_all(event.calls)
                await link.submit_tool_outputs(results)
            await self._on_response(link, event, results)
        elif isinstance(event, LinkStateChanged):
            self._on_link_state(event)
        elif isinstance(event, ServerError):
            self._emit(Notice(f"The speech engine reported a problem: {event.message}", True))
        elif isinstance(event, LinkDraining):
            self._emit(Draining(event.turns_left))
        elif isinstance(event, LinkFlushed):
            self._ending = True
            # Ending: whatever is still held goes now, with the best roles there are, and
            # one last note update covers every turn not yet asked about.
            async with self._speakers_lock:
                await self._hand_over(link, force=True)
            await self._update_note(link, due=True)
            if event.untranscribed:
                self._lost(
                    TranscriptionIncompleteError(
                        f"{event.untranscribed} passage(s) at the end could not be transcribed: "
                        "the speech engine stopped answering. What was transcribed is saved; "
                        "check the engine (or the machine's load) and transcribe the file again."
                    )
                )
            self._flushed.set()

    async def _on_transcript(self, link: RealtimeLink, event: TranscriptCompleted) -> None:
        self._partials.pop(event.item_id, None)
        session_id = self._require_session()
        if event.text:
            async with self._speakers_lock:
                await self._store_turn(link, session_id, event)
        self.usage.record_transcription(event.usage)
        await self._save_usage("transcription", event.usage)
        self._heard_ms = max(self._heard_ms, event.end_ms)
        if event.text and self._state in (RecordingState.RECORDING, RecordingState.STOPPING):
            # A turn that may state a risk is written up now, not with the minute's batch.
            await self._update_note(link)

    async def _store_turn(
        self, link: RealtimeLink, session_id: int, event: TranscriptCompleted
    ) -> None:
        """Save the turn's segments with their speakers, then hand over what is settled."""
        for index, (part, cluster) in enumerate(await self._voiced_parts(event)):
            item_id = event.item_id if index == 0 else f"{event.item_id}.{index}"
            segment = dataclasses.replace(part, item_id=item_id, speaker=self._roles.role(cluster))
            saved = await self._write(functools.partial(_add_segment, session_id, segment))
            if saved.id is not None:
                self._segment_ids[item_id] = saved.id
            self._emit(SegmentSaved(saved))
            self._voiced.append(saved)
            if self._diarizer is not None:
                self._voice_owner.append(len(self._voiced) - 1)
            self._held.append((len(self._voiced) - 1, event.item_id if index == 0 else ""))
        await self._settle_speakers()
        await self._hand_over(link)

    async def _on_response(
        self, link: RealtimeLink, event: ResponseCompleted, results: tuple[ToolResult, ...]
    ) -> None:
        """A note update finished: follow it up if it has more to do, else the next batch."""
        self._updating = False
        failed_tools = any(r.is_error for r in results)
        if event.status == "incomplete":
            # Cut at max_output_tokens: the rest of the same turns is still to be written.
            await self._update_note(link, follow_up=True)
        elif failed_tools and self._tool_error_follow_ups < TOOL_ERROR_FOLLOW_UPS:
            self._tool_error_follow_ups += 1
            await self._update_note(link, follow_up=True)
        else:
            self._tool_error_follow_ups = 0
            await self._update_note(link)

    async def _update_note(
        self, link: RealtimeLink, *, due: bool = False, follow_up: bool = False
    ) -> None:
        """Ask for a note update if one is due, and only if it fits under the token cap.

        Due: enough turns wait (`note_update_turns`; the first time, fewer), enough of the
        session has passed (`note_update_interval_ms`), a turn may state a risk, the session
        is ending, or a response wants a follow-up.
        The cap is checked before every request with the whole of it (the input the
        conversation holds now plus the output allowance), so it is never crossed.
        """
        if self._updating or self._held or self._rewriting:
            return
        due = due or self._update_due
        if not follow_up:
            waited_ms = self._heard_ms - self._last_update_ms
            first = self._settings.first_note_update_turns
            batch_due = (
                self._unanswered >= self._settings.note_update_turns
                or waited_ms >= self._settings.note_update_interval_ms
                or (self._updates_asked == 0 and self._unanswered >= first)
            )
            if self._unanswered == 0 or not (due or self._ending or batch_due):
                return
            share = math.ceil(self._unanswered / OUTPUT_ALLOWANCE_TURNS)
            self._allowance = self._settings.max_output_tokens * max(1, share)
        needed = link.predicted_input_tokens() + self._allowance
        if not self.usage.reserve(needed):
            self._updates_paused()
            return
        self._updating = True
        self._update_due = False
        self._updates_asked += 1
        self._unanswered = 0
        self._last_update_ms = self._heard_ms
        await link.request_response(max_output_tokens=self._allowance)

    def _updates_paused(self) -> None:
        """Say once that note updates have paused, and show the gauge at its limit."""
        self._emit(BudgetUpdated(self.usage.snapshot()))
        if not self._cap_notice_given:
            self._cap_notice_given = True
            self._emit(Notice(CAP_REACHED_MESSAGE))

    async def _hand_over(self, link: RealtimeLink, *, force: bool = False) -> None:
        """Give the model the held turns as text with their speaker, once who is who is clear.

        Also when the session is ending (`force`). Until both voices have said enough to
        tell the clinician from the client, a turn's role is a guess; a note written from a
        wrong guess ("Client reports ..." for the clinician's words) stays wrong. So turns
        wait (a few at the start of a session) and then go in order, with settled roles.
        """
        if not self._held:
            return
        one_voice = self._roles.voices_heard() < 2 and len(self._voiced) >= ONE_VOICE_TURNS
        settled = (
            self._diarizer is None
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
                self._update_due = True

    async def _give_turn(self, link: RealtimeLink, index: int, replaces: str) -> Segment:
        """Hand segment `index` to the model as labelled text in place of item `replaces`."""
        segment = self._voiced[index]
        cited = await link.add_text_turn(replaces, f"{segment.speaker.label}: {segment.text}")
        self._handed.append((index, cited))
        self._unanswered += 1
        if segment.id is not None:
            self._segment_ids[cited] = segment.id
        return segment

    async def _voiced_parts(self, event: TranscriptCompleted) -> list[tuple[Segment, int | None]]:
        """The turn as segments of one voice each, with that voice (None: not known).

        Quick replies run together into one turn when the pause between two people is
        shorter than the turn detector's silence. Each sentence's stretch of audio (placed
        by its share of the characters) is checked against the two voices; where a sentence
        is clearly the other voice, the turn is split there.
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
            return [(whole, await self._voice_of(event, whole))]
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
            parts.append((part, await self._voice_of(event, part)))
        return parts

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

    async def _voice_of(self, event: TranscriptCompleted, part: Segment) -> int | None:
        """Which voice spoke a part of a turn (None without a diarizer or when unclear)."""
        diarizer = self._diarizer
        if diarizer is None:
            return None
        cluster = await self._diarize(diarizer.assign, self._turn_audio(part.start_ms, part.end_ms))
        self._roles.observe(cluster, part.text)
        return cluster

    async def _settle_speakers(self) -> None:
        """Relabel earlier segments when more of the session changes who is who."""
        diarizer = self._diarizer
        if diarizer is None:
            return
        settled = await asyncio.to_thread(diarizer.settled)
        self._roles.enrolled_clinician = diarizer.clinician_cluster()
        await self._relabel(settled)

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
        session_id = self._require_session()
        updates = {seg.id: seg.speaker for seg in changed if seg.id is not None}
        await self._write(lambda uow: uow.segments.set_speakers(session_id, updates))
        by_id = {seg.id: seg for seg in changed}
        self._voiced = [by_id.get(seg.id, seg) for seg in self._voiced]
        self._emit(SpeakersRelabelled(tuple(changed)))

    async def swap_speakers(self) -> None:
        """The clinician and the client the other way round, and the note written again.

        Entries written from the wrong roles ("Client reports..." for the clinician's
        words) would stay wrong, so the model's entries that nobody has edited are removed
        and every turn is handed over again with its new role; the next note update
        writes them afresh. Entries the clinician wrote or edited stay; measurements and
        risk flags stay, and the rewrite does not store them twice.
        """
        async with self._speakers_lock:
            self._roles.swapped = not self._roles.swapped
            diarizer = self._diarizer
            if diarizer is None:
                return
            await self._relabel(await asyncio.to_thread(diarizer.settled))
        link = self._link
        if link is not None and self._handed and self._state in _LINK_OPEN:
            await self._rewrite_note(link)

    async def _rewrite_note(self, link: RealtimeLink) -> None:
        # A note update in flight still writes from the old roles: let it finish (and ask
        # for no other) before its entries are removed and the turns handed over again.
        self._rewriting = True
        try:
            if self._updating:
                await link.wait_until_idle(timeout_s=REWRITE_WAIT_S)
            async with self._speakers_lock:
                await self._rewrite_entries(link)
        finally:
            self._rewriting = False
        self._update_due = True  # also if the update in flight is still being wound up
        await self._update_note(link)

    async def _rewrite_entries(self, link: RealtimeLink) -> None:
        session_id = self._require_session()
        source = self._settings.entry_source
        written = set(self._written)

        def remove(uow: UnitOfWork) -> Note:
            note = uow.notes.load(session_id)
            for entry in note.entries:
                if entry.id in written and entry.source is source and entry.version == 1:
                    uow.notes.delete_entry(entry.id)
            return uow.notes.load(session_id)

        kept = await self._write(remove)
        self._written = []
        self._kept_measurements = [_measurement_key(m) for m in kept.measurements]
        self._kept_risks = {r.kind for r in kept.risks}
        self._emit(NoteRewritten(kept))
        handed, self._handed = self._handed, []
        for index, old_item in handed:
            await self._give_turn(link, index, old_item)

    def _on_link_state(self, event: LinkStateChanged) -> None:
        if event.state is LinkState.RECONNECTING and self._state is RecordingState.RECORDING:
            self._set_state(
                RecordingState.RECONNECTING,
                f"Connection lost ({event.reason}); reconnecting, attempt "
                f"{event.attempt}. Recording continues.",
                event.attempt,
            )
        elif event.state is LinkState.LIVE and self._state is RecordingState.RECONNECTING:
            self._set_state(RecordingState.RECORDING, "Reconnected.")
        elif event.state is LinkState.FAILED and self._state is not RecordingState.FAILED:
            if self.failure is None:
                self.failure = event.error
            self._set_state(RecordingState.FAILED, event.reason)

    async def _save_usage(self, kind: str, usage: TokenUsage) -> None:
        session_id = self._require_session()
        if kind == "transcription":
            cost = self.usage.transcription_cost_usd(usage)
        else:
            cost = self.usage.cost_usd(usage)
        at = self._clock()
        await self._write(lambda uow: uow.usage.add(session_id, kind, usage, cost, at))
        self._emit(BudgetUpdated(self.usage.snapshot()))

    async def _fail(self, exc: UserFacingError) -> None:
        """The environment failed (disk, device): stop cleanly, keep what is saved."""
        if self._state is RecordingState.FAILED:
            return
        _log.error("session %s failed: %s", self._session_id, type(exc).__name__)
        self.failure = exc
        self._set_state(RecordingState.FAILED, str(exc))
        if self._audio is not None:
            self._audio.stop()

    async def _write(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run `work` in one transaction on a worker thread: disk never blocks the loop."""

        def run() -> T:
            with self._uow_factory() as uow:
                return work(uow)

        return await asyncio.to_thread(run)

    async def _profile(self) -> PatientProfile | None:
        if self._patient_id is None or self._profiles is None:
            return None
        patient_id = self._patient_id
        profiles = self._profiles
        return await asyncio.to_thread(profiles, patient_id)

    def _link_settings(self, profile: PatientProfile | None) -> LinkSettings:
        template = self._require_template()
        return LinkSettings(
            model=self._settings.model,
            instructions=note_tools.session_instructions(template, profile),
            tools=tuple(note_tools.tool_schemas(template)),
            reasoning_effort=self._settings.reasoning_effort,
            max_output_tokens=self._settings.max_output_tokens,
            vad_silence_ms=self._settings.vad_silence_ms,
            pace_to_engine=self._settings.pace_to_engine,
        )

    def _require_session(self) -> int:
        if self._session_id is None:
            raise RuntimeError("no session is open")
        return self._session_id

    def _require_template(self) -> NoteTemplate:
        if self._template is None:
            raise RuntimeError("no template chosen")
        return self._template

    def _set_state(self, state: RecordingState, message: str = "", attempt: int = 0) -> None:
        self._state = state
        self._emit(StateChanged(state, message, attempt))

    def _emit(self, event: RecordingEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a broken listener must not stop recording
                _log.exception("listener failed on %s", type(event).__name__)

    # -- tools ------------------------------------------------------------------------------

    def _tool_handlers(self) -> Mapping[str, ToolHandler]:
        return {
            note_tools.ADD_NOTE_ENTRIES: self._add_note_entries,
            note_tools.RECORD_MEASUREMENT: self._record_measurement,
            note_tools.FLAG_RISK: self._flag_risk,
            note_tools.GET_PATIENT_PROFILE: self._get_patient_profile,
        }

    def _segments_of(self, arguments: Mapping[str, Any]) -> tuple[int, ...]:
        """Segment ids of the turns a call cites.

        Calls are run after every event before their response, so a cited turn that was
        transcribed has its segment; an id that is not a stored turn is not cited.
        """
        ids = arguments.get("source_item_ids") or ()
        if not isinstance(ids, list | tuple) or not all(isinstance(i, str) for i in ids):
            raise ValueError("source_item_ids must be a list of strings")
        return tuple(self._segment_ids[i] for i in ids if i in self._segment_ids)

    async def _add_note_entries(self, arguments: Mapping[str, Any]) -> str:
        template = self._require_template()
        session_id = self._require_session()
        raw = arguments.get("entries")
        if not isinstance(raw, list) or not raw:
            raise ValueError("entries must be a non-empty list")
        entries: list[NoteEntry] = []
        for item in raw:
            if not isinstance(item, dict):
                raise ValueError("each entry must be an object")
            section, text = item.get("section"), item.get("text")
            if section not in template.section_keys:
                raise ValueError(f"section must be one of {', '.join(template.section_keys)}")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("text must be a non-empty string")
            entries.append(
                NoteEntry(
                    section,
                    text.strip(),
                    self._settings.entry_source,
                    self._segments_of(item),
                )
            )

        def save(uow: UnitOfWork) -> list[NoteEntry]:
            return [uow.notes.add_entry(session_id, entry) for entry in entries]

        saved = await self._write(save)
        for entry in saved:
            if entry.id is not None:
                self._written.append(entry.id)
            self._emit(NoteEntryAdded(entry))
        return json.dumps({"ok": True, "added": len(saved)})

    async def _record_measurement(self, arguments: Mapping[str, Any]) -> str:
        session_id = self._require_session()
        kind, value = arguments.get("kind"), arguments.get("value")
        if kind not in note_tools.MEASUREMENT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(note_tools.MEASUREMENT_KINDS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("value must be a number")
        measurement = Measurement(
            kind=str(kind),
            value=float(value),
            unit=_text(arguments, "unit"),
            body_part=_text(arguments, "body_part"),
            side=_text(arguments, "side"),
            segment_ids=self._segments_of(arguments),
        )
        key = _measurement_key(measurement)
        if key in self._kept_measurements:
            self._kept_measurements.remove(key)  # stored before the note was rewritten
            return json.dumps({"ok": True, "already_recorded": True})
        saved = await self._write(lambda uow: uow.notes.add_measurement(session_id, measurement))
        self._emit(MeasurementRecorded(saved))
        return json.dumps({"ok": True})

    async def _flag_risk(self, arguments: Mapping[str, Any]) -> str:
        session_id = self._require_session()
        try:
            kind = RiskKind(str(arguments.get("kind")))
        except ValueError:
            kinds = ", ".join(k.value for k in RiskKind)
            raise ValueError(f"kind must be one of {kinds}") from None
        if kind in self._kept_risks:
            # Flagged before the note was rewritten: the flag stands, once.
            return json.dumps({"ok": True, "flagged": kind.value, "already_flagged": True})
        risk = RiskFlag(kind, _text(arguments, "evidence"), self._segments_of(arguments))
        saved = await self._write(lambda uow: uow.notes.add_risk(session_id, risk))
        self._emit(RiskFlagged(saved))
        return json.dumps({"ok": True, "flagged": kind.value})

    async def _get_patient_profile(self, arguments: Mapping[str, Any]) -> str:
        profile = await self._profile()
        if profile is None:
            return json.dumps({"ok": False, "error": "no patient is linked to this session"})
        return json.dumps(
            {
                "ok": True,
                "diagnoses": list(profile.diagnoses),
                "goals": list(profile.goals),
                "precautions": list(profile.precautions),
            }
        )


REWRITE_WAIT_S = 30.0
"""How long a note update in flight may take to finish before the note is rewritten."""
_LINK_OPEN = (RecordingState.RECORDING, RecordingState.RECONNECTING, RecordingState.STOPPING)
"""States in which the engine still answers: the last turns are being transcribed."""


def _measurement_key(m: Measurement) -> tuple[str, float, str, str, str]:
    return (m.kind, m.value, m.unit, m.body_part, m.side)


def _add_segment(session_id: int, segment: Segment, uow: UnitOfWork) -> Segment:
    return uow.segments.add(session_id, segment)


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


def _text(arguments: Mapping[str, Any], key: str) -> str:
    value = arguments.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("background task failed", exc_info=task.exception())
