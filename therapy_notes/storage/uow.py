"""The unit of work: one Session, one transaction, every repository on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from therapy_notes.storage.audio import SqlAudioRepository
from therapy_notes.storage.audit import SqlAuditRepository
from therapy_notes.storage.errors import DatabaseLocation, storage_errors
from therapy_notes.storage.leases import RecordingLeases
from therapy_notes.storage.notes import SqlNoteRepository
from therapy_notes.storage.patients import SqlPatientRepository
from therapy_notes.storage.search import SqlSearchRepository
from therapy_notes.storage.sessions import SqlSegmentRepository, SqlSessionRepository
from therapy_notes.storage.signatures import SqlSignatureRepository
from therapy_notes.storage.usage import SqlUsageRepository
from therapy_notes.storage.users import SqlUserRepository

logger = logging.getLogger(__name__)


class SqlUnitOfWork:
    """Commits on a clean exit and rolls back on an exception; not reusable, not shared.

    Services run each unit of work inside `asyncio.to_thread`, so every one gets a fresh
    Session and never crosses a thread.
    """

    patients: SqlPatientRepository
    sessions: SqlSessionRepository
    segments: SqlSegmentRepository
    notes: SqlNoteRepository
    usage: SqlUsageRepository
    audio: SqlAudioRepository
    audit: SqlAuditRepository
    search: SqlSearchRepository
    users: SqlUserRepository
    signatures: SqlSignatureRepository

    def __init__(
        self,
        session_factory: Callable[[], Session],
        where: DatabaseLocation,
        leases: RecordingLeases | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._where = where
        self._leases = leases
        self._session: Session | None = None

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work is entered once; ask the factory for another")
        session = self._session_factory()
        with storage_errors(self._where):
            session.begin()
        self._session = session
        self.patients = SqlPatientRepository(session, self._where)
        self.sessions = SqlSessionRepository(session, self._where, self._leases)
        self.segments = SqlSegmentRepository(session, self._where)
        self.notes = SqlNoteRepository(session, self._where)
        self.usage = SqlUsageRepository(session, self._where)
        self.audio = SqlAudioRepository(session, self._where)
        self.audit = SqlAuditRepository(session, self._where)
        self.search = SqlSearchRepository(session, self._where)
        self.users = SqlUserRepository(session, self._where)
        self.signatures = SqlSignatureRepository(session, self._where)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        if session is None:
            return
        try:
            if exc is None:
                with storage_errors(self._where):
                    session.commit()
            else:
                _rollback_quietly(session)
        finally:
            _close_quietly(session)


def _rollback_quietly(session: Session) -> None:
    """Roll back after a failure without hiding the failure that caused it."""
    try:
        session.rollback()
    except SQLAlchemyError as exc:
        logger.warning("rollback failed: %s", type(exc).__name__)


def _close_quietly(session: Session) -> None:
    try:
        session.close()
    except SQLAlchemyError as exc:
        logger.warning("closing a database session failed: %s", type(exc).__name__)
