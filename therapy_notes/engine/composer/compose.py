"""Transcript turns -> note tool calls: a note written from the conversation.

The composer is a pure function of the conversation so far: the turns already composed
(`history`, read only for context: the question a new turn answers, the joint being
examined, earlier values to compare with, risks already flagged) and the new turns, which
get calls. Composing the same turns twice gives the same calls, so a response cut short by
`max_output_tokens` can be composed again and only its unsent calls follow.

Risk calls lead every result, so they are never the ones a token limit cuts off.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from therapy_notes.domain.tools import ADD_NOTE_ENTRIES, FLAG_RISK, RECORD_MEASUREMENT
from therapy_notes.engine.composer.facts import Context
from therapy_notes.engine.composer.sections import NoteSection, section_for_role
from therapy_notes.engine.composer.turns import turn_facts


@dataclass(frozen=True, slots=True)
class ComposerTurn:
    """One finished transcript turn (a user conversation item) and its text.

    The text may start with the speaker's role ("Clinician: ...", "Client: ..."), the way
    the app hands labelled turns to either engine.
    """

    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallSpec:
    """One tool call the composer wants made, and the turns it came from."""

    name: str
    arguments: dict[str, Any]
    source_item_ids: tuple[str, ...] = field(default=())


def compose(
    turns: Sequence[ComposerTurn],
    sections: Sequence[NoteSection | str],
    *,
    available_tools: Collection[str] | None = None,
    history: Sequence[ComposerTurn] = (),
) -> list[ToolCallSpec]:
    """Note tool calls for the turns since the last response.

    Args:
        turns: new transcript turns, oldest first.
        sections: the template's sections (keys from the tool schema, guidance if known).
        available_tools: names of the tools the session declares; calls to other tools
            are never made. None allows all three note tools.
        history: turns composed by earlier responses, oldest first, read for context only.

    Returns:
        One `flag_risk` per newly stated risk first, then one `add_note_entries` per turn
        with note content, then one `record_measurement` per stated value.
    """
    tools = (
        set(available_tools)
        if available_tools is not None
        else {ADD_NOTE_ENTRIES, RECORD_MEASUREMENT, FLAG_RISK}
    )
    note_sections = [s if isinstance(s, NoteSection) else NoteSection(s) for s in sections]
    context = Context()
    for turn in history:
        turn_facts(turn.item_id, turn.text, context)
    risk_calls: list[ToolCallSpec] = []
    entry_calls: list[ToolCallSpec] = []
    measure_calls: list[ToolCallSpec] = []
    for turn in turns:
        facts = turn_facts(turn.item_id, turn.text, context)
        for kind, evidence, ids in facts.risks:
            risk_calls.append(
                ToolCallSpec(
                    FLAG_RISK,
                    {"kind": kind.value, "evidence": evidence, "source_item_ids": list(ids)},
                    ids,
                )
            )
        entries: list[dict[str, Any]] = []
        cited: list[str] = []
        for entry in facts.entries:
            section = section_for_role(entry.role, note_sections)
            if section is None or not entry.text:
                continue
            if any(e["section"] == section and e["text"] == entry.text for e in entries):
                continue
            entries.append(
                {"section": section, "text": entry.text, "source_item_ids": list(entry.item_ids)}
            )
            cited.extend(i for i in entry.item_ids if i not in cited)
        if entries:
            entry_calls.append(ToolCallSpec(ADD_NOTE_ENTRIES, {"entries": entries}, tuple(cited)))
        for arguments, ids in facts.measurements:
            measure_calls.append(
                ToolCallSpec(RECORD_MEASUREMENT, {**arguments, "source_item_ids": list(ids)}, ids)
            )
    calls: list[ToolCallSpec] = []
    if FLAG_RISK in tools:
        calls.extend(risk_calls)
    if ADD_NOTE_ENTRIES in tools:
        calls.extend(entry_calls)
    if RECORD_MEASUREMENT in tools:
        calls.extend(measure_calls)
    return calls
