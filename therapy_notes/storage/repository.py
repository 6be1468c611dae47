"""What every repository shares: the Session, lookups by id, and storage's half of the note lock.

Repositories hand domain objects in and out over one unit of work's Session. Each
satisfies a Protocol of `services.ports` structurally (storage may not import services).
Methods flush so new ids are known at once, and never commit: the unit of work decides.
Unknown ids raise `NotFoundError`; database failures raise `StorageError`.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from therapy_notes.domain.note_lock import (
    LOCKED_MESSAGE,
    NOTE_AUDIT_ENTITY,
    SIGNED_ACTION,
    is_signed,
)
from therapy_notes.domain.session import SessionStatus
from therapy_notes.errors import NoteLockedError, NotFoundError
from therapy_notes.storage.errors import DatabaseLocation
from therapy_notes.storage.orm import (
    AuditRow,
    Base,
    SessionRow,
    SignatureRow,
)

_Row = TypeVar("_Row", bound=Base)


class Repository:
    """What every repository shares: the Session, the location, lookups by id."""

    def __init__(self, session: Session, where: DatabaseLocation) -> None:
        self._session = session
        self._where = where

    @property
    def where(self) -> DatabaseLocation:
        return self._where

    def _require(self, row_type: type[_Row], row_id: int, what: str) -> _Row:
        row = self._session.get(row_type, row_id)
        if row is None:
            raise NotFoundError(
                f"{what} {row_id} does not exist; it may have been deleted. "
                "Refresh the list and choose it again."
            )
        return row

    @property
    def _is_server(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    def _hold_session(self, session_id: int) -> SessionRow:
        """The session row, locked against other writers of its note until the commit.

        On SQLite the unit of work's BEGIN IMMEDIATE already holds the one write lock. On
        PostgreSQL two desktops write at once, so a row lock (SELECT ... FOR UPDATE) on the
        session orders whatever changes one note: a sign-off waits for an edit in flight
        and then reads it, an addendum waits for a co-signature, and so on. The row is read
        again (`populate_existing`) so what follows sees the latest committed state.
        """
        if not self._is_server:
            return self._require(SessionRow, session_id, "Session")
        self._session.expire_all()  # rows read before the lock are read again after it
        row = self._session.get(
            SessionRow, session_id, with_for_update=True, populate_existing=True
        )
        if row is None:
            return self._require(SessionRow, session_id, "Session")  # raises NotFoundError
        return row

    def _require_unsigned(self, session_id: int) -> SessionRow:
        """The session, if its note may still change; a signed note refuses every change.

        This is the last line of the lock (`domain.note_lock`, the same rule the services
        apply): whatever calls a repository (a service, the UI, a script), a signed note's
        entries, measurements and risks stay as they were signed. The session is held
        (`_hold_session`), so a sign-off cannot slip in between this check and the change.
        """
        row = self._hold_session(session_id)
        has_signatures = self._session.scalar(
            select(exists().where(SignatureRow.session_id == session_id))
        )
        audit_says_signed = self._session.scalar(
            select(
                exists().where(
                    AuditRow.entity == NOTE_AUDIT_ENTITY,
                    AuditRow.entity_id == session_id,
                    AuditRow.action == SIGNED_ACTION,
                )
            )
        )
        if is_signed(
            SessionStatus(row.status),
            has_signatures=bool(has_signatures),
            audit_says_signed=bool(audit_says_signed),
        ):
            raise NoteLockedError(LOCKED_MESSAGE)
        return row
