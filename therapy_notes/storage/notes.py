"""A session's note: entries, measurements and risk flags, each refused once signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update

from therapy_notes.domain.notes import EntrySource, Measurement, Note, NoteEntry, RiskFlag, RiskKind
from therapy_notes.errors import EditConflictError
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import (
    MeasurementRow,
    NoteEntryRow,
    RiskFlagRow,
    SessionRow,
    utc_now,
)
from therapy_notes.storage.repository import Repository


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


class SqlNoteRepository(Repository):
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
