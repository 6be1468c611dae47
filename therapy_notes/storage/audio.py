"""Kept session audio, in the encrypted database so it is as safe as the transcript.

Chunks are committed as they arrive (about one a second), so after a crash the audio up to
the last second is there with the segments, ready for recovery.
"""

from __future__ import annotations

from sqlalchemy import func, select

from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import AudioChunkRow, SessionRow
from therapy_notes.storage.repository import Repository


class SqlAudioRepository(Repository):
    """`AudioRepository`: append-only PCM chunks per session, read back in order."""

    @translated
    def add(self, session_id: int, start_ms: int, pcm16: bytes) -> None:
        self._require(SessionRow, session_id, "Session")
        self._session.add(
            AudioChunkRow(
                session_id=session_id, start_ms=start_ms, duration_ms=len(pcm16) // 48, pcm16=pcm16
            )
        )
        self._session.flush()

    @translated
    def duration_ms(self, session_id: int) -> int:
        total = self._session.execute(
            select(func.coalesce(func.sum(AudioChunkRow.duration_ms), 0)).where(
                AudioChunkRow.session_id == session_id
            )
        ).scalar_one()
        return int(total)

    @translated
    def read(self, session_id: int) -> bytes:
        """The session's kept audio as one PCM16 stream (24 kHz mono)."""
        chunks = self._session.execute(
            select(AudioChunkRow.pcm16)
            .where(AudioChunkRow.session_id == session_id)
            .order_by(AudioChunkRow.start_ms)
        ).scalars()
        return b"".join(chunks)
