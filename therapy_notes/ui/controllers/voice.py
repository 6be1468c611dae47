"""The bridge between the voice enrollment dialog and `VoiceEnrollmentService`.

It records the clinician reading a passage from the chosen microphone (the same audio path
a session uses), shows the level and the seconds heard, and hands the recording to the
service, which makes and stores the voice print off the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from therapy_notes.domain import audio_format
from therapy_notes.domain.users import User
from therapy_notes.errors import UserFacingError
from therapy_notes.services.ports import AudioSource
from therapy_notes.services.voices import ENROLLMENT_PASSAGE, VoiceEnrollmentService
from therapy_notes.ui.controllers.tasks import TaskGroup

_log = logging.getLogger(__name__)

BYTES_PER_SECOND = audio_format.BYTES_PER_SECOND
"""What every `AudioSource` yields: the protocol's format."""
MAX_RECORDING_S = 60.0
"""A reading that runs on is stopped here: the passage takes about 20 s."""


class VoiceEnrollmentController(QObject):
    """Records an enrollment reading and stores (or forgets) the signed-in user's voice.

    Signals:
        status_changed: a sentence on whether the user is enrolled (str).
        level_measured: input loudness 0..1 of the latest chunk (float).
        seconds_recorded: how long the reading has run so far (float).
        recording_changed: whether the microphone is open (bool).
        busy_changed: whether a voice print is being made or stored (bool).
        enrolled: the outcome to show after a successful enrollment (str).
        enrolled_changed: whether the signed-in user has a voice print now (bool).
        failed: what went wrong and what to do (str).
    """

    status_changed = Signal(str)
    level_measured = Signal(float)
    seconds_recorded = Signal(float)
    recording_changed = Signal(bool)
    busy_changed = Signal(bool)
    enrolled = Signal(str)
    enrolled_changed = Signal(bool)
    failed = Signal(str)

    passage = ENROLLMENT_PASSAGE

    def __init__(
        self,
        service: VoiceEnrollmentService,
        audio_factory: Callable[[], AudioSource],
        current_user: Callable[[], User | None],
        level_meter: Callable[[bytes], float] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._audio_factory = audio_factory
        self._current_user = current_user
        self._level_meter = level_meter
        self._tasks = TaskGroup("voice-enrollment")
        self._source: AudioSource | None = None
        self._storing = False

    @property
    def is_recording(self) -> bool:
        return self._source is not None

    def refresh(self) -> None:
        """Say whether the signed-in user has enrolled (asynchronously)."""
        self._tasks.spawn(self._refresh(), "refresh")

    def start(self) -> None:
        """Open the microphone and record until `stop()` (or one minute)."""
        if self._source is not None or self._storing:
            return
        user = self._current_user()
        if user is None:
            self.failed.emit("Sign in first: a voice is enrolled for the signed-in clinician.")
            return
        try:
            source = self._audio_factory()
        except UserFacingError as exc:
            self.failed.emit(str(exc))
            return
        self._source = source
        self.recording_changed.emit(True)
        self._tasks.spawn(self._record(user, source), "record")

    def stop(self) -> None:
        """End the reading; the voice print is made from what was recorded."""
        if self._source is not None:
            self._source.stop()

    def forget(self) -> None:
        """Delete the signed-in user's voice print."""
        user = self._current_user()
        if user is None or self._source is not None or self._storing:
            return
        self._tasks.spawn(self._forget(user), "forget")

    async def wait(self) -> None:
        """Until recording and storing are done (tests, and closing the dialog)."""
        await self._tasks.wait()

    async def shutdown(self) -> None:
        self.stop()
        await self._tasks.cancel_all()

    # -- work --------------------------------------------------------------------------------

    async def _record(self, user: User, source: AudioSource) -> None:
        pcm = bytearray()
        try:
            async for chunk in source.chunks():
                pcm += chunk
                if self._level_meter is not None:
                    self.level_measured.emit(self._level_meter(chunk))
                seconds = len(pcm) / BYTES_PER_SECOND
                self.seconds_recorded.emit(seconds)
                if seconds >= MAX_RECORDING_S:
                    source.stop()
        except UserFacingError as exc:
            self.failed.emit(str(exc))
            return
        finally:
            self._source = None
            self.level_measured.emit(0.0)
            self.recording_changed.emit(False)
        self._storing = True
        self.busy_changed.emit(True)
        try:
            voice = await self._service.enroll(user, bytes(pcm))
        except UserFacingError as exc:
            self.failed.emit(str(exc))
        else:
            self.enrolled.emit(
                f"Your voice is enrolled ({voice.speech_seconds:.0f} s of speech). From your "
                "next session on, the app knows which voice is yours."
            )
            await self._refresh()
        finally:
            self._storing = False
            self.busy_changed.emit(False)

    async def _forget(self, user: User) -> None:
        try:
            await self._service.forget(user)
        except UserFacingError as exc:
            self.failed.emit(str(exc))
            return
        await self._refresh()

    async def _refresh(self) -> None:
        user = self._current_user()
        try:
            voice = await self._service.voice_of(user)
        except UserFacingError as exc:
            self.failed.emit(str(exc))
            return
        self.enrolled_changed.emit(voice is not None)
        if user is None:
            self.status_changed.emit("Sign in to enroll your voice.")
        elif voice is None:
            self.status_changed.emit(
                "Not enrolled. Sessions tell you apart from the client by the conversation "
                "(who opens and who asks); enrolling makes it certain from the first words."
            )
        else:
            self.status_changed.emit(
                f"Enrolled on {voice.enrolled_at:%d %b %Y} "
                f"({voice.speech_seconds:.0f} s of speech)."
            )
