"""Earlier values told around today's: compared with, written as a span, never today's.

Exchanges written for these tests; none is taken from a labelled set.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, measured, texts

COMPARED = [
    (
        (
            ("Clinician", "How's the pain compared to last session?"),
            ("Client", "Last time I said a six. Today it's a four."),
        ),
        ("pain_score", 4),
        "Pain improved from 6/10 to 4/10 since last time.",
    ),
    (
        (
            ("Clinician", "How is your mood, zero to ten?"),
            ("Client", "Two weeks ago I was at a three. Now a six."),
        ),
        ("mood_score", 6),
        "Mood improved from 3/10 to 6/10 over 2 weeks.",
    ),
    (
        (
            ("Clinician", "Timed Up and Go today, fourteen seconds."),
            ("Clinician", "You were at twenty when you came out of hospital."),
        ),
        ("duration", 14),
        "TUG time improved from 20 seconds to 14 seconds since client came out of hospital.",
    ),
    (
        (("Clinician", "Your PHQ-9 today is eleven; back in September it was seventeen."),),
        ("other", 11),
        "PHQ-9 score improved from 17 to 11 since September.",
    ),
    (
        (
            ("Clinician", "Grip on the right, squeeze."),
            ("Clinician", "Thirty kilos. At your assessment you were at twenty-two."),
        ),
        ("strength_grade", 30),
        "Right hand strength improved from 22 kg to 30 kg since the assessment.",
    ),
]


@pytest.mark.parametrize(("lines", "today", "progress"), COMPARED)
def test_an_earlier_value_is_compared_with_todays_and_not_recorded(
    lines: tuple[tuple[str, str], ...], today: tuple[str, float], progress: str
) -> None:
    calls = composed(*lines)
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [today]
    assert progress in texts(calls)


def test_an_earlier_rating_with_no_todays_value_is_still_written() -> None:
    calls = composed(
        ("Clinician", "How is the knee pain, zero to ten?"),
        ("Client", "Last week it was a seven."),
    )
    assert measured(calls) == []
    assert texts(calls) == ["Client rated knee pain 7/10 last week."]


def test_a_time_that_goes_on_to_its_own_value_does_not_make_the_first_earlier() -> None:
    calls = composed(
        ("Clinician", "And pain in the right knee right now, zero to ten?"),
        ("Client", "I'd say four. Last week it was sitting around a six."),
    )
    assert [m["value"] for m in measured(calls)] == [4]
    assert "Right knee pain improved from 6/10 to 4/10 since last week." in texts(calls)


def test_an_earlier_distance_said_in_hundreds_and_tens_is_compared_as_said() -> None:
    calls = composed(
        (
            "Clinician",
            "Six-minute walk, four hundred metres today, up from three-fifty at your assessment.",
        )
    )
    assert [m["value"] for m in measured(calls)] == [400]
    assert "Distance improved from 350 meters to 400 meters since the assessment." in texts(calls)
