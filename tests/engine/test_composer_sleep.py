"""The sleep history's values, each read by what it is of.

Sentences written for these tests from the items of a sleep history; none is taken from a
labelled set.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, flagged, measured
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.sleep import sleep_values


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "It usually takes me about forty minutes to fall asleep.",
            [(40, "minutes", "sleep_latency")],
        ),
        ("It takes half an hour to get to sleep.", [(30, "minutes", "sleep_latency")]),
        ("I lie there for an hour before I nod off.", [(1, "hours", "sleep_latency")]),
        ("Like a two-hour nap every afternoon.", [(2, "hours", "nap")]),
        ("I nap most days for about ninety minutes.", [(90, "minutes", "nap")]),
        ("I'm up four times a night with the baby.", [(4, "wakings a night", "")]),
        ("I wake up twice, sometimes more.", [(2, "wakings a night", "")]),
        ("I'm up three times to use the toilet.", [(3, "wakings a night", "")]),
        ("Wait a minute, I get up at six.", []),
    ],
)
def test_each_sleep_value_is_read_by_what_it_is_of(
    said: str, expected: list[tuple[float, str, str]]
) -> None:
    found = sleep_values(spoken_numbers_to_digits(said.lower()))
    assert [(m["value"], m["unit"], m.get("name", "")) for m in found] == expected


def test_the_time_to_fall_asleep_and_the_wakings_are_not_hours_slept() -> None:
    calls = composed(
        ("Clinician", "How's your sleep?"),
        ("Client", "It takes me an hour to drop off and I wake up three times."),
    )
    got = {(m["kind"], m["value"], m["unit"]) for m in measured(calls)}
    assert got == {("duration", 1, "hours"), ("other", 3, "wakings a night")}


def test_a_time_asked_for_is_said_with_a_or_half() -> None:
    calls = composed(
        ("Clinician", "How long does it take you to fall asleep these days?"),
        ("Client", "Usually about an hour."),
    )
    assert [(m["value"], m["unit"]) for m in measured(calls)] == [(1, "hours")]
    assert flagged(calls) == []  # falling asleep is no fall
