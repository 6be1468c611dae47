"""Patient profiles for the `get_patient_profile` tool, cached with an expiry.

The model may ask for the profile many times in a session, in parallel tool calls; the
source (the local registry today, a FHIR server later) is asked once per patient per TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from therapy_notes.domain.patients import Patient, PatientProfile


class _Patients(Protocol):
    def get(self, patient_id: int) -> Patient: ...


class PatientSource(Protocol):
    """A unit of work with a `patients` repository (any `UnitOfWork` will do)."""

    @property
    def patients(self) -> _Patients: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ProfileCache:
    """`get` answers from memory until `ttl_s` passes; `invalidate` after an edit.

    Thread-safe, and a miss holds the lock while it loads, so parallel tool calls for the
    same patient cause one read, not several.
    """

    def __init__(
        self,
        uow_factory: Callable[[], PatientSource],
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("the cache lifetime must be positive")
        self._uow_factory = uow_factory
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, PatientProfile]] = {}

    def get(self, patient_id: int) -> PatientProfile:
        """The patient's profile; raises `NotFoundError` (never cached) for an unknown id."""
        with self._lock:
            cached = self._entries.get(patient_id)
            now = self._clock()
            if cached is not None and now < cached[0]:
                return cached[1]
            with self._uow_factory() as uow:
                profile = PatientProfile.of(uow.patients.get(patient_id))
            self._entries[patient_id] = (self._clock() + self._ttl_s, profile)
            return profile

    def invalidate(self, patient_id: int) -> None:
        """Forget one patient, so the next `get` reads the source again."""
        with self._lock:
            self._entries.pop(patient_id, None)

    def clear(self) -> None:
        """Forget everyone (e.g. when the database is switched)."""
        with self._lock:
            self._entries.clear()
