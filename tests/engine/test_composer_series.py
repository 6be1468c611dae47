"""Readings said as a list: after one reading, bare numbers named only by what differs.

Sentences written for these tests from how readings are dictated; none is taken from a
labelled set.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, measured, texts
from therapy_notes.engine.composer import find_measurements

LISTS = [
    (
        "Right wrist extension fifty, left forty-five.",
        [
            ("range_of_motion", 50, "wrist", "right"),
            ("range_of_motion", 45, "wrist", "left"),
        ],
    ),
    (
        "Biceps four out of five on the left, triceps three on the left.",
        [("strength_grade", 4, "", "left"), ("strength_grade", 3, "", "left")],
    ),
    ("Mood's a four and anxiety's an eight.", [("mood_score", 4, "", ""), ("other", 8, "", "")]),
    (
        "Sats at rest ninety-six, after the walk ninety-one.",
        [("other", 96, "", ""), ("other", 91, "", "")],
    ),
    (
        "You walked a hundred and fifty feet with the walker, and only fifty without it.",
        [("distance", 150, "", ""), ("distance", 50, "", "")],
    ),
    (
        "Knee pain is a three, the hip's a six.",
        [("pain_score", 3, "knee", ""), ("pain_score", 6, "hip", "")],
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), LISTS)
def test_each_reading_of_a_list_takes_the_first_ones_kind(
    sentence: str, expected: list[tuple[str, float, str, str]]
) -> None:
    found = find_measurements(sentence)
    got = [(m["kind"], m["value"], m.get("body_part", ""), m.get("side", "")) for m in found]
    assert got == expected


NOT_LISTS = [
    ("Pain is a six, maybe seven.", [6]),  # one rating hedged
    ("My knee is a four and I have had it for 3 weeks.", [4]),  # a time, not a rating
    ("Knee pain four out of ten, and 2 kids to run after.", [4]),  # a number of something
    ("Flexion is ninety today, and it was seventy last week.", [90]),  # an earlier value
    ("Pain's a five, and the goal is under 3.", [5]),  # a goal
    ("Mood's a four, and I'm 45 next month.", [4]),  # beyond the scale
]


@pytest.mark.parametrize(("sentence", "values"), NOT_LISTS)
def test_a_number_that_names_nothing_of_its_own_is_no_further_reading(
    sentence: str, values: list[float]
) -> None:
    assert [m["value"] for m in find_measurements(sentence)] == values


def test_a_listed_grade_does_not_take_the_first_grades_sign() -> None:
    found = find_measurements("Hip flexors four minus on the right, abductors three on the right.")
    assert [(m["value"], m["unit"]) for m in found] == [(4, "-/5"), (3, "/5")]


def test_a_clinicians_listed_readings_are_all_recorded() -> None:
    calls = composed(
        ("Clinician", "Let's measure both wrists, bend them back for me."),
        ("Clinician", "Right wrist extension fifty, left forty-five."),
    )
    got = [(m["value"], m["side"]) for m in measured(calls)]
    assert got == [(50, "right"), (45, "left")]


def test_two_grades_of_one_number_each_take_their_own_pieces_side_and_sign() -> None:
    found = find_measurements("Hip flexors: right four plus, left four minus.")
    got = [(m["value"], m["unit"], m["side"]) for m in found]
    assert got == [(4, "+/5", "right"), (4, "-/5", "left")]


def test_todays_value_after_an_earlier_one_in_the_same_sentence() -> None:
    calls = composed(
        ("Clinician", "Knee flexion was ninety degrees last week, and today it is one-ten.")
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("range_of_motion", 110)]
    calls = composed(("Clinician", "Knee flexion was 90 last week and you are at 110 now."))
    assert [m["value"] for m in measured(calls)] == [110]


def test_a_body_part_named_for_a_later_reading_is_not_the_first_ones() -> None:
    calls = composed(("Client", "Pain's a four now, and the hip is a six today."))
    got = [(m["value"], m.get("body_part", "")) for m in measured(calls)]
    assert got == [(4, ""), (6, "hip")]
    assert not any("increased" in t for t in texts(calls))  # two places, no change


def test_right_and_left_together_are_both_sides_of_one_reading() -> None:
    assert find_measurements("Quads are strong, five out of five right and left.") == [
        {"kind": "strength_grade", "value": 5, "unit": "/5", "side": "bilateral"}
    ]
    assert [m["side"] for m in find_measurements("Knee flexion 120 right and 110 left.")] == [
        "right",
        "left",
    ]
