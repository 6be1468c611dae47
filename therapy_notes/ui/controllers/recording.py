"""The bridge between the window and one live session of `RecordingService`.

A session is one service instance; the controller makes a new one for each recording
through the factory the composition root gives it, so the window never sees adapters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from therapy_notes.domain.problems import problem_for, problem_from_message
from therapy_notes.domain.session import RecordingState
from therapy_notes.errors import UserFacingError
from therapy_notes.services.ports import AudioSource
from therapy_notes.services.recording import RecordingService
from therapy_notes.services.recording_events import (
    BudgetUpdated,
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
from therapy_notes.ui.controllers.tasks import TaskGroup

_log = logging.getLogger(__name__)

LEVEL_INTERVAL_MS = 50
"""The meter refreshes at 20 Hz: smooth to the eye, cheap for the event loop."""

ACTIVE_STATES = (
    RecordingState.CONNECTING,
    RecordingState.RECORDING,
    RecordingState.RECONNECTING,
    RecordingState.STOPPING,
)


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """What the clinician chose before pressing Record."""

    patient_id: int | None
    template: str
    reasoning_effort: str


ServiceFactory = Callable[[SessionRequest], Awaitable[RecordingService]]
"""Builds the service for one session; raises UserFacingError (engine not ready, no key)."""
AudioFactory = Callable[[], AudioSource]
"""Opens the audio source for one session: the microphone, or a WAV file in tests."""
LevelMeter = Callable[[bytes], float]
"""Loudness 0..1 of one PCM16 chunk."""


class _MeteredSource:
    """Passes chunks through and remembers the loudness of the latest one."""

    def __init__(self, source: AudioSource, meter: LevelMeter | None) -> None:
        self._source = source
        self._meter = meter
        self.level = 0.0

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self._source.chunks():
            if self._meter is not None:
                self.level = self._meter(chunk)
            yield chunk
        self.level = 0.0

    def stop(self) -> None:
        self._source.stop()


class RecordingController(QObject):
    """Starts, pauses and stops sessions for the window and relays what they report.

    Signals:
        session_opened: the new session's id (int).
        state_changed: a `StateChanged` event (object).
        partial_transcript_received: item id, the confirmed words so far, the newest words
            not confirmed yet (str, str, str).
        segment_saved: a saved `Segment` (object).
        speakers_relabelled: segments whose speaker changed, a tuple of `Segment` (object).
        note_entry_added: a saved `NoteEntry` (object).
        note_rewritten: the `Note` that stays when the model's entries are written again (object).
        measurement_recorded: a saved `Measurement` (object).
        risk_flagged: a saved `RiskFlag` (object).
        budget_updated: a `BudgetSnapshot` (object).
        notice_posted: message, is_error (str, bool).
        level_measured: input loudness 0..1 (float), about 20 times a second.
        elapsed_changed: seconds recorded, pauses excluded (int).
        paused_changed: whether audio is paused (bool).
        session_finished: the id of a session that stopped or failed (int).
        session_discarded: the id of a session removed because it failed before any
            audio was recorded (int).
        problem_reported: why recording cannot go on, as a `Problem` (object).
    """

    session_opened = Signal(int)
    state_changed = Signal(object)
    partial_transcript_received = Signal(str, str, str)
    segment_saved = Signal(object)
    speakers_relabelled = Signal(object)
    note_entry_added = Signal(object)
    note_rewritten = Signal(object)
    measurement_recorded = Signal(object)
    risk_flagged = Signal(object)
    budget_updated = Signal(object)
    notice_posted = Signal(str, bool)
    level_measured = Signal(float)
    elapsed_changed = Signal(int)
    paused_changed = Signal(bool)
    session_finished = Signal(int)
    session_discarded = Signal(int)
    problem_reported = Signal(object)

    def __init__(
        self,
        service_factory: ServiceFactory,
        audio_factory: AudioFactory,
        level_meter: LevelMeter | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service_factory = service_factory
        self._audio_factory = audio_factory
        self._level_meter = level_meter
        self._tasks = TaskGroup("recording")
        self._service: RecordingService | None = None
        self._source: _MeteredSource | None = None
        self._state = RecordingState.IDLE
        self._is_paused = False
        self._elapsed_s = 0.0
        self._resumed_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(LEVEL_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last_elapsed = -1
        self._is_starting = False

    # -- intent ------------------------------------------------------------------------------

    @property
    def state(self) -> RecordingState:
        return self._state

    @property
    def is_active(self) -> bool:
        return self._state in ACTIVE_STATES or self._is_starting

    @property
    def is_paused(self) -> bool:
        return self._is_paused

    @property
    def session_id(self) -> int | None:
        return self._service.session_id if self._service is not None else None

    def start(self, request: SessionRequest) -> None:
        """Open a session and start streaming; what goes wrong arrives as a notice."""
        if self.is_active:
            return
        self._is_starting = True
        self._tasks.spawn(self._run(request), "start")

    def pause(self) -> None:
        if self._service is None or self._state not in ACTIVE_STATES or self._is_paused:
            return
        self._service.pause()
        self._bank_elapsed()
        self._is_paused = True
        self.paused_changed.emit(True)

    def resume(self) -> None:
        if self._service is None or not self._is_paused:
            return
        self._service.resume()
        self._is_paused = False
        self._resumed_at = time.monotonic()
        self.paused_changed.emit(False)

    def stop(self) -> None:
        """Finish the session: the last words are transcribed and everything is saved."""
        if self._service is None or self._state not in ACTIVE_STATES:
            return
        self._tasks.spawn(self._stop(), "stop")

    def swap_speakers(self) -> None:
        """The clinician and the client the other way round for this session."""
        if self._service is None or self._state not in ACTIVE_STATES:
            return
        self._tasks.spawn(self._service.swap_speakers(), "swap-speakers")

    def raise_cap(self) -> None:
        """Double the session's token cap (audited by the service); note updates resume."""
        if self._service is None:
            return
        self._service.raise_cap()

    async def wait_idle(self) -> None:
        """Until the running start or stop has finished (shutdown and tests)."""
        await self._tasks.wait()

    async def shutdown(self) -> None:
        """Stop a running session, saving it, then cancel whatever is left."""
        if self._service is not None and self._state in ACTIVE_STATES:
            await self._tasks.wait()
            await self._stop()
        await self._tasks.cancel_all()
        self._timer.stop()

    # -- plumbing ----------------------------------------------------------------------------

    async def _run(self, request: SessionRequest) -> None:
        try:
            await self._open(request)
        finally:
            self._is_starting = False

    async def _open(self, request: SessionRequest) -> None:
        self._elapsed_s, self._last_elapsed, self._is_paused = 0.0, -1, False
        self.elapsed_changed.emit(0)
        self._set_state(StateChanged(RecordingState.CONNECTING, "Connecting to the engine…"))
        try:
            service = await self._service_factory(request)
            source = _MeteredSource(self._audio_factory(), self._level_meter)
        except UserFacingError as exc:
            self._set_state(StateChanged(RecordingState.FAILED, str(exc)))
            self.problem_reported.emit(problem_for(exc))
            return
        self._service, self._source = service, source
        service.add_listener(self._on_service_event)
        try:
            await service.start(source, patient_id=request.patient_id, template=request.template)
        except UserFacingError as exc:
            source.stop()
            self.problem_reported.emit(problem_for(exc))
            self._finish()
            return
        self._resumed_at = time.monotonic()
        self._timer.start()

    async def _stop(self) -> None:
        service = self._service
        if service is None:
            return
        self._bank_elapsed()
        try:
            await service.stop()
        except UserFacingError as exc:
            self.notice_posted.emit(str(exc), True)
        self._finish()

    def _finish(self) -> None:
        self._timer.stop()
        self.level_measured.emit(0.0)
        service = self._service
        if service is not None and service.session_id is not None:
            self.session_finished.emit(service.session_id)
        if self._state in ACTIVE_STATES:
            self._set_state(StateChanged(RecordingState.STOPPED))
        self._is_paused = False

    def _bank_elapsed(self) -> None:
        if self._resumed_at is not None and not self._is_paused:
            self._elapsed_s += time.monotonic() - self._resumed_at
        self._resumed_at = None

    def _on_timer_timeout(self) -> None:
        if self._source is not None:
            self.level_measured.emit(0.0 if self._is_paused else self._source.level)
        elapsed = self._elapsed_s
        if self._resumed_at is not None and not self._is_paused:
            elapsed += time.monotonic() - self._resumed_at
        if int(elapsed) != self._last_elapsed:
            self._last_elapsed = int(elapsed)
            self.elapsed_changed.emit(int(elapsed))

    def _set_state(self, event: StateChanged) -> None:
        self._state = event.state
        self.state_changed.emit(event)

    def _on_service_event(self, event: RecordingEvent) -> None:
        # Called on the event loop's thread (the Qt main thread), so emitting is safe.
        if isinstance(event, StateChanged):
            self._set_state(event)
            if event.state is RecordingState.FAILED and not self._is_starting:
                # (A failed start is reported by `_open` with the error it caught.)
                failure = self._service.failure if self._service is not None else None
                self.problem_reported.emit(
                    problem_for(failure) if failure else problem_from_message(event.message)
                )
            if event.state is RecordingState.FAILED and self._timer.isActive():
                # The environment failed mid-session: close it, keeping what is saved.
                self._timer.stop()
                self.level_measured.emit(0.0)
                self._tasks.spawn(self._stop(), "stop-after-failure")
        elif isinstance(event, PartialTranscript):
            self.partial_transcript_received.emit(event.item_id, event.text, event.tentative)
        elif isinstance(event, SegmentSaved):
            self.segment_saved.emit(event.segment)
        elif isinstance(event, SpeakersRelabelled):
            self.speakers_relabelled.emit(event.segments)
        elif isinstance(event, NoteEntryAdded):
            self.note_entry_added.emit(event.entry)
        elif isinstance(event, NoteRewritten):
            self.note_rewritten.emit(event.note)
        elif isinstance(event, MeasurementRecorded):
            self.measurement_recorded.emit(event.measurement)
        elif isinstance(event, RiskFlagged):
            self.risk_flagged.emit(event.risk)
        elif isinstance(event, BudgetUpdated):
            self.budget_updated.emit(event.budget)
        elif isinstance(event, Notice):
            self.notice_posted.emit(event.message, event.is_error)
        elif isinstance(event, SessionOpened):
            self.session_opened.emit(event.session_id)
        elif isinstance(event, SessionDiscarded):
            self.session_discarded.emit(event.session_id)
