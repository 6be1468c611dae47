"""An in-memory `UnitOfWork`: the storage Protocols of `services/ports.py`, without a disk.

Transactions are real: a unit of work that exits with an exception rolls back everything it
wrote, and `fail_on_write` makes the Nth write raise `StorageError`, as a full disk would.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from therapy_notes.domain.audit import AuditRecord, SearchHit
from therapy_notes.domain.notes import Measurement, Note, NoteEntry, RiskFlag
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus, SpeakerRole
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import EditConflictError, NotFoundError, StorageError


@dataclass(frozen=True, slots=True)
class UsageRow:
    session_id: int
    kind: str
    usage: TokenUsage
    cost_usd: float
    at: datetime


@dataclass(slots=True)
class MemoryData:
    """Every table, as plain lists and dicts."""

    patients: dict[int, Patient] = field(default_factory=dict)
    sessions: dict[int, SessionRecord] = field(default_factory=dict)
    segments: dict[int, list[Segment]] = field(default_factory=dict)
    entries: dict[int, list[NoteEntry]] = field(default_factory=dict)
    measurements: dict[int, list[Measurement]] = field(default_factory=dict)
    risks: dict[int, list[RiskFlag]] = field(default_factory=dict)
    usage: list[UsageRow] = field(default_factory=list)
    audio: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    next_id: int = 1


class MemoryStore:
    """The database: one transaction at a time (like SQLite), shared by every unit of work."""

    def __init__(self, *, fail_on_write: int | None = None, fail_kind: str = "") -> None:
        self.data = MemoryData()
        self.fail_on_write = fail_on_write
        self.fail_kind = fail_kind
        self.writes: dict[str, int] = {}
        self.lock = threading.RLock()

    def uow(self) -> MemoryUnitOfWork:
        """A factory for `RecordingService(uow_factory=store.uow)`."""
        return MemoryUnitOfWork(self)

    def write(self, kind: str) -> None:
        """Count a write; the `fail_on_write`th one (of `fail_kind`, if given) fails."""
        self.writes[kind] = self.writes.get(kind, 0) + 1
        self.writes[""] = self.writes.get("", 0) + 1
        counted = self.fail_kind in ("", kind)
        if counted and self.writes[self.fail_kind] == self.fail_on_write:
            raise StorageError(
                "The database could not be written (disk full). Free some space, then try again."
            )

    def new_id(self) -> int:
        value = self.data.next_id
        self.data.next_id += 1
        return value


class _Repo:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    @property
    def _data(self) -> MemoryData:
        return self._store.data


class MemoryPatients(_Repo):
    def add(self, patient: Patient) -> Patient:
        self._store.write("patient")
        saved = dataclasses.replace(patient, id=self._store.new_id())
        self._data.patients[saved.id or 0] = saved
        return saved

    def get(self, patient_id: int) -> Patient:
        try:
            return self._data.patients[patient_id]
        except KeyError:
            raise NotFoundError(f"There is no patient {patient_id}.") from None

    def update(self, patient: Patient) -> None:
        self._store.write("patient")
        self._data.patients[self.get(patient.id or 0).id or 0] = patient

    def list(self, search: str = "") -> list[Patient]:
        return [p for p in self._data.patients.values() if search.lower() in p.name.lower()]


class MemorySessions(_Repo):
    def start(
        self, patient_id: int | None, template: str, engine: str, started_at: datetime
    ) -> SessionRecord:
        self._store.write("session")
        record = SessionRecord(
            self._store.new_id(), patient_id, template, engine, SessionStatus.RECORDING, started_at
        )
        self._data.sessions[record.id] = record
        return record

    def get(self, session_id: int) -> SessionRecord:
        try:
            return self._data.sessions[session_id]
        except KeyError:
            raise NotFoundError(f"There is no session {session_id}.") from None

    def hold(self, session_id: int) -> SessionRecord:
        return self.get(session_id)  # one process, one writer: nothing to hold against

    def interrupted(self) -> list[SessionRecord]:
        return self.with_status(SessionStatus.RECORDING)  # one desktop: every one is

    def set_status(
        self, session_id: int, status: SessionStatus, ended_at: datetime | None = None
    ) -> None:
        self._store.write("session")
        record = self.get(session_id)
        self._data.sessions[session_id] = dataclasses.replace(
            record, status=status, ended_at=ended_at or record.ended_at
        )

    def for_patient(self, patient_id: int) -> list[SessionRecord]:
        return [s for s in self._data.sessions.values() if s.patient_id == patient_id]

    def with_status(self, status: SessionStatus) -> list[SessionRecord]:
        return [s for s in self._data.sessions.values() if s.status is status]

    def delete(self, session_id: int) -> None:
        self._store.write("session")
        self.get(session_id)
        del self._data.sessions[session_id]
        for table in (self._data.segments, self._data.entries):
            table.pop(session_id, None)


class MemorySegments(_Repo):
    def add(self, session_id: int, segment: Segment) -> Segment:
        for known in self._data.segments.get(session_id, []):
            if known.item_id == segment.item_id:
                return known
        self._store.write("segment")
        saved = dataclasses.replace(segment, id=self._store.new_id())
        self._data.segments.setdefault(session_id, []).append(saved)
        return saved

    def set_speakers(self, session_id: int, speakers: dict[int, SpeakerRole]) -> None:
        self._store.write("segment")
        self._data.segments[session_id] = [
            dataclasses.replace(s, speaker=speakers.get(s.id, s.speaker)) if s.id else s
            for s in self._data.segments.get(session_id, [])
        ]

    def for_session(self, session_id: int) -> list[Segment]:
        return sorted(self._data.segments.get(session_id, []), key=lambda s: s.start_ms)


class MemoryNotes(_Repo):
    def add_entry(self, session_id: int, entry: NoteEntry) -> NoteEntry:
        self._store.write("note")
        saved = dataclasses.replace(entry, id=self._store.new_id())
        self._data.entries.setdefault(session_id, []).append(saved)
        return saved

    def update_entry(
        self, entry_id: int, text: str, source: str, expected_version: int | None = None
    ) -> NoteEntry:
        self._store.write("note")
        for entries in self._data.entries.values():
            for index, entry in enumerate(entries):
                if entry.id == entry_id:
                    if expected_version is not None and entry.version != expected_version:
                        raise EditConflictError(f"Note entry {entry_id} changed meanwhile.")
                    entries[index] = dataclasses.replace(
                        entry,
                        text=text,
                        source=type(entry.source)(source),
                        version=entry.version + 1,
                    )
                    return entries[index]
        raise NotFoundError(f"There is no note entry {entry_id}.")

    def add_measurement(self, session_id: int, measurement: Measurement) -> Measurement:
        self._store.write("note")
        saved = dataclasses.replace(measurement, id=self._store.new_id())
        self._data.measurements.setdefault(session_id, []).append(saved)
        return saved

    def add_risk(self, session_id: int, risk: RiskFlag) -> RiskFlag:
        self._store.write("note")
        saved = dataclasses.replace(risk, id=self._store.new_id())
        self._data.risks.setdefault(session_id, []).append(saved)
        return saved

    def acknowledge_risk(self, risk_id: int, at: datetime) -> None:
        self._store.write("note")
        for risks in self._data.risks.values():
            for index, risk in enumerate(risks):
                if risk.id == risk_id:
                    risks[index] = dataclasses.replace(risk, acknowledged_at=at)
                    return
        raise NotFoundError(f"There is no risk flag {risk_id}.")

    def delete_entry(self, entry_id: int) -> None:
        self._store.write("note")
        for entries in self._data.entries.values():
            for index, entry in enumerate(entries):
                if entry.id == entry_id:
                    del entries[index]
                    return
        raise NotFoundError(f"There is no note entry {entry_id}.")

    def load(self, session_id: int) -> Note:
        record = MemorySessions(self._store).get(session_id)
        return Note(
            session_id,
            record.template,
            list(self._data.entries.get(session_id, [])),
            list(self._data.measurements.get(session_id, [])),
            list(self._data.risks.get(session_id, [])),
        )


class MemoryUsage(_Repo):
    def add(
        self, session_id: int, kind: str, usage: TokenUsage, cost_usd: float, at: datetime
    ) -> None:
        self._store.write("usage")
        self._data.usage.append(UsageRow(session_id, kind, usage, cost_usd, at))

    def total(self, session_id: int) -> TokenUsage:
        total = TokenUsage()
        for row in self._data.usage:
            if row.session_id == session_id:
                total = total + row.usage
        return total

    def cost_usd(self, session_id: int) -> float:
        return sum(r.cost_usd for r in self._data.usage if r.session_id == session_id)


class MemoryAudio(_Repo):
    def add(self, session_id: int, start_ms: int, pcm16: bytes) -> None:
        self._store.write("audio")
        self._data.audio.setdefault(session_id, []).append((start_ms, pcm16))

    def duration_ms(self, session_id: int) -> int:
        return sum(len(pcm) // 48 for _, pcm in self._data.audio.get(session_id, []))

    def read(self, session_id: int) -> bytes:
        return b"".join(pcm for _, pcm in sorted(self._data.audio.get(session_id, [])))


class MemoryAudit(_Repo):
    def record(self, entry: AuditRecord) -> None:
        self._store.write("audit")
        self._data.audit.append(dataclasses.replace(entry, id=self._store.new_id()))

    def for_entity(self, entity: str, entity_id: int) -> list[AuditRecord]:
        return [a for a in self._data.audit if a.entity == entity and a.entity_id == entity_id]


class MemorySearch(_Repo):
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        needle = query.lower()
        hits = [
            SearchHit(sid, "segment", s.id or 0, s.text)
            for sid, segments in self._data.segments.items()
            for s in segments
            if needle in s.text.lower()
        ]
        hits += [
            SearchHit(sid, "note_entry", e.id or 0, e.text)
            for sid, entries in self._data.entries.items()
            for e in entries
            if needle in e.text.lower()
        ]
        return hits[:limit]


class MemoryUnitOfWork:
    """One transaction over a `MemoryStore`: commits on a clean exit, else rolls back."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._snapshot: MemoryData | None = None
        self.patients = MemoryPatients(store)
        self.sessions = MemorySessions(store)
        self.segments = MemorySegments(store)
        self.notes = MemoryNotes(store)
        self.usage = MemoryUsage(store)
        self.audio = MemoryAudio(store)
        self.audit = MemoryAudit(store)
        self.search = MemorySearch(store)

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._snapshot = copy.deepcopy(self._store.data)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None and self._snapshot is not None:
                self._store.data = self._snapshot
        finally:
            self._snapshot = None
            self._store.lock.release()
