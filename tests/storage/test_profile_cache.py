"""The patient profile cache: one read per patient per TTL, counted at the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event

from therapy_notes.domain.patients import Patient, PatientProfile
from therapy_notes.errors import NotFoundError
from therapy_notes.storage import Database, ProfileCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def patient_reads(db: Database) -> Iterator[list[str]]:
    """Every SELECT on the patients table, as the database sees it."""
    seen: list[str] = []

    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM patients" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", _count)


@pytest.fixture
def patient(db: Database) -> Patient:
    with db.uow_factory() as uow:
        return uow.patients.add(
            Patient("Rae Quinn", diagnoses=("CVA",), goals=("dress alone",), precautions=("falls",))
        )


def _id(patient: Patient) -> int:
    assert patient.id is not None
    return patient.id


def test_second_get_within_ttl_does_not_query(
    db: Database, patient: Patient, patient_reads: list[str]
) -> None:
    clock = FakeClock()
    cache = ProfileCache(db.uow_factory, ttl_s=300, clock=clock)
    first = cache.get(_id(patient))
    clock.now += 299
    second = cache.get(_id(patient))
    assert first == second == PatientProfile.of(patient)
    assert len(patient_reads) == 1


def test_profile_expires_after_ttl(
    db: Database, patient: Patient, patient_reads: list[str]
) -> None:
    clock = FakeClock()
    cache = ProfileCache(db.uow_factory, ttl_s=300, clock=clock)
    cache.get(_id(patient))
    with db.uow_factory() as uow:
        uow.patients.update(replace(patient, goals=("walk 100 m",)))
    patient_reads.clear()
    clock.now += 299.9
    assert cache.get(_id(patient)).goals == ("dress alone",)
    assert patient_reads == []
    clock.now += 0.1
    assert cache.get(_id(patient)).goals == ("walk 100 m",)
    assert len(patient_reads) == 1


def test_invalidate_forces_a_fresh_read(
    db: Database, patient: Patient, patient_reads: list[str]
) -> None:
    cache = ProfileCache(db.uow_factory, clock=FakeClock())
    cache.get(_id(patient))
    with db.uow_factory() as uow:
        uow.patients.update(replace(patient, precautions=()))
    patient_reads.clear()
    assert cache.get(_id(patient)).precautions == ("falls",)  # still cached
    assert patient_reads == []
    cache.invalidate(_id(patient))
    assert cache.get(_id(patient)).precautions == ()
    assert len(patient_reads) == 1


def test_parallel_tool_calls_read_the_patient_once(
    db: Database, patient: Patient, patient_reads: list[str]
) -> None:
    cache = ProfileCache(db.uow_factory, clock=FakeClock())
    with ThreadPoolExecutor(max_workers=8) as pool:
        profiles = list(pool.map(lambda _: cache.get(_id(patient)), range(16)))
    assert len(set(profiles)) == 1
    assert len(patient_reads) == 1


def test_unknown_patient_is_not_cached(db: Database, patient_reads: list[str]) -> None:
    cache = ProfileCache(db.uow_factory, clock=FakeClock())
    for _ in range(2):
        with pytest.raises(NotFoundError):
            cache.get(31337)
    assert len(patient_reads) == 2


def test_ttl_must_be_positive(db: Database) -> None:
    factory: Callable[[], Any] = db.uow_factory
    with pytest.raises(ValueError, match="positive"):
        ProfileCache(factory, ttl_s=0)
