"""Two readings said by side in one sentence, named by the test in progress.

Exchanges written for these tests; none is taken from a labelled set.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, measured

PAIRS = [
    (
        (
            ("Clinician", "Let's check both knees, bend as far as you can."),
            ("Clinician", "Right is one-fifteen, left is ninety-five."),
        ),
        [("range_of_motion", 115, "degrees", "right"), ("range_of_motion", 95, "degrees", "left")],
    ),
    (
        (
            ("Clinician", "Which wrist is worse?"),
            ("Client", "The left. The left is a seven, the right's about a three."),
        ),
        [("pain_score", 7, "/10", "left"), ("pain_score", 3, "/10", "right")],
    ),
    (
        (
            ("Clinician", "Hip abduction strength now, push out against me."),
            ("Clinician", "Four on the right, three plus on the left."),
        ),
        [("strength_grade", 4, "/5", "right"), ("strength_grade", 3, "+/5", "left")],
    ),
    (
        (
            ("Clinician", "Side bending now, ear to shoulder."),
            ("Clinician", "Forty to the right and thirty-five to the left."),
        ),
        [("range_of_motion", 40, "degrees", "right"), ("range_of_motion", 35, "degrees", "left")],
    ),
]


@pytest.mark.parametrize(("lines", "expected"), PAIRS)
def test_both_sides_are_recorded_as_the_test_in_progress(
    lines: tuple[tuple[str, str], ...], expected: list[tuple[str, float, str, str]]
) -> None:
    values = measured(composed(*lines))
    assert [(v["kind"], v["value"], v["unit"], v["side"]) for v in values] == expected


def test_sides_with_no_test_in_progress_are_no_readings() -> None:
    values = measured(
        composed(
            ("Clinician", "Which buses stop outside your house?"),
            ("Client", "Left is a seven, right is a nine, they go into town."),
        )
    )
    assert values == []


def test_a_bare_value_after_the_other_side_is_named_is_that_side() -> None:
    values = measured(
        composed(
            ("Clinician", "Squeeze as hard as you can, right hand first."),
            ("Clinician", "Forty-two pounds."),
            ("Clinician", "And the left."),
            ("Clinician", "Thirty-eight."),
        )
    )
    assert [(v["kind"], v["value"], v.get("side")) for v in values] == [
        ("strength_grade", 42, "right"),
        ("strength_grade", 38, "left"),
    ]


def test_an_instrument_named_first_takes_the_total_said_after() -> None:
    values = measured(
        composed(
            ("Clinician", "Let's do the Berg."),
            ("Clinician", "Okay, that's all fourteen items done. Total is forty-one."),
        )
    )
    assert [(v["value"], v["unit"]) for v in values] == [(41, "Berg")]


def test_right_said_as_a_filler_still_opens_a_question() -> None:
    values = measured(
        composed(
            ("Clinician", "right so how bad is the knee pain zero to ten"),
            ("Client", "about a four"),
        )
    )
    assert [(v["kind"], v["value"]) for v in values] == [("pain_score", 4)]


def test_a_pair_of_grades_keeps_the_remark_after_it_out_of_the_values() -> None:
    calls = composed(
        (
            "Clinician",
            "Shoulder external rotation, elbow tucked at your side, push out against my hand.",
        ),
        ("Clinician", "Right's a four, left a four minus, the left gives way."),
    )
    assert [(m["value"], m["unit"], m["side"]) for m in measured(calls)] == [
        (4, "/5", "right"),
        (4, "-/5", "left"),
    ]


def test_the_other_side_said_with_a_remark_is_its_reading() -> None:
    calls = composed(
        ("Clinician", "Grip in standard position, left hand."),
        ("Clinician", "Twenty-two pounds. Your right just did sixty, so a big difference."),
    )
    assert [(m["value"], m["side"]) for m in measured(calls)] == [(22, "left"), (60, "right")]
