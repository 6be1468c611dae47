"""Repositories: domain objects in, domain objects out, over one unit of work's Session.

Each satisfies a Protocol of `services.ports` structurally (storage may not import
services). Methods flush so new ids are known at once, and never commit: the unit of work
decides. Unknown ids raise `NotFoundError`; database failures raise `StorageError`.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TypeVar

from sqlalchemy import CursorResult, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session

from therapy_notes.domain.audit import GENESIS_HASH, AuditAnchor, AuditRecord, record_hash
from therapy_notes.domain.note_lock import (
    LOCKED_MESSAGE,
    NOTE_AUDIT_ENTITY,
    SIGNED_ACTION,
    is_signed,
)
from therapy_notes.domain.notes import EntrySource, Measurement, Note, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus, SpeakerRole
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import EditConflictError, NoteLockedError, NotFoundError
from therapy_notes.storage.errors import DatabaseLocation, translated
from therapy_notes.storage.leases import RecordingLeases, is_recording_somewhere
from therapy_notes.storage.orm import (
    AuditRow,
    Base,
    MeasurementRow,
    NoteEntryRow,
    PatientRow,
    RiskFlagRow,
    SegmentRow,
    SessionRow,
    SignatureRow,
    UsageRow,
    utc_now,
)

USAGE_KINDS = ("transcription", "response")
AUDIT_CHAIN_LOCK_KEY = 0x7468_6E61
"""PostgreSQL advisory lock that orders appends to the audit chain across desktops."""

_Row = TypeVar("_Row", bound=Base)


class _Repository:
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


# --- patients ------------------------------------------------------------------------------


def _patient(row: PatientRow) -> Patient:
    return Patient(
        name=row.name,
        identifier=row.identifier,
        date_of_birth=row.date_of_birth,
        diagnoses=tuple(row.diagnoses),
        goals=tuple(row.goals),
        precautions=tuple(row.precautions),
        preferred_template=row.preferred_template,
        id=row.id,
    )


class SqlPatientRepository(_Repository):
    """Patients of the local registry (`PatientRepository`)."""

    @translated
    def add(self, patient: Patient) -> Patient:
        row = PatientRow(id=patient.id)
        self._fill(row, patient)
        self._session.add(row)
        self._session.flush()
        return _patient(row)

    @translated
    def get(self, patient_id: int) -> Patient:
        return _patient(self._require(PatientRow, patient_id, "Patient"))

    @translated
    def update(self, patient: Patient) -> None:
        if patient.id is None:
            raise ValueError("an unsaved patient cannot be updated; add it first")
        row = self._require(PatientRow, patient.id, "Patient")
        self._fill(row, patient)
        row.updated_at = utc_now()
        self._session.flush()

    @staticmethod
    def _fill(row: PatientRow, patient: Patient) -> None:
        row.name = patient.name
        row.identifier = patient.identifier
        row.date_of_birth = patient.date_of_birth
        row.diagnoses = patient.diagnoses
        row.goals = patient.goals
        row.precautions = patient.precautions
        row.preferred_template = patient.preferred_template

    @translated
    def list(self, search: str = "") -> builtins.list[Patient]:
        """Patients by name; `search` matches part of the name or identifier, any case."""
        query = select(PatientRow).order_by(PatientRow.name, PatientRow.id)
        if search.strip():
            term = search.strip()
            query = query.where(
                or_(
                    PatientRow.name.icontains(term, autoescape=True),
                    PatientRow.identifier.icontains(term, autoescape=True),
                )
            )
        return [_patient(row) for row in self._session.scalars(query)]


# --- sessions and segments -----------------------------------------------------------------


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


class SqlSessionRepository(_Repository):
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


class SqlSegmentRepository(_Repository):
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


# --- notes ---------------------------------------------------------------------------------


def _entry(row: NoteEntryRow) -> NoteEntry:
    return NoteEntry(
        section=row.section,
        text=row.text,
        source=EntrySource(row.source),
        segment_ids=tuple(int(i) for i in row.segment_ids),
        id=row.id,
        created_at=row.created_at,
        version=row.version,
    )


def _measurement(row: MeasurementRow) -> Measurement:
    return Measurement(
        kind=row.kind,
        value=row.value,
        unit=row.unit,
        body_part=row.body_part,
        side=row.side,
        segment_ids=tuple(int(i) for i in row.segment_ids),
        id=row.id,
    )


def _risk(row: RiskFlagRow) -> RiskFlag:
    return RiskFlag(
        kind=RiskKind(row.kind),
        evidence=row.evidence,
        segment_ids=tuple(int(i) for i in row.segment_ids),
        id=row.id,
        acknowledged_at=row.acknowledged_at,
    )


def _conflict(entry_id: int) -> EditConflictError:
    return EditConflictError(
        f"Note entry {entry_id} was changed by someone else after you opened it, so your "
        "edit was not saved and nothing was overwritten. Reload the note to see their "
        "version, then make your change again."
    )


class SqlNoteRepository(_Repository):
    """Note entries, measurements and risk flags (`NoteRepository`).

    Changes are not audited here: services write the audit record, with the author.
    """

    @translated
    def add_entry(self, session_id: int, entry: NoteEntry) -> NoteEntry:
        self._require_unsigned(session_id)
        created_at = entry.created_at or utc_now()
        row = NoteEntryRow(
            session_id=session_id,
            section=entry.section,
            text=entry.text,
            source=EntrySource(entry.source).value,
            segment_ids=entry.segment_ids,
            created_at=created_at,
            updated_at=created_at,
        )
        self._session.add(row)
        self._session.flush()
        return _entry(row)

    @translated
    def update_entry(
        self, entry_id: int, text: str, source: str, expected_version: int | None = None
    ) -> NoteEntry:
        """Replace an entry's text, as a compare-and-set on its version.

        `expected_version` is the version the editor started from: if the stored entry has
        moved on, or another writer saves it between this read and the write (the UPDATE
        names the version it read), nothing is written and `EditConflictError` is raised.
        """
        row = self._require(NoteEntryRow, entry_id, "Note entry")
        self._require_unsigned(row.session_id)
        read_version = row.version
        if expected_version is not None and read_version != expected_version:
            raise _conflict(entry_id)
        result = self._session.execute(
            update(NoteEntryRow)
            .where(NoteEntryRow.id == entry_id, NoteEntryRow.version == read_version)
            .values(
                text=text,
                source=EntrySource(source).value,
                updated_at=utc_now(),
                version=read_version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if not isinstance(result, CursorResult) or result.rowcount != 1:
            raise _conflict(entry_id)
        self._session.refresh(row)
        return _entry(row)

    @translated
    def get_entry(self, entry_id: int) -> tuple[int, NoteEntry]:
        """(session id, entry) of one note entry."""
        row = self._require(NoteEntryRow, entry_id, "Note entry")
        return row.session_id, _entry(row)

    @translated
    def delete_entry(self, entry_id: int) -> None:
        row = self._require(NoteEntryRow, entry_id, "Note entry")
        self._require_unsigned(row.session_id)
        self._session.delete(row)
        self._session.flush()

    @translated
    def add_measurement(self, session_id: int, measurement: Measurement) -> Measurement:
        self._require_unsigned(session_id)
        row = MeasurementRow(
            session_id=session_id,
            kind=measurement.kind,
            value=measurement.value,
            unit=measurement.unit,
            body_part=measurement.body_part,
            side=measurement.side,
            segment_ids=measurement.segment_ids,
        )
        self._session.add(row)
        self._session.flush()
        return _measurement(row)

    @translated
    def add_risk(self, session_id: int, risk: RiskFlag) -> RiskFlag:
        self._require_unsigned(session_id)
        row = RiskFlagRow(
            session_id=session_id,
            kind=RiskKind(risk.kind).value,
            evidence=risk.evidence,
            segment_ids=risk.segment_ids,
            acknowledged_at=risk.acknowledged_at,
        )
        self._session.add(row)
        self._session.flush()
        return _risk(row)

    @translated
    def acknowledge_risk(self, risk_id: int, at: datetime) -> None:
        row = self._require(RiskFlagRow, risk_id, "Risk flag")
        self._require_unsigned(row.session_id)
        row.acknowledged_at = at
        self._session.flush()

    @translated
    def load(self, session_id: int) -> Note:
        """The session's note: entries, measurements and risks in the order they came."""
        session_row = self._require(SessionRow, session_id, "Session")
        entries = self._session.scalars(
            select(NoteEntryRow)
            .where(NoteEntryRow.session_id == session_id)
            .order_by(NoteEntryRow.id)
        )
        measurements = self._session.scalars(
            select(MeasurementRow)
            .where(MeasurementRow.session_id == session_id)
            .order_by(MeasurementRow.id)
        )
        risks = self._session.scalars(
            select(RiskFlagRow).where(RiskFlagRow.session_id == session_id).order_by(RiskFlagRow.id)
        )
        return Note(
            session_id=session_id,
            template=session_row.template,
            entries=[_entry(r) for r in entries],
            measurements=[_measurement(r) for r in measurements],
            risks=[_risk(r) for r in risks],
        )


