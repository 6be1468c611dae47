"""Sessions and their transcript segments (with each segment's speaker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus, SpeakerRole
from therapy_notes.errors import NoteLockedError
from therapy_notes.storage.errors import DatabaseLocation, translated
from therapy_notes.storage.leases import RecordingLeases, is_recording_somewhere
from therapy_notes.storage.orm import (
    PatientRow,
    SegmentRow,
    SessionRow,
)
from therapy_notes.storage.repository import Repository


def _session_record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        patient_id=row.patient_id,
        template=row.template,
        engine=row.engine,
        status=SessionStatus(row.status),
        started_at=row.started_at,
        ended_at=row.ended_at,
        title=row.title,
    )


class SqlSessionRepository(Repository):
    """Recording sessions and their status (`SessionRepository`).

    On a shared database a session started here is leased to this desktop while it records
    (`leases`), so other desktops never take it for an interrupted one.
    """

    def __init__(
        self, session: Session, where: DatabaseLocation, leases: RecordingLeases | None = None
    ) -> None:
        super().__init__(session, where)
        self._leases = leases

    @translated
    def start(
        self, patient_id: int | None, template: str, engine: str, started_at: datetime
    ) -> SessionRecord:
        if patient_id is not None:
            self._require(PatientRow, patient_id, "Patient")
        row = SessionRow(
            patient_id=patient_id,
            template=template,
            engine=engine,
            status=SessionStatus.RECORDING.value,
            started_at=started_at,
        )
        self._session.add(row)
        self._session.flush()
        if self._leases is not None:
            self._leases.hold(row.id)
        return _session_record(row)

    @translated
    def get(self, session_id: int) -> SessionRecord:
        return _session_record(self._require(SessionRow, session_id, "Session"))

    @translated
    def hold(self, session_id: int) -> SessionRecord:
        """The session, with its note held against other writers until this unit of work ends.

        Whatever reads a note to change it (an edit, a sign-off, an addendum) calls this
        first, so on a shared database it reads what the last writer committed and no one
        changes the note between that read and its own write.
        """
        return _session_record(self._hold_session(session_id))

    @translated
    def set_status(
        self, session_id: int, status: SessionStatus, ended_at: datetime | None = None
    ) -> None:
        row = self._require(SessionRow, session_id, "Session")
        if row.status == SessionStatus.SIGNED.value and status != SessionStatus.SIGNED:
            raise NoteLockedError(
                f"Session {session_id} is signed; its status can no longer change."
            )
        row.status = SessionStatus(status).value
        if ended_at is not None:
            row.ended_at = ended_at
        self._session.flush()
        if self._leases is not None and status != SessionStatus.RECORDING:
            self._leases.release(session_id)

    @translated
    def for_patient(self, patient_id: int) -> list[SessionRecord]:
        """The patient's sessions, newest first."""
        self._require(PatientRow, patient_id, "Patient")
        query = (
            select(SessionRow)
            .where(SessionRow.patient_id == patient_id)
            .order_by(SessionRow.started_at.desc(), SessionRow.id.desc())
        )
        return [_session_record(row) for row in self._session.scalars(query)]

    @translated
    def with_status(self, status: SessionStatus) -> list[SessionRecord]:
        """Sessions in `status`, oldest first (e.g. recordings a crash left open)."""
        query = (
            select(SessionRow)
            .where(SessionRow.status == SessionStatus(status).value)
            .order_by(SessionRow.started_at, SessionRow.id)
        )
        return [_session_record(row) for row in self._session.scalars(query)]

    @translated
    def interrupted(self) -> list[SessionRecord]:
        """Sessions left in "recording" that no one is recording any more, oldest first.

        On SQLite that is every one (the app asks before it records). On a shared database
        a session whose desktop still holds its recording lease is being recorded right now
        and is left out; a crashed desktop's lease went with its connection.
        """
        recording = self.with_status(SessionStatus.RECORDING)
        if not self._is_server:
            return recording
        return [s for s in recording if not is_recording_somewhere(self._session, s.id)]

    @translated
    def delete(self, session_id: int) -> None:
        """Delete a session with its transcript, note, usage and search index entries.

        A signed session is a clinical record and is refused (`NoteLockedError`).
        """
        self._require_unsigned(session_id)
        self._session.execute(delete(SessionRow).where(SessionRow.id == session_id))
        self._session.expunge_all()


def _segment(row: SegmentRow) -> Segment:
    try:
        speaker = SpeakerRole(row.speaker)
    except ValueError:
        speaker = SpeakerRole.UNKNOWN
    return Segment(row.item_id, row.start_ms, row.end_ms, row.text, id=row.id, speaker=speaker)


class SqlSegmentRepository(Repository):
    """Final transcript segments (`SegmentRepository`)."""

    @translated
    def add(self, session_id: int, segment: Segment) -> Segment:
        """Store a segment; a replayed turn (known item id) returns the stored one instead."""
        self._require(SessionRow, session_id, "Session")
        stored = self._session.scalars(
            select(SegmentRow).where(
                SegmentRow.session_id == session_id, SegmentRow.item_id == segment.item_id
            )
        ).first()
        if stored is not None:
            return _segment(stored)
        row = SegmentRow(
            session_id=session_id,
            item_id=segment.item_id,
            start_ms=segment.start_ms,
            end_ms=segment.end_ms,
            text=segment.text,
            speaker=segment.speaker.value,
        )
        self._session.add(row)
        self._session.flush()
        return _segment(row)

    @translated
    def set_speakers(self, session_id: int, speakers: dict[int, SpeakerRole]) -> None:
        """Relabel segments (segment id -> role): a role swap or a later, settled guess.

        A signed session is a clinical record and is refused (`NoteLockedError`).
        """
        self._require(SessionRow, session_id, "Session")
        self._require_unsigned(session_id)
        rows = self._session.scalars(
            select(SegmentRow).where(
                SegmentRow.session_id == session_id, SegmentRow.id.in_(list(speakers))
            )
        )
        for row in rows:
            row.speaker = speakers[row.id].value
        self._session.flush()

    @translated
    def for_session(self, session_id: int) -> list[Segment]:
        """The session's transcript in audio order."""
        self._require(SessionRow, session_id, "Session")
        query = (
            select(SegmentRow)
            .where(SegmentRow.session_id == session_id)
            .order_by(SegmentRow.start_ms, SegmentRow.id)
        )
        return [_segment(row) for row in self._session.scalars(query)]
