"""Stored sessions as the window lists, opens and searches them.

The rows of a patient's sessions with their usage and cost, one session's transcript and
note, what one session used, and full-text search. Every stored-data use case about
sessions is here, so the UI never opens a unit of work. Each call runs in one unit of
work on a worker thread, so a slow disk never freezes the window; a session being
recorded is read as far as it is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from therapy_notes.domain.audit import SearchHit
from therapy_notes.domain.notes import Note
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.services.ports import UnitOfWork

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One row of the sessions table."""

    record: SessionRecord
    usage: TokenUsage
    cost_usd: float

    @property
    def duration_s(self) -> int | None:
        if self.record.ended_at is None:
            return None
        return max(0, int((self.record.ended_at - self.record.started_at).total_seconds()))


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """A stored session as the session view shows it."""

    record: SessionRecord
    segments: tuple[Segment, ...]
    note: Note


@dataclass(frozen=True, slots=True)
class SessionUsage:
    """What one session used: its tokens and their cost."""

    usage: TokenUsage
    cost_usd: float


class SessionsService:
    """Reads stored sessions for the window's lists, session view and search. Asyncio, Qt-free.

    Args:
        uow_factory: units of work on the database (run in a worker thread each).
    """

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow_factory = uow_factory

    async def _run(self, work: Callable[[UnitOfWork], _T]) -> _T:
        def in_thread() -> _T:
            with self._uow_factory() as uow:
                return work(uow)

        return await asyncio.to_thread(in_thread)

    async def summaries(self, patient_id: int | None) -> list[SessionSummary]:
        """The patient's sessions, or (for None) those of no patient, newest first.

        Sessions of no patient are listed whatever their status (recording, draft, signed).
        """

        def read(uow: UnitOfWork) -> list[SessionSummary]:
            if patient_id is not None:
                records = uow.sessions.for_patient(patient_id)
            else:
                records = [
                    r
                    for status in SessionStatus
                    for r in uow.sessions.with_status(status)
                    if r.patient_id is None
                ]
            records.sort(key=lambda r: r.started_at, reverse=True)
            return [
                SessionSummary(r, uow.usage.total(r.id), uow.usage.cost_usd(r.id)) for r in records
            ]

        return await self._run(read)

    async def usage(self, session_id: int) -> SessionUsage:
        """The tokens one session used and what they cost."""
        return await self._run(
            lambda uow: SessionUsage(uow.usage.total(session_id), uow.usage.cost_usd(session_id))
        )

    async def detail(self, session_id: int) -> SessionDetail:
        """The session with its transcript and note, as stored now.

        Raises:
            NotFoundError: there is no such session (deleted meanwhile).
        """
        return await self._run(
            lambda uow: SessionDetail(
                uow.sessions.get(session_id),
                tuple(uow.segments.for_session(session_id)),
                uow.notes.load(session_id),
            )
        )

    async def search(self, query: str) -> list[SearchHit]:
        """Transcript segments and note entries matching `query`, best first."""
        return await self._run(lambda uow: uow.search.search(query))
