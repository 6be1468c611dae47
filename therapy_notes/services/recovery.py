"""Sessions a crash left open: list them on start, and hand each back as a draft.

Segments are committed as they arrive, so a session whose app died (power cut, kill, crash)
is complete up to its last second but still says "recording". Nothing is lost by leaving
it so; the clinician decides, and recovering it makes it a draft they can finish and sign.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.session import InterruptedSession, SessionStatus
from therapy_notes.errors import UserFacingError
from therapy_notes.services.ports import UnitOfWorkFactory

logger = logging.getLogger(__name__)

RECOVER_ACTION = "recover_interrupted_session"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RecoveryService:
    """Lists and recovers interrupted sessions; run it before any new recording starts.

    A session recording in this very process also says "recording", so the app asks once at
    start, before its recorder exists.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def find_interrupted(self) -> list[InterruptedSession]:
        """Interrupted sessions, oldest first, each with its saved segment count."""
        return await asyncio.to_thread(self._find)

    async def recover(self, session_id: int, actor: str) -> InterruptedSession:
        """Make an interrupted session a draft and record who did it in the audit trail.

        Raises:
            NotFoundError: there is no such session.
            UserFacingError: the session is not interrupted (it was recovered already, or is
                a draft or signed note), so nothing was changed.
        """
        return await asyncio.to_thread(self._recover, session_id, actor)

    def _find(self) -> list[InterruptedSession]:
        with self._uow_factory() as uow:
            found = [
                InterruptedSession(
                    s.id,
                    s.patient_id,
                    s.template,
                    s.started_at,
                    len(uow.segments.for_session(s.id)),
                )
                for s in uow.sessions.interrupted()
            ]
        logger.info("interrupted sessions found: %d", len(found))
        return found

    def _recover(self, session_id: int, actor: str) -> InterruptedSession:
        now = self._clock()
        with self._uow_factory() as uow:
            session = uow.sessions.get(session_id)
            if session.status is not SessionStatus.RECORDING:
                raise UserFacingError(
                    f"Session {session_id} is not an interrupted recording (it is "
                    f"{session.status.value}), so it was left as it is."
                )
            if session_id not in {s.id for s in uow.sessions.interrupted()}:
                raise UserFacingError(
                    f"Session {session_id} is being recorded on another computer right now, "
                    "so it was left as it is. It can be recovered if that recording stops "
                    "without being saved."
                )
            segments = uow.segments.for_session(session_id)
            # The audio ended where its last saved segment ended: the crash time is unknown.
            spoken_ms = max((s.end_ms for s in segments), default=0)
            ended_at = session.ended_at or session.started_at + timedelta(milliseconds=spoken_ms)
            uow.sessions.set_status(session_id, SessionStatus.DRAFT, ended_at)
            uow.audit.record(
                AuditRecord(
                    actor,
                    RECOVER_ACTION,
                    "session",
                    session_id,
                    now,
                    json.dumps({"status": SessionStatus.RECORDING.value}),
                    json.dumps(
                        {
                            "status": SessionStatus.DRAFT.value,
                            "segments": len(segments),
                            "ended_at": ended_at.isoformat(),
                        }
                    ),
                )
            )
        logger.info("session %d recovered as a draft (%d segments)", session_id, len(segments))
        return InterruptedSession(
            session_id, session.patient_id, session.template, session.started_at, len(segments)
        )