# --- usage and audit -----------------------------------------------------------------------


class SqlUsageRepository(_Repository):
    """Token usage records and their cost (`UsageRepository`)."""

    @translated
    def add(
        self, session_id: int, kind: str, usage: TokenUsage, cost_usd: float, at: datetime
    ) -> None:
        if kind not in USAGE_KINDS:
            raise ValueError(f"usage kind must be one of {', '.join(USAGE_KINDS)}")
        self._require(SessionRow, session_id, "Session")
        self._session.add(
            UsageRow(
                session_id=session_id,
                kind=kind,
                input_text_tokens=usage.input_text_tokens,
                input_audio_tokens=usage.input_audio_tokens,
                cached_text_tokens=usage.cached_text_tokens,
                cached_audio_tokens=usage.cached_audio_tokens,
                output_text_tokens=usage.output_text_tokens,
                output_audio_tokens=usage.output_audio_tokens,
                cost_usd=cost_usd,
                at=at,
            )
        )
        self._session.flush()

    @translated
    def total(self, session_id: int) -> TokenUsage:
        self._require(SessionRow, session_id, "Session")
        columns = (
            UsageRow.input_text_tokens,
            UsageRow.input_audio_tokens,
            UsageRow.cached_text_tokens,
            UsageRow.cached_audio_tokens,
            UsageRow.output_text_tokens,
            UsageRow.output_audio_tokens,
        )
        sums = self._session.execute(
            select(*(func.coalesce(func.sum(c), 0) for c in columns)).where(
                UsageRow.session_id == session_id
            )
        ).one()
        return TokenUsage(*(int(s) for s in sums))

    @translated
    def cost_usd(self, session_id: int) -> float:
        self._require(SessionRow, session_id, "Session")
        total = self._session.scalar(
            select(func.coalesce(func.sum(UsageRow.cost_usd), 0.0)).where(
                UsageRow.session_id == session_id
            )
        )
        return float(total or 0.0)


