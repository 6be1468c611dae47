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
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

LEASE_KEY = 0x746E
"""First half of every lease's two-part advisory lock key; the second is the session id."""


class RecordingLeases:
    """The recording leases this process holds, on one connection of their own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def hold(self, session_id: int) -> None:
        """Mark `session_id` as being recorded here until `release` (or this process ends)."""
        with self._lock:
            if session_id in self._held:
                return
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"  # the lock outlives every transaction
                )
            self._connection.execute(
                text("SELECT pg_advisory_lock(:key, :id)"), {"key": LEASE_KEY, "id": session_id}
            )
            self._held.add(session_id)

    def release(self, session_id: int) -> None:
        """The session stopped recording here."""
        with self._lock:
            if session_id not in self._held or self._connection is None:
                return
            self._held.discard(session_id)
            self._connection.execute(
                text("SELECT pg_advisory_unlock(:key, :id)"), {"key": LEASE_KEY, "id": session_id}
            )

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
    taken = session.execute(
        text("SELECT pg_try_advisory_lock(:key, :id)"), {"key": LEASE_KEY, "id": session_id}
    ).scalar_one()
    if taken:
        session.execute(
            text("SELECT pg_advisory_unlock(:key, :id)"), {"key": LEASE_KEY, "id": session_id}
        )
    return not taken
