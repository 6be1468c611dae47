"""The rule-based composer on a small hand-labelled set of clinical sentences."""

from __future__ import annotations

from typing import Any

import pytest

from therapy_notes.domain.notes import RiskKind
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
    compose,
    find_measurements,
    find_risks,
    section_for_role,
    sections_from_session,
    sentence_role,
    spoken_numbers_to_digits,
)
from therapy_notes.services.templates import available_templates, load_template

# (sentence, SOAP section, DAP section, BIRP section)
SUBJ, OBJ, ASSESS, PLAN = "subjective", "objective", "assessment", "plan"
SECTION_LABELS = [
    ("The patient states her neck pain is worse in the mornings.", SUBJ, "data", "behavior"),
    ("He complains of numbness in two fingers.", SUBJ, "data", "behavior"),
    ("Cervical rotation was measured at sixty degrees.", OBJ, "data", "behavior"),
    ("Observed a mild limp when climbing stairs.", OBJ, "data", "behavior"),
    ("We practiced diaphragmatic breathing for the first half.", OBJ, "data", "intervention"),
    ("Introduced a grounding technique for panic.", OBJ, "data", "intervention"),
    ("Client responded well and tolerated the full session.", ASSESS, "assessment", "response"),
    ("Overall she is progressing toward her walking goal.", ASSESS, "assessment", "response"),
    ("Clinical impression is adjustment disorder with anxiety.", ASSESS, "assessment", "response"),
    ("Homework is to log three worries a day.", PLAN, "plan", "plan"),
    ("Follow up in two weeks to recheck strength.", PLAN, "plan", "plan"),
    ("Will refer to a dietitian for meal planning.", PLAN, "plan", "plan"),
]


def _sections(template_name: str) -> list[NoteSection]:
    template = load_template(template_name)
    return sections_from_session(tool_schemas(template), session_instructions(template))


@pytest.mark.parametrize(("sentence", "soap", "dap", "birp"), SECTION_LABELS)
def test_sections_follow_the_template(sentence: str, soap: str, dap: str, birp: str) -> None:
    role = sentence_role(sentence)
    assert section_for_role(role, _sections("soap")) == soap
    assert section_for_role(role, _sections("dap")) == dap
    assert section_for_role(role, _sections("birp")) == birp
    assert section_for_role(role, _sections("dictation")) == "note"


def test_every_template_offers_its_own_keys_with_guidance() -> None:
    for name in available_templates():
        sections = _sections(name)
        assert [s.key for s in sections] == list(load_template(name).section_keys)
        assert all(s.guidance for s in sections)


def test_keys_alone_are_enough_without_guidance() -> None:
    sections = [NoteSection("subjective"), NoteSection("objective"), NoteSection("plan")]
    assert section_for_role(sentence_role("She reports poor sleep."), sections) == "subjective"
    assert section_for_role(sentence_role("Next session on Monday."), sections) == "plan"


