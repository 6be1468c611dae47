"""A labelled session's true transcript through the local composer alone, turn by turn.

No recognition and no speaker model: each true turn is handed over as "Clinician: ..." or
"Client: ..." the way the app hands labelled turns to the engine, one response per turn
with the turns before as history. It measures what the note writer makes of a correct
transcript, apart from what recognition and diarization lose (the whole path is measured
by `tests/conversation_run.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conversation_set import ConversationSession
from therapy_notes.domain.tools import (
    ADD_NOTE_ENTRIES,
    FLAG_RISK,
    RECORD_MEASUREMENT,
    session_instructions,
    tool_schemas,
)
from therapy_notes.engine.composer import ComposerTurn, compose, sections_from_session
from therapy_notes.services.templates import load_template


@dataclass(frozen=True, slots=True)
class Composed:
    """What the composer wrote for one session."""

    entries: list[tuple[str, str]]
    """(section, text) of every note entry."""
    measurements: list[dict[str, Any]]
    risks: list[str]


def compose_session(session: ConversationSession) -> Composed:
    """Every turn of the session composed in order, as the local engine composes them."""
    template = load_template(session.template)
    sections = sections_from_session(tool_schemas(template), session_instructions(template))
    history: list[ComposerTurn] = []
    entries: list[tuple[str, str]] = []
    measurements: list[dict[str, Any]] = []
    risks: list[str] = []
    for index, turn in enumerate(session.turns):
        item = ComposerTurn(f"item_{index}", f"{turn.speaker.capitalize()}: {turn.text}")
        for call in compose([item], sections, history=history):
            if call.name == ADD_NOTE_ENTRIES:
                entries.extend((e["section"], e["text"]) for e in call.arguments["entries"])
            elif call.name == RECORD_MEASUREMENT:
                measurements.append(call.arguments)
            elif call.name == FLAG_RISK:
                risks.append(str(call.arguments["kind"]))
        history.append(item)
    return Composed(entries, measurements, risks)


def plan_section(template: str) -> str:
    """The section a template's plan items go in (its last one when it has no "plan")."""
    keys = load_template(template).section_keys
    return "plan" if "plan" in keys else keys[-1]


def assessment_sections(template: str) -> set[str]:
    """The sections where a documented denial of a risk belongs."""
    return {k for k in load_template(template).section_keys if k in ("assessment", "response")}


def ratio(a: int, b: int) -> float:
    """a / b rounded for a report; 1.0 when there is nothing to count."""
    return round(a / b, 3) if b else 1.0
