"""Transactions of a live session, each on a worker thread.

The recording service and its collaborators (the note tools, the turn hand-over) all
write as the session goes; one writer runs every write in its own unit of work off the
event loop, so a slow disk never stalls the transcript or the audio.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from therapy_notes.services.ports import UnitOfWork

T = TypeVar("T")


class SessionWriter:
    """Runs one piece of work per transaction, off the event loop."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow_factory = uow_factory

    async def write(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run `work` in one transaction on a worker thread: disk never blocks the loop."""

        def run() -> T:
            with self._uow_factory() as uow:
                return work(uow)

        return await asyncio.to_thread(run)
