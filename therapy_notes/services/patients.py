"""Patients as the window needs them: the registry list, saving, the header, progress.

Every stored-data use case about a patient is here, so the UI never opens a unit of
work. Each call runs in one unit of work on a worker thread (a slow disk never freezes
the window). Saving a patient writes its audit record in the same transaction, and then
tells the profile cache, so the next session's tool calls see the edit at once instead
of a profile up to the cache's lifetime old. The rule of what the header shows (which
precautions are safety risks, which plan is "last") is `domain.patient_header`'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.notes import Measurement
from therapy_notes.domain.patient_header import PatientHeader, patient_header
from therapy_notes.domain.patients import Patient
from therapy_notes.services.ports import CachedProfiles, UnitOfWork

_T = TypeVar("_T")

AUDIT_ENTITY = "patient"
ADDED = "add_patient"
UPDATED = "update_patient"


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One measured value of one session."""

    at: datetime
    value: float


def series_name(m: Measurement) -> str:
    """The chart series a measurement belongs to: kind, where, and unit."""
    where = m.location
    name = m.kind.replace("_", " ").capitalize()
    if where:
        name += f" — {where}"
    return f"{name} ({m.unit})" if m.unit else name


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PatientsService:
    """Lists, saves and reads patients for the window. Asyncio, Qt-free.

    Args:
        uow_factory: units of work on the database (run in a worker thread each).
        profiles: the profile cache sessions read; told about every saved patient.
        clock: the current aware time, for audit records (tests pass a fixed one).
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        profiles: CachedProfiles | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._uow_factory = uow_factory
        self._profiles = profiles
        self._clock = clock

    async def _run(self, work: Callable[[UnitOfWork], _T]) -> _T:
        def in_thread() -> _T:
            with self._uow_factory() as uow:
                return work(uow)

        return await asyncio.to_thread(in_thread)

    async def find(self, search: str = "") -> list[Patient]:
        """The patients whose name or identifier matches `search` (all of them for "")."""
        return await self._run(lambda uow: uow.patients.list(search))

    async def names(self) -> dict[int, str]:
        """Every patient's name by id, for lists that show sessions of many patients."""
        return await self._run(
            lambda uow: {p.id: p.name for p in uow.patients.list() if p.id is not None}
        )

    async def save(self, patient: Patient, actor: str) -> Patient:
        """Add a new patient (no id) or update a stored one, audited as `actor`.

        Returns the stored patient (with its id). The profile cache forgets the patient
        once the change is committed, so no session reads the profile from before it.
        """
        at = self._clock()

        def work(uow: UnitOfWork) -> Patient:
            if patient.id is None:
                saved = uow.patients.add(patient)
                action = ADDED
            else:
                uow.patients.update(patient)
                saved, action = patient, UPDATED
            uow.audit.record(AuditRecord(actor, action, AUDIT_ENTITY, saved.id, at))
            return saved

        saved = await self._run(work)
        if self._profiles is not None and saved.id is not None:
            self._profiles.invalidate(saved.id)
        return saved

    async def header(self, patient_id: int) -> PatientHeader:
        """The patient's header: profile, marked precautions, and their last plan.

        Raises:
            NotFoundError: there is no such patient (deleted meanwhile).
        """

        def read(uow: UnitOfWork) -> PatientHeader:
            patient = uow.patients.get(patient_id)
            records = sorted(
                uow.sessions.for_patient(patient_id), key=lambda r: r.started_at, reverse=True
            )
            return patient_header(patient, ((r, uow.notes.load(r.id)) for r in records))

        return await self._run(read)

    async def progress(self, patient_id: int) -> dict[str, list[ProgressPoint]]:
        """Every measured value of the patient's sessions, by series, oldest first."""

        def read(uow: UnitOfWork) -> dict[str, list[ProgressPoint]]:
            series: dict[str, list[ProgressPoint]] = {}
            records = sorted(uow.sessions.for_patient(patient_id), key=lambda r: r.started_at)
            for record in records:
                for m in uow.notes.load(record.id).measurements:
                    series.setdefault(series_name(m), []).append(
                        ProgressPoint(record.started_at, m.value)
                    )
            return series

        return await self._run(read)