def _audit(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        at=row.at,
        before=row.before,
        after=row.after,
        id=row.id,
        prev_hash=row.prev_hash,
        record_hash=row.record_hash,
    )


class SqlAuditRepository(_Repository):
    """The append-only audit trail (`AuditRepository`): no update, no delete.

    Each record is chained to the one before it (`domain.audit`): its id is the next after
    the current head, taken inside the unit of work's write transaction (SQLite's BEGIN
    IMMEDIATE; on PostgreSQL an advisory lock held to the commit), so two writers never
    chain to the same head.
    """

    def _lock_chain(self) -> None:
        """On PostgreSQL, hold the chain until the commit: two desktops never share a head."""
        if self._is_server:
            self._session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY}
            )

    @translated
    def record(self, entry: AuditRecord) -> None:
        self._lock_chain()
        head = self._head_row()
        record_id = 1 if head is None else head.id + 1
        prev_hash = GENESIS_HASH if head is None else head.record_hash or ""
        self._session.add(
            AuditRow(
                id=record_id,
                actor=entry.actor,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                before=entry.before,
                after=entry.after,
                at=entry.at,
                prev_hash=prev_hash,
                record_hash=record_hash(entry, record_id, prev_hash),
            )
        )
        self._session.flush()

    def _head_row(self) -> AuditRow | None:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(1)
        return self._session.scalars(query).first()

    @translated
    def head(self) -> AuditAnchor | None:
        """The newest record's id and hash (what a signature anchors), None when empty."""
        self._lock_chain()
        row = self._head_row()
        return None if row is None else AuditAnchor(row.id, row.record_hash or "")

    @translated
    def chain(self) -> list[AuditRecord]:
        """The whole trail in chain (id) order, for checking it."""
        query = select(AuditRow).order_by(AuditRow.id)
        return [_audit(row) for row in self._session.scalars(query)]

    @translated
    def for_entity(self, entity: str, entity_id: int) -> list[AuditRecord]:
        """Changes to one entity, oldest first (it may since have been deleted)."""
        query = (
            select(AuditRow)
            .where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
            .order_by(AuditRow.at, AuditRow.id)
        )
        return [_audit(row) for row in self._session.scalars(query)]
