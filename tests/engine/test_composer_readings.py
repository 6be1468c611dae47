"""Readings as clinicians say them while measuring: goniometer numbers, motions that name
their joint, sides said first, forces in pounds, and a body part rated on a scale.

Exchanges written for these tests, not taken from the labelled sets.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.engine.composer_calls import composed, measured
from therapy_notes.engine.composer import ToolCallSpec
from therapy_notes.engine.composer.numbers import self_corrected, spoken_numbers_to_digits


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("one-forty", "140"),
        ("one oh five", "105"),
        ("one-oh-eight", "108"),
        ("one-ten degrees", "110 degrees"),
        ("on a scale of one-ten", "on a scale of 1-10"),
        ("at one-thirty", "at 1-30"),
        ("three-fifty metres", "350 metres"),
        ("up from two-forty", "up from 240"),
        ("up from one-eighty", "up from 180"),
        ("at three-fifty we stop", "at 3-50 we stop"),
    ],
)
def test_a_goniometer_number_said_with_a_hyphen_or_an_oh(said: str, digits: str) -> None:
    assert spoken_numbers_to_digits(said) == digits


def _one(calls: list[ToolCallSpec]) -> dict[str, Any]:
    values = measured(calls)
    assert len(values) == 1, values
    return values[0]


def test_a_bare_reading_once_the_joint_is_moved_needs_no_motion_named() -> None:
    m = _one(
        composed(
            ("Clinician", "We're doing the left elbow now. Bend it up toward your shoulder."),
            ("Clinician", "You're at about one thirty-five."),
        )
    )
    assert (m["kind"], m["value"], m["unit"], m["body_part"]) == (
        "range_of_motion",
        135,
        "degrees",
        "elbow",
    )


def test_a_motion_with_a_contraction_and_its_joint_implied() -> None:
    m = _one(
        composed(
            ("Clinician", "Left arm, elbow bent at your side, turn the hand out toward the door."),
            ("Clinician", "External rotation's fifty-five."),
        )
    )
    assert (m["value"], m["body_part"], m["side"]) == (55, "shoulder", "left")


def test_wrist_deviation_is_the_wrist_whatever_finger_is_named() -> None:
    values = measured(
        composed(
            ("Clinician", "Right hand flat, slide it toward your little finger."),
            ("Clinician", "Ulnar deviation thirty, radial deviation twenty."),
        )
    )
    assert {(v["value"], v["body_part"]) for v in values} == {(30, "wrist"), (20, "wrist")}


def test_the_side_said_before_each_value() -> None:
    values = measured(composed(("Clinician", "Hip abduction, left thirty-two, right forty.")))
    assert {(v["value"], v["side"]) for v in values} == {(32, "left"), (40, "right")}


def test_a_bare_force_in_pounds_is_the_tested_part_strength() -> None:
    m = _one(
        composed(
            ("Clinician", "Tip pinch now, left hand, thumb to the tip of the index finger."),
            ("Clinician", "Six and a half pounds."),
        )
    )
    assert (m["kind"], m["value"], m["unit"], m["body_part"], m["side"]) == (
        "strength_grade",
        6.5,
        "lb",
        "hand",
        "left",
    )


def test_a_body_part_rated_on_a_scale_is_a_pain_rating() -> None:
    m = _one(
        composed(("Clinician", "Rate the left hip for me, zero to ten."), ("Client", "A five."))
    )
    assert (m["kind"], m["value"], m["body_part"]) == ("pain_score", 5, "hip")


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("Eighty-two over sixty... no, I'm misreading it, it's ninety-two over sixty.", 92),
        ("Thirty-one... no, hold on, I miscounted the last row. Twenty-nine.", 29),
        ("Seven. Well, no. More like six.", 6),
        ("Four. Actually, no, more like five.", 5),
        ("Hip flexion is one-oh-five, sorry, one-twelve.", 112),
        ("Total is eighteen... wait, I skipped the last item. Twenty out of thirty.", 20),
        ("Twelve, sorry, I misread that. Fourteen.", 14),
        ("That's one-sixty, sorry, one-fifty, the arm dropped.", 150),
        ("Six. Well, actually, no, more like five.", 5),
    ],
)
def test_a_value_taken_back_is_replaced_by_the_one_meant(said: str, meant: int) -> None:
    digits = spoken_numbers_to_digits(self_corrected(said))
    assert next(int(n) for n in re.findall(r"\d+", digits)) == meant, digits


def test_a_no_that_takes_nothing_back_leaves_the_value() -> None:
    for said in (
        "Pain is a three, no worse than last week.",
        "Two blocks, no problem at all.",
        "Six, sorry, it's been a rough week. Seven days of it.",
        "Five... sorry, I lost my train of thought. Where was I?",
    ):
        assert self_corrected(said) == said


@pytest.mark.parametrize(
    ("said", "unit", "value"),
    [
        ("The insomnia severity index came out at twelve.", "ISI", 12),
        ("Her AUDIT score is nine.", "AUDIT", 9),
        ("The MoCA today, twenty-six.", "MoCA", 26),
        ("Berg total forty-four out of fifty-six.", "Berg", 44),
    ],
)
def test_a_score_on_a_named_instrument(said: str, unit: str, value: int) -> None:
    m = _one(composed(("Clinician", said)))
    assert (m["unit"], m["value"]) == (unit, value)


def test_the_everyday_words_are_no_score_or_time() -> None:
    assert measured(composed(("Clinician", "We did an audit of 5 days of your diary."))) == []
    assert measured(composed(("Clinician", "We have about ten minutes left, one more go."))) == []


def test_a_share_done_without_help_is_no_assistance_level() -> None:
    values = measured(composed(("Clinician", "Eight out of ten without any help.")))
    assert [v["kind"] for v in values] == ["other"]


def test_a_reading_said_with_today() -> None:
    m = _one(
        composed(
            ("Clinician", "Left knee, bend it back as far as it goes."),
            ("Clinician", "Today, a hundred and twelve."),
        )
    )
    assert (m["value"], m["body_part"], m["side"]) == (112, "knee", "left")


@pytest.mark.parametrize(
    ("lines", "kind", "value"),
    [
        ((("Clinician", "Right hip now. Flexion's at one-twenty today."),), "range_of_motion", 120),
        (
            (("Clinician", "Shoulder again. You got to ninety on the abduction."),),
            "range_of_motion",
            90,
        ),
        ((("Clinician", "Temperature's thirty-seven point eight."),), "other", 37.8),
        ((("Clinician", "You weigh seventy-one kilos on our scales today."),), "other", 71),
        (
            (
                ("Clinician", "Rate the ankle pain for me, nought to ten."),
                ("Client", "It's a five."),
            ),
            "pain_score",
            5,
        ),
    ],
)
def test_readings_in_more_of_the_ways_they_are_said(
    lines: tuple[tuple[str, str], ...], kind: str, value: float
) -> None:
    values = measured(composed(*lines))
    assert [(v["kind"], v["value"]) for v in values] == [(kind, value)]


def test_a_time_said_with_at_stays_a_time() -> None:
    assert spoken_numbers_to_digits("see you at one-thirty") == "see you at 1-30"
    assert spoken_numbers_to_digits("extension's at one-thirty") == "extension's at 130"
