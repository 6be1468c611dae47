"""Column types: aware UTC instants only, JSON lists as tuples."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from therapy_notes.domain.session import SessionStatus
from therapy_notes.storage import SqlUnitOfWork
from therapy_notes.storage.orm import is_fts_table


def test_utc_is_preserved_and_other_offsets_are_normalised(
    uow_factory: Callable[[], SqlUnitOfWork], session_id: int
) -> None:
    berlin = timezone(timedelta(hours=1))
    ended = datetime(2025, 3, 4, 10, 15, 0, 123_456, tzinfo=berlin)
    with uow_factory() as uow:
        uow.sessions.set_status(session_id, SessionStatus.DRAFT, ended_at=ended)
    with uow_factory() as uow:
        record = uow.sessions.get(session_id)
    assert record.ended_at == ended
    assert record.ended_at is not None
    assert record.ended_at.tzinfo is UTC
    assert record.ended_at.hour == 9
    assert record.started_at == datetime(2025, 3, 4, 9, 0, 30, 250_000, tzinfo=UTC)
    assert record.started_at.tzinfo is UTC


def test_naive_datetime_is_rejected_and_nothing_is_stored(
    uow_factory: Callable[[], SqlUnitOfWork], session_id: int
) -> None:
    naive = datetime(2025, 3, 4, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive datetime"), uow_factory() as uow:
        uow.sessions.start(None, "soap", "local", naive)
    with uow_factory() as uow:
        assert uow.sessions.with_status(SessionStatus.RECORDING) == [uow.sessions.get(session_id)]


def test_fts_table_names_are_recognised() -> None:
    assert is_fts_table("segments_fts")
    assert is_fts_table("note_entries_fts_docsize")
    assert not is_fts_table("segments")
    assert not is_fts_table("note_entries")