MEASUREMENT_LABELS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "He rates his low back pain as seven out of ten today.",
        [{"kind": "pain_score", "value": 7, "unit": "/10", "body_part": "low back"}],
    ),
    (
        "Left hip abduction one hundred and five degrees.",
        [
            {
                "kind": "range_of_motion",
                "value": 105,
                "unit": "degrees",
                "body_part": "hip",
                "side": "left",
            }
        ],
    ),
    (
        "Elbow flexion strength 4/5 on the right.",
        [
            {
                "kind": "strength_grade",
                "value": 4,
                "unit": "/5",
                "body_part": "elbow",
                "side": "right",
            }
        ],
    ),
    (
        "Completed two sets of fifteen bridges.",
        [
            {"kind": "sets", "value": 2, "unit": "sets"},
            {"kind": "repetitions", "value": 15, "unit": "repetitions"},
        ],
    ),
    (
        "Ambulated one hundred fifty feet with a rolling walker.",
        [{"kind": "distance", "value": 150, "unit": "feet"}],
    ),
    ("Tolerated standing for four minutes.", [{"kind": "duration", "value": 4, "unit": "minutes"}]),
    (
        "Requires moderate assistance for toilet transfers.",
        [{"kind": "assistance_level", "value": 3, "unit": "FIM level"}],
    ),
    ("She rated her mood a three out of ten.", [{"kind": "mood_score", "value": 3, "unit": "/10"}]),
    (
        "Pinch strength is six point five kilograms.",
        [{"kind": "strength_grade", "value": 6.5, "unit": "kg", "body_part": "hand"}],
    ),
    ("We talked about her week.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), MEASUREMENT_LABELS)
def test_measurements(sentence: str, expected: list[dict[str, Any]]) -> None:
    assert find_measurements(sentence) == expected


RISK_LABELS = [
    ("He admits to thoughts of ending his life.", [RiskKind.SELF_HARM]),
    ("She said she wants to hurt her boss.", [RiskKind.HARM_TO_OTHERS]),
    ("Reports her partner hits her when drinking.", [RiskKind.ABUSE_OR_NEGLECT]),
    ("Had two falls getting out of bed this month.", [RiskKind.FALL_RISK]),
    ("Denies suicidal ideation, intent or plan.", []),
    ("No thoughts of harming others.", []),
    ("Negative for falls since discharge.", []),
    ("History of alcohol abuse, sober two years.", []),
    ("Falls asleep easily now.", []),
    ("Denies self-harm but lost her balance twice on the stairs.", [RiskKind.FALL_RISK]),
]


@pytest.mark.parametrize(("sentence", "expected"), RISK_LABELS)
def test_risks_with_negation(sentence: str, expected: list[RiskKind]) -> None:
    assert find_risks(sentence) == expected


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("one hundred twenty", "120"),
        ("twenty two", "22"),
        ("a hundred and five", "105"),
        ("three point five", "3.5"),
        ("two thousand and ten", "2010"),
        ("six out of ten", "6 out of 10"),
        ("a walk and a rest", "a walk and a rest"),
        # A reading called out alone is its hundred and tens; a scale's anchors are not.
        ("One-ten.", "110."),
        ("left arm, one-ten.", "left arm, 110."),
        ("on a one-ten scale", "on a 1-10 scale"),
    ],
)
def test_spoken_numbers(spoken: str, digits: str) -> None:
    assert spoken_numbers_to_digits(spoken) == digits


DENIAL = "Client denies thoughts of self-harm."
WRIST_PAIN = "She reports pain of four out of ten in her left wrist."


def test_compose_builds_calls_for_declared_tools_only() -> None:
    sections = _sections("soap")
    turns = [
        ComposerTurn("item_a", f"{DENIAL} {WRIST_PAIN}"),
        ComposerTurn("item_b", "Plan is to continue splinting at night. Okay."),
        ComposerTurn("item_c", "She says she fell in the kitchen on Sunday."),
    ]
    calls = compose(
        turns, sections, available_tools={ADD_NOTE_ENTRIES, RECORD_MEASUREMENT, FLAG_RISK}
    )
    names = [c.name for c in calls]
    # Risk leads, so a response cut at max_output_tokens never loses it.
    assert names == [FLAG_RISK] + [ADD_NOTE_ENTRIES] * 3 + [RECORD_MEASUREMENT]
    risk, calls = calls[0], calls[1:]
    first = calls[0].arguments["entries"]
    assert first == [
        {
            "section": "subjective",
            "text": f"{DENIAL} {WRIST_PAIN}",
            "source_item_ids": ["item_a"],
        }
    ]
    assert calls[1].arguments["entries"] == [
        {
            "section": "plan",
            "text": "Plan is to continue splinting at night.",
            "source_item_ids": ["item_b"],
        }
    ]
    assert calls[3].arguments == {
        "kind": "pain_score",
        "value": 4,
        "unit": "/10",
        "body_part": "wrist",
        "side": "left",
        "source_item_ids": ["item_a"],
    }
    assert risk.arguments["kind"] == "fall_risk"
    assert risk.source_item_ids == ("item_c",)
    only_entries = compose(turns, sections, available_tools={ADD_NOTE_ENTRIES})
    assert {c.name for c in only_entries} == {ADD_NOTE_ENTRIES}
    assert compose(turns, sections, available_tools=set()) == []
