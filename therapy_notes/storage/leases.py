"""Which recordings are alive on a shared database: a lease per recording desktop.

A session that says "recording" after its app died is an interrupted recording, offered
for recovery at the next start. On the desktop's own SQLite file every such session is
one (the app asks before it records). On a clinic's PostgreSQL database another desktop
may be recording right now, and its session must not be offered to anyone.

So a desktop that starts a recording takes a PostgreSQL session-level advisory lock on
its id, on a connection of its own that lives as long as the `Database`, and lets go when
the session stops recording. Whoever asks what is interrupted tries that lock: held means
someone is recording; free means no one is. A desktop that crashes or loses the network
loses its connection, and the server drops its locks with it, so its session shows as
interrupted without anyone having to clean up.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

LEASE_KEY = 0x746E
"""First half of every lease's two-part advisory lock key; the second is the session id."""
_LOCK = text("SELECT pg_advisory_lock(:key, :id)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key, :id)")
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key, :id)")
_HELD_HERE = text(
    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND classid = :key AND objid = :id AND objsubid = 2 AND granted"
)


class RecordingLeases:
    """The recording leases this process holds, on one connection of their own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def hold(self, session_id: int) -> None:
        """Mark `session_id` as being recorded here until `release` (or this process ends).

        A lease connection the network or a server restart took away is opened again, and
        the leases it held are taken again with it.
        """
        with self._lock:
            if session_id in self._held and self._connection is not None:
                return
            self._held.add(session_id)
            try:
                self._lock_all(self._connect())
            except SQLAlchemyError:
                self._drop()  # one retry on a fresh connection; its failure is the caller's
                self._lock_all(self._connect())

    def release(self, session_id: int) -> None:
        """The session stopped recording here.

        Never fails: a lease whose connection is gone is already released by the server,
        and a recording must stop (and be saved as a draft) whatever became of it.
        """
        with self._lock:
            if session_id not in self._held:
                return
            self._held.discard(session_id)
            if self._connection is None:
                return
            try:
                self._connection.execute(_UNLOCK, {"key": LEASE_KEY, "id": session_id})
            except SQLAlchemyError as exc:
                logger.warning("recording lease connection lost: %s", type(exc).__name__)
                self._drop()

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"  # the lock outlives every transaction
            )
        return self._connection

    def _lock_all(self, connection: Connection) -> None:
        for held in sorted(self._held):
            # Session-level locks stack: taking one again would need two unlocks, so only
            # a lock this connection does not hold yet is taken.
            already = connection.execute(_HELD_HERE, {"key": LEASE_KEY, "id": held}).scalar()
            if not already:
                connection.execute(_LOCK, {"key": LEASE_KEY, "id": held})

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except SQLAlchemyError as exc:
                logger.warning("closing a lost lease connection failed: %s", type(exc).__name__)

    def close(self) -> None:
        """Let go of every lease (closing the connection does)."""
        with self._lock:
            self._held.clear()
            if self._connection is not None:
                try:
                    self._connection.close()
                finally:
                    self._connection = None


def is_recording_somewhere(session: Session, session_id: int) -> bool:
    """True while some desktop (this one included) holds the session's recording lease."""
    taken = session.execute(_TRY_LOCK, {"key": LEASE_KEY, "id": session_id}).scalar_one()
    if taken:
        session.execute(_UNLOCK, {"key": LEASE_KEY, "id": session_id})
    return not taken
