"""A measure named first and its value called out after, as clinicians measure aloud.

Exchanges written for these tests; none is taken from a labelled set.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, measured

CALLED_OUT = [
    (
        (("Clinician", "Hold still a second, I'm going to check your pulse."),),
        ("Clinician", "Eighty-four. A little quick today."),
        {"kind": "other", "value": 84, "unit": "bpm"},
    ),
    (
        (("Clinician", "Pop your finger in the pulse oximeter for me."),),
        ("Clinician", "Ninety-five, that's fine."),
        {"kind": "other", "value": 95, "unit": "%"},
    ),
    (
        (
            ("Clinician", "Now the Timed Up and Go. Stand, walk to the line, come back, sit."),
            ("Client", "Here goes."),
        ),
        ("Clinician", "Fourteen point two."),
        {"kind": "duration", "value": 14.2, "unit": "seconds"},
    ),
    (
        (("Clinician", "Picture the dog coming toward you. Distress from zero to a hundred?"),),
        ("Client", "Sixty, maybe."),
        {"kind": "other", "value": 60, "unit": "SUDS"},
    ),
    (
        (("Clinician", "On the Borg scale, where six is no effort, how hard was that?"),),
        ("Client", "Fifteen."),
        {"kind": "other", "value": 15, "unit": "RPE"},
    ),
    (
        (("Clinician", "Left leg now, eyes closed, arms across your chest."),),
        ("Clinician", "Nine, you touched down."),
        {"kind": "duration", "value": 9, "unit": "seconds", "body_part": "leg", "side": "left"},
    ),
]


@pytest.mark.parametrize(("before", "value_said", "expected"), CALLED_OUT)
def test_a_bare_value_after_its_announcement_is_that_measure(
    before: tuple[tuple[str, str], ...], value_said: tuple[str, str], expected: dict[str, object]
) -> None:
    values = measured(composed(*before, value_said))
    assert len(values) == 1, values
    assert {k: values[0].get(k) for k in expected} == expected


def test_a_number_outside_the_measure_range_is_not_taken_for_it() -> None:
    values = measured(
        composed(
            ("Clinician", "Let me check your pulse. And the knee pain, zero to ten?"),
            ("Client", "Three."),
        )
    )
    assert [(v["kind"], v["value"]) for v in values] == [("pain_score", 3)]


def test_an_announcement_lapses_after_a_few_turns() -> None:
    values = measured(
        composed(
            ("Clinician", "I'll take your pulse in a minute."),
            ("Client", "Okay."),
            ("Clinician", "Tell me about the weekend."),
            ("Client", "It was fine."),
            ("Clinician", "Good."),
            ("Client", "Ninety, my mum turned ninety."),
        )
    )
    assert values == []


def test_how_long_a_task_takes_is_a_duration_in_the_units_said() -> None:
    values = measured(
        composed(
            ("Clinician", "How long does it take you to get dressed in the morning?"),
            ("Client", "About forty minutes now, it used to be ten."),
        )
    )
    assert [(v["kind"], v["value"], v["unit"]) for v in values] == [("duration", 40, "minutes")]


def test_a_question_by_reference_rates_what_the_sentence_before_it_named() -> None:
    values = measured(
        composed(
            ("Clinician", "You said your back has been sore. How bad is it, zero to ten?"),
            ("Client", "About a five."),
        )
    )
    assert [(v["kind"], v["value"], v.get("body_part")) for v in values] == [
        ("pain_score", 5, "back")
    ]


def test_a_measure_announced_again_waits_afresh_for_its_value() -> None:
    values = measured(
        composed(
            ("Clinician", "I'll take your pulse in a bit."),
            ("Client", "Okay."),
            ("Clinician", "Tell me about the weekend first."),
            ("Client", "It was quiet."),
            ("Clinician", "Right, pulse now, hold your arm still."),
            ("Client", "Sure."),
            ("Clinician", "Seventy-eight."),
        )
    )
    assert [(v["value"], v["unit"]) for v in values] == [(78, "bpm")]
