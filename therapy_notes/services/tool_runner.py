"""Runs the tool calls of one response concurrently.

A tool that raises or outlives its timeout yields an error output for the model; it never
takes the session down, and a slow tool never delays the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from therapy_notes.domain.events import ToolCall, ToolResult
from therapy_notes.domain.link import ToolHandler

_log = logging.getLogger(__name__)


class ToolRunner:
    """Dispatches calls by name to handlers, all of one response at once."""

    def __init__(self, handlers: Mapping[str, ToolHandler], *, timeout_s: float = 10.0) -> None:
        self._handlers = dict(handlers)
        self._timeout_s = timeout_s

    async def run_all(self, calls: Sequence[ToolCall]) -> tuple[ToolResult, ...]:
        """Run every call concurrently; results come back in the calls' order."""
        return tuple(await asyncio.gather(*(self._run_one(call) for call in calls)))

    async def _run_one(self, call: ToolCall) -> ToolResult:
        handler = self._handlers.get(call.name)
        if handler is None:
            return _error(call, f"unknown tool {call.name!r}")
        try:
            arguments = _parse_arguments(call.arguments)
        except ValueError as exc:
            return _error(call, f"arguments are not a JSON object: {exc}")
        try:
            output = await asyncio.wait_for(handler(arguments), self._timeout_s)
        except TimeoutError:
            _log.warning(
                "tool %s (call %s) timed out after %.1f s", call.name, call.call_id, self._timeout_s
            )
            return _error(call, f"timed out after {self._timeout_s:g} s")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failing tool must not end the session
            _log.warning(
                "tool %s (call %s) failed: %s", call.name, call.call_id, type(exc).__name__
            )
            return _error(call, str(exc) or type(exc).__name__)
        return ToolResult(call.call_id, call.name, output)


def _parse_arguments(text: str) -> Mapping[str, Any]:
    value = json.loads(text or "{}")
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return value


def _error(call: ToolCall, message: str) -> ToolResult:
    return ToolResult(
        call.call_id, call.name, json.dumps({"ok": False, "error": message}), is_error=True
    )
