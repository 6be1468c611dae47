"""The unit of work: commit on success, roll back on error, one Session per use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment
from therapy_notes.storage import SqlUnitOfWork


class BoomError(Exception):
    pass


def test_clean_exit_commits(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    with uow_factory() as uow:
        uow.patients.add(Patient("Kim Lo"))
    with uow_factory() as uow:
        assert [p.name for p in uow.patients.list()] == ["Kim Lo"]


def test_exception_rolls_back_everything_in_the_unit(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    def add_two_then_fail() -> None:
        with uow_factory() as uow:
            uow.patients.add(Patient("Kim Lo"))
            uow.patients.add(Patient("Ira Moss"))
            raise BoomError

    with pytest.raises(BoomError):
        add_two_then_fail()
    with uow_factory() as uow:
        assert uow.patients.list() == []


def test_a_unit_of_work_is_entered_once(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    uow = uow_factory()
    with uow:
        pass
    with pytest.raises(RuntimeError, match="entered once"), uow:
        pass


def test_each_unit_has_its_own_session(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    with uow_factory() as first:
        first_patients = first.patients
    with uow_factory() as second:
        assert second.patients is not first_patients


async def test_units_run_in_worker_threads_as_services_use_them(
    uow_factory: Callable[[], SqlUnitOfWork], session_id: int
) -> None:
    def add(i: int) -> Segment:
        with uow_factory() as uow:
            return uow.segments.add(session_id, Segment(f"item_{i}", i * 100, i * 100 + 50, "x"))

    stored = await asyncio.gather(*(asyncio.to_thread(add, i) for i in range(8)))
    assert len({s.id for s in stored}) == 8


def test_concurrent_writers_wait_for_each_other_instead_of_failing(
    uow_factory: Callable[[], SqlUnitOfWork], session_id: int
) -> None:
    def write(worker: int) -> int:
        for i in range(25):
            with uow_factory() as uow:
                uow.segments.add(session_id, Segment(f"w{worker}_{i}", i, i + 1, "text"))
        return worker

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(write, range(4))) == [0, 1, 2, 3]
    with uow_factory() as uow:
        assert len(uow.segments.for_session(session_id)) == 100
