"""The note tools and session instructions, generated from a note template.

A new template needs no code: its sections become the `section` enum of `add_note_entries`
and the section guidance becomes part of the instructions.
"""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.notes import NoteTemplate, RiskKind
from therapy_notes.domain.patients import PatientProfile

ADD_NOTE_ENTRIES = "add_note_entries"
RECORD_MEASUREMENT = "record_measurement"
FLAG_RISK = "flag_risk"
GET_PATIENT_PROFILE = "get_patient_profile"

MEASUREMENT_KINDS = (
    "pain_score",
    "range_of_motion",
    "strength_grade",
    "repetitions",
    "sets",
    "duration",
    "distance",
    "assistance_level",
    "mood_score",
    "other",
)

_ITEM_IDS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string"},
    "description": "ids of the transcript turns (conversation items) this comes from",
}


def tool_schemas(template: NoteTemplate) -> list[dict[str, Any]]:
    """Function tools for `session.update`, with the template's sections as an enum."""
    return [
        {
            "type": "function",
            "name": ADD_NOTE_ENTRIES,
            "description": "Add one or more entries to sections of the clinical note.",
            "parameters": {
                "type": "object",
                "properties": {
                    "entries": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "section": {"type": "string", "enum": list(template.section_keys)},
                                "text": {"type": "string"},
                                "source_item_ids": _ITEM_IDS,
                            },
                            "required": ["section", "text"],
                        },
                    }
                },
                "required": ["entries"],
            },
        },
        {
            "type": "function",
            "name": RECORD_MEASUREMENT,
            "description": "Record one measured value stated in the session.",
            "parameters": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": list(MEASUREMENT_KINDS)},
                    "value": {"type": "number"},
                    "unit": {"type": "string"},
                    "body_part": {"type": "string"},
                    "side": {"type": "string", "enum": ["left", "right", "bilateral", ""]},
                    "source_item_ids": _ITEM_IDS,
                },
                "required": ["kind", "value"],
            },
        },
        {
            "type": "function",
            "name": FLAG_RISK,
            "description": "Flag a risk the clinician must acknowledge. Never for a denied risk.",
            "parameters": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": [k.value for k in RiskKind]},
                    "evidence": {"type": "string"},
                    "source_item_ids": _ITEM_IDS,
                },
                "required": ["kind", "evidence"],
            },
        },
        {
            "type": "function",
            "name": GET_PATIENT_PROFILE,
            "description": "Look up the patient's diagnoses, goals and precautions.",
            "parameters": {"type": "object", "properties": {}},
        },
    ]


def session_instructions(template: NoteTemplate, profile: PatientProfile | None = None) -> str:
    """Instructions for the model: write the note through tools, one section at a time."""
    lines = [
        "You write a clinical note while a therapy session is transcribed.",
        f"Note template: {template.title}. {template.description}",
        "Transcript turns arrive as text that names the speaker: 'Clinician: ...' or",
        "'Client: ...' ('Speaker: ...' when the voice is not known yet).",
        "Only use the note tools; never reply with prose. Add only what is new since the last",
        "update. Write the note, do not transcribe it: third person with the role ('Client",
        "reports ...'), concise, one fact per entry. Questions, greetings, in-session",
        "instructions ('squeeze this for me') and acknowledgements are never entries; a question",
        "and its answer are one fact ('pain?' + 'about a six' -> client rates pain 6/10).",
        "Record every measurement stated for today; a value mentioned for comparison (last",
        "week, at evaluation) is not today's: put the change in Assessment.",
        "Units: pain_score and mood_score out of 10 (unit '/10'); strength_grade '/5' (manual",
        "muscle test) or a force in 'kg' or 'lb'; range_of_motion in 'degrees' with body_part",
        "and side; sets and repetitions as counts; duration in 'seconds', 'minutes' or 'hours';",
        "distance in 'feet', 'meters', 'yards' or 'miles'; a standardised score (PHQ-9, GAD-7)",
        "as 'other' with its name as the unit; any other value as 'other' with its unit ('%',",
        "'bpm', '/N').",
        "Risk first: in any response, call flag_risk before every other tool for each risk the",
        "client states (quote their words in evidence). Never flag a denied risk; a denied",
        "screen is an Assessment entry ('Client denies suicidal ideation when screened').",
        "Each update covers several turns: those since the last update, after the calls you",
        "made then and their results. Older turns have been removed from the conversation;",
        "they are in the note already, so never add them again. Cite the turns each entry,",
        "measurement or risk comes from by their item ids in source_item_ids.",
        "Sections:",
    ]
    for section in template.sections:
        lines.append(f"- {section.key} ({section.title}): {section.guidance}")
        lines.extend(f"    e.g. {example}" for example in section.examples)
    if profile is not None:
        lines.append(f"Patient diagnoses: {', '.join(profile.diagnoses) or 'none recorded'}.")
        lines.append(f"Goals: {', '.join(profile.goals) or 'none recorded'}.")
        lines.append(f"Precautions: {', '.join(profile.precautions) or 'none recorded'}.")
    return "\n".join(lines)
