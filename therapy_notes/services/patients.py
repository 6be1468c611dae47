"""Patient profiles as the session view needs them: the header of one patient.

Read in one unit of work on a worker thread; the rule of what the header shows (which
precautions are safety risks, which plan is "last") is `domain.patient_header`'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from therapy_notes.domain.patient_header import PatientHeader, patient_header
from therapy_notes.services.ports import UnitOfWork


class PatientsService:
    """Reads what the window shows about a patient. Asyncio, Qt-free."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow_factory = uow_factory

    async def header(self, patient_id: int) -> PatientHeader:
        """The patient's header: profile, marked precautions, and their last plan.

        Raises:
            NotFoundError: there is no such patient (deleted meanwhile).
        """

        def read() -> PatientHeader:
            with self._uow_factory() as uow:
                patient = uow.patients.get(patient_id)
                records = sorted(
                    uow.sessions.for_patient(patient_id), key=lambda r: r.started_at, reverse=True
                )
                return patient_header(patient, ((r, uow.notes.load(r.id)) for r in records))

        return await asyncio.to_thread(read)
