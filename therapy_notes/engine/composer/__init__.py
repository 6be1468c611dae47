"""The local stand-in for the cloud model: transcript turns -> note tool calls, by rules.

By concern, reading words: `dialogue` (who spoke, what kind of utterance), `numbers`,
`measurements`, `risk_cues` (where a clause names a risk, with `ideation` and
`harm_concepts`), `risks` (stated, denied, screened), `roles` (the clinical role of a
sentence), `sections` (which template section a role goes to), `writing` (clinical
language), `text`. Following the conversation: `facts` (what a turn adds, and the running
context), `place` (joint, side and motion examined), `pairs` (two readings by side),
`announced` (a measure named, its value called out after), `earlier` (today's value or one
compared with), `values` (recording values, progress against earlier ones), `screening`
(risk flags, screen replies, denials), `answers` (a question and its reply as one fact),
`statements` (other sentences, by speaker), `turns` (one turn, sentence by sentence) and
`compose` (the whole: history and new turns -> calls, risk first).
"""

from therapy_notes.engine.composer.compose import ComposerTurn, ToolCallSpec, compose
from therapy_notes.engine.composer.measurements import find_measurements
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.risks import find_risks, screened_risks
from therapy_notes.engine.composer.roles import sentence_role
from therapy_notes.engine.composer.sections import (
    NoteSection,
    section_for_role,
    sections_from_session,
    tool_names,
)

__all__ = [
    "ComposerTurn",
    "NoteSection",
    "ToolCallSpec",
    "compose",
    "find_measurements",
    "find_risks",
    "screened_risks",
    "section_for_role",
    "sections_from_session",
    "sentence_role",
    "spoken_numbers_to_digits",
    "tool_names",
]
