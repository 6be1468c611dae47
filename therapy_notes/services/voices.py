"""Voice enrollment: a clinician records their voice once, and sessions know which is theirs.

Without it the clinician is told from the conversation (who opens, who asks); that works
for most sessions and fails on the ones a client opens with a long story. An enrolled
voice decides from the first turns instead. The print is personal data: it is kept in the
same encrypted database as the notes, goes with the account, and can be forgotten.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.users import User, VoicePrint
from therapy_notes.errors import UserFacingError
from therapy_notes.services.ports import NotesUnitOfWorkFactory

logger = logging.getLogger(__name__)

MIN_ENROLLMENT_SPEECH_S = 8.0
"""Speech an enrollment needs: each 0.8 s window of the encoder is a noisy look at a voice,
and a print averaged over ten or more of them holds still from one reading to the next."""

ENROLLMENT_PASSAGE = (
    "Hello, I'm going to read this short passage so the app can learn my voice. "
    "During our sessions I ask how things have been since we last met, I take "
    "measurements, and I explain what we will work on next time. Reading at my usual "
    "pace, in my usual voice, in the room where I normally see clients, gives the "
    "best result. One, two, three, four, five, six, seven, eight, nine, ten."
)
"""What the enrollment dialog asks the clinician to read aloud: about 20 seconds of
ordinary speech with the numbers and questions of a session."""


class VoicePrinter(Protocol):
    """Makes a voice print from an enrollment recording (CPU work: run off the loop)."""

    def enrollment(self, pcm16_24k: bytes) -> tuple[bytes, float] | None:
        """(voice print, seconds of speech), or None when the recording holds no speech."""
        ...


class TooLittleSpeechError(UserFacingError):
    """The enrollment recording is too short or too quiet for a reliable voice print."""


class VoiceEnrollmentService:
    """Enroll, look up and forget clinicians' voices.

    Args:
        uow_factory: units of work on the database.
        printer: loads (once, lazily) what turns a recording into a voice print; a callable
            so the speaker model is only loaded when someone enrolls.
    """

    def __init__(
        self, uow_factory: NotesUnitOfWorkFactory, printer: Callable[[], VoicePrinter]
    ) -> None:
        self._uow_factory = uow_factory
        self._printer = printer

    async def enroll(self, user: User, pcm16_24k: bytes) -> VoicePrint:
        """Make `user`'s voice print from their reading and store it (replacing any older).

        Raises:
            TooLittleSpeechError: less than `MIN_ENROLLMENT_SPEECH_S` of speech was heard.
        """
        made = await asyncio.to_thread(lambda: self._printer().enrollment(pcm16_24k))
        seconds = 0.0 if made is None else made[1]
        if made is None or seconds < MIN_ENROLLMENT_SPEECH_S:
            raise TooLittleSpeechError(
                f"Only {seconds:.0f} s of speech was heard; at least "
                f"{MIN_ENROLLMENT_SPEECH_S:.0f} s is needed. Check that the right microphone "
                "is chosen, then read the whole passage aloud in your usual voice."
            )
        voice = VoicePrint(made[0], seconds, datetime.now(UTC))

        def write() -> None:
            with self._uow_factory() as uow:
                uow.users.set_voice_print(user.username, voice)
                uow.audit.record(
                    AuditRecord(
                        actor=user.username,
                        action="voice_enrolled",
                        entity="user",
                        entity_id=user.id,
                        at=voice.enrolled_at,
                        after=json.dumps({"speech_seconds": seconds}),
                    )
                )

        await asyncio.to_thread(write)
        logger.info("voice enrolled for user %s (%.1f s of speech)", user.id, seconds)
        return voice

    async def forget(self, user: User) -> None:
        """Delete `user`'s voice print; sessions go back to telling roles from the talk."""

        def write() -> None:
            with self._uow_factory() as uow:
                if uow.users.voice_print(user.username) is None:
                    return
                uow.users.set_voice_print(user.username, None)
                uow.audit.record(
                    AuditRecord(
                        actor=user.username,
                        action="voice_forgotten",
                        entity="user",
                        entity_id=user.id,
                        at=datetime.now(UTC),
                    )
                )

        await asyncio.to_thread(write)
        logger.info("voice print deleted for user %s", user.id)

    async def voice_of(self, user: User | None) -> VoicePrint | None:
        """The enrolled voice of `user` (None when nobody is signed in or not enrolled)."""
        if user is None:
            return None

        def read() -> VoicePrint | None:
            with self._uow_factory() as uow:
                return uow.users.voice_print(user.username)

        return await asyncio.to_thread(read)
