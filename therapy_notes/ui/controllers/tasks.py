"""A set of tasks a controller owns: started, logged when they fail, cancelled at shutdown."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any

_log = logging.getLogger(__name__)


class TaskGroup:
    """Keeps strong references to running tasks (asyncio holds only weak ones)."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=f"{self._owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            # Controllers turn environment failures into messages; what arrives here is a bug.
            _log.error("%s failed", task.get_name(), exc_info=exc)
            sys.excepthook(type(exc), exc, exc.__traceback__)

    @property
    def is_busy(self) -> bool:
        return bool(self._tasks)

    async def wait(self) -> None:
        """Until every running task has finished (used by tests and by shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
