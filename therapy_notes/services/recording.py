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
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from therapy_notes.domain import tools as note_tools
from therapy_notes.domain.audio_format import BYTES_PER_MS
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
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.notes import NoteTemplate
from therapy_notes.domain.patients import PatientProfile
from therapy_notes.domain.session import RecordingState, SessionStatus
from therapy_notes.domain.speakers import RolePolicy
from therapy_notes.domain.usage import CAP_REACHED_MESSAGE, BudgetSnapshot, TokenUsage
from therapy_notes.errors import StorageError, TranscriptionIncompleteError, UserFacingError
from therapy_notes.services.note_tools import NoteTools
from therapy_notes.services.note_updates import NoteUpdatePolicy, UpdateAction, UpdateDecision
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
    Notice,
    PartialTranscript,
    RecordingEvent,
    SessionDiscarded,
    SessionOpened,
    StateChanged,
)
from therapy_notes.services.recording_settings import RecordingSettings as RecordingSettings
from therapy_notes.services.session_writes import SessionWriter
from therapy_notes.services.templates import load_template
from therapy_notes.services.tool_runner import ToolRunner
from therapy_notes.services.turn_handover import TurnHandover
from therapy_notes.services.turn_voices import TurnVoices
from therapy_notes.services.usage import UsageService

_log = logging.getLogger(__name__)

