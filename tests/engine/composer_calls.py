"""Helpers for the composer's tests: labelled turns in, entries and values out."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.tools import (
    ADD_NOTE_ENTRIES,
    FLAG_RISK,
    RECORD_MEASUREMENT,
    session_instructions,
    tool_schemas,
)
from therapy_notes.engine.composer import (
    ComposerTurn,
    NoteSection,
    ToolCallSpec,
    compose,
    sections_from_session,
)
from therapy_notes.services.templates import load_template


def sections(name: str = "soap") -> list[NoteSection]:
    """The sections a session with the named template offers."""
    template = load_template(name)
    return sections_from_session(tool_schemas(template), session_instructions(template))


def turns(*lines: tuple[str, str]) -> list[ComposerTurn]:
    """("Clinician", "...") pairs as labelled transcript turns."""
    return [ComposerTurn(f"item_{i}", f"{who}: {text}") for i, (who, text) in enumerate(lines)]


def composed(*lines: tuple[str, str], template: str = "soap") -> list[ToolCallSpec]:
    """The calls for the turns, each composed with the turns before it as history."""
    history: list[ComposerTurn] = []
    calls: list[ToolCallSpec] = []
    for turn in turns(*lines):
        calls.extend(compose([turn], sections(template), history=history))
        history.append(turn)
    return calls


def entries(calls: list[ToolCallSpec]) -> list[tuple[str, str]]:
    """(section, text) of every note entry."""
    return [
        (e["section"], e["text"])
        for c in calls
        if c.name == ADD_NOTE_ENTRIES
        for e in c.arguments["entries"]
    ]


def texts(calls: list[ToolCallSpec], section: str | None = None) -> list[str]:
    """Entry texts, of one section when named."""
    return [t for s, t in entries(calls) if section is None or s == section]


def measured(calls: list[ToolCallSpec]) -> list[dict[str, Any]]:
    """record_measurement arguments without their sources."""
    return [
        {k: v for k, v in c.arguments.items() if k != "source_item_ids"}
        for c in calls
        if c.name == RECORD_MEASUREMENT
    ]


def flagged(calls: list[ToolCallSpec]) -> list[str]:
    """The kind of every flag_risk call."""
    return [str(c.arguments["kind"]) for c in calls if c.name == FLAG_RISK]