KEPT_AUDIO_CHUNK_BYTES = 48_000
"""Kept audio is committed about once a second: a crash loses at most the last second."""


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
        self._writer = SessionWriter(uow_factory)
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
        self._updates = NoteUpdatePolicy(
            max_output_tokens=settings.max_output_tokens,
            reserve=self.usage.reserve,
            update_turns=settings.note_update_turns,
            update_interval_ms=settings.note_update_interval_ms,
            first_update_turns=settings.first_note_update_turns,
        )
        roles = RolePolicy()
        self._voices = TurnVoices(diarizer, roles, self._emit)
        self._turns = TurnHandover(
            voices=self._voices,
            roles=roles,
            updates=self._updates,
            writer=self._writer,
            emit=self._emit,
            session_id=self._require_session,
        )
        self._note_tools = NoteTools(
            writer=self._writer,
            emit=self._emit,
            entry_source=settings.entry_source,
            session_id=self._require_session,
            template=self._require_template,
            profile=self._profile,
            segment_of=self._turns.segment_of,
        )
        self._tools = ToolRunner(self._note_tools.handlers(), timeout_s=settings.tool_timeout_s)
        self._stop_lock = asyncio.Lock()
        self.failure: UserFacingError | None = None
        self._has_audio = False
        """Some audio reached the engine: from then on a failed session is kept."""

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
            record = await self._writer.write(
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

    def raise_cap(self, new_cap_tokens: int | None = None) -> None:
        """Raise this session's cap (None: double it), audited, and resume note updates."""
        before = self.usage.snapshot().cap_tokens
        new_cap_tokens = self.usage.raise_cap(new_cap_tokens)
        self._updates.cap_raised()
        self._emit(BudgetUpdated(self.usage.snapshot()))
        session_id = self._session_id
        task = asyncio.create_task(
            self._writer.write(
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
        while self._updates.is_updating:
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
        if status is SessionStatus.FAILED and not self._has_audio and not self._turns.has_turns:
            # Nothing was recorded (no microphone, engine unreachable): there is no session
            # to keep, so the patient's record does not gain an empty "failed" one.
            try:
                await self._writer.write(lambda uow: uow.sessions.delete(session_id))
            except StorageError as exc:
                _log.error("could not remove empty session %s: %s", session_id, exc)
            else:
                _log.info("session %s removed: it failed before any audio", session_id)
                self._emit(SessionDiscarded(session_id))
                return
        try:
            await self._writer.write(
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
                self._voices.keep(chunk)
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

    async def _keep_audio(self, start_ms: int, pcm16: bytes) -> None:
        session_id = self._require_session()
        await self._writer.write(lambda uow: uow.audio.add(session_id, start_ms, pcm16))

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
            self._updates.end()
            # Ending: whatever is still held goes now, with the best roles there are, and
            # one last note update covers every turn not yet asked about.
            await self._turns.hand_over_rest(link)
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
        self._require_session()
        if event.text:
            await self._turns.store_turn(link, event)
        self.usage.record_transcription(event.usage)
        await self._save_usage("transcription", event.usage)
        self._updates.heard(event.end_ms)
        if event.text and self._state in (RecordingState.RECORDING, RecordingState.STOPPING):
            # A turn that may state a risk is written up now, not with the minute's batch.
            await self._update_note(link)

    async def _on_response(
        self, link: RealtimeLink, event: ResponseCompleted, results: tuple[ToolResult, ...]
    ) -> None:
        """A note update finished: follow it up if it has more to do, else the next batch."""
        self._turns.mark_read()
        follow_up = self._updates.response_done(
            is_incomplete=event.status == "incomplete",
            has_failed_tools=any(r.is_error for r in results),
        )
        await self._update_note(link, follow_up=follow_up)

    async def _update_note(
        self, link: RealtimeLink, *, due: bool = False, follow_up: bool = False
    ) -> None:
        """Ask for a note update if the policy says one is due and it fits under the cap.

        Turns whose role changed since the model was given them (`stale_turns`) are handed
        over again first, once for however many relabels came since the last update; if
        an update may have written from them, the model's entries nobody edited are
        removed first (`NoteRewritten`), and the update asked for next writes them afresh.
        This runs only while no update is in flight, so one that still writes from the
        old roles has finished and its entries are among those removed.
        """
        decision = self._decide(link, due=due, follow_up=follow_up)
        while decision.action is UpdateAction.REWRITE:
            try:
                await self._turns.hand_over_again(link, self._note_tools.remove_written)
            finally:
                self._updates.end_rewrite()
            decision = self._decide(link)
        if decision.action is UpdateAction.ASK:
            await link.request_response(max_output_tokens=decision.max_output_tokens)
        elif decision.action is UpdateAction.PAUSED:
            # Say once that note updates have paused, and show the gauge at its limit.
            self._emit(BudgetUpdated(self.usage.snapshot()))
            if decision.is_first_pause:
                self._emit(Notice(CAP_REACHED_MESSAGE))

    def _decide(
        self, link: RealtimeLink, *, due: bool = False, follow_up: bool = False
    ) -> UpdateDecision:
        return self._updates.decide(
            predicted_input_tokens=link.predicted_input_tokens,
            due=due,
            follow_up=follow_up,
            is_holding=self._turns.is_holding,
            stale_turns=self._turns.stale_turns,
        )

    async def swap_speakers(self) -> None:
        """The clinician and the client the other way round, and the note written again.

        Entries written from the wrong roles ("Client reports..." for the clinician's
        words) would stay wrong, so, as for any relabel of turns the model has (see
        `_update_note`), the model's entries that nobody has edited are removed and every
        turn is handed over again with its new role; the next note update writes them
        afresh. Entries the clinician wrote or edited stay; measurements and risk flags
        stay, and the rewrite does not store them twice. The clinician asked for it, so it
        happens now (after an update in flight), not with the next batch.
        """
        if not await self._turns.swap_roles():
            return
        link = self._link
        if link is not None and self._turns.stale_turns and self._state in _LINK_OPEN:
            self._updates.mark_due()
            await self._update_note(link)

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
        await self._writer.write(lambda uow: uow.usage.add(session_id, kind, usage, cost, at))
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


_LINK_OPEN = (RecordingState.RECORDING, RecordingState.RECONNECTING, RecordingState.STOPPING)
"""States in which the engine still answers: the last turns are being transcribed."""


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("background task failed", exc_info=task.exception())
