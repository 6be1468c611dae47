"""How an entry is worded: the clinician's "you" as the client, named once."""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, texts
from therapy_notes.engine.composer import writing


@pytest.mark.parametrize(
    ("said", "written"),
    [
        (
            "Please avoid driving until the neurologist has seen you.",
            "Client to avoid driving until the neurologist has seen them.",
        ),
        (
            "Practise the breathing whenever you climb the stairs.",
            "Client to practise the breathing whenever they climb the stairs.",
        ),
        (
            "I'd like you to ice your knee when you get home.",
            "Client to ice their knee when they get home.",
        ),
        ("I'm discharging you from physio today.", "Discharged from physio today."),
        ("I'll send a letter to your GP.", "Plan to send a letter to client's GP."),
        (
            "So, keep the heel slides going, twice a day.",
            "Client to continue the heel slides, twice a day.",
        ),
    ],
)
def test_a_plan_item_names_the_client_once_and_then_says_they(said: str, written: str) -> None:
    assert writing.plan_item(said) == written


def test_an_observation_names_the_client_first() -> None:
    said = "You walked well, and you kept your balance when I pushed you."
    assert writing.clinician_statement(said) == (
        "Client walked well, and they kept their balance when I pushed them."
    )


def test_a_report_drops_asides_and_starts_each_sentence_with_a_capital() -> None:
    said = "I ditched the walker on Wednesday. Though I have to tell you, I actually fell."
    assert writing.client_report(said) == (
        "Client reports they ditched the walker on Wednesday. Though they actually fell."
    )
    assert writing.client_report("Kind of a blur, to be honest, I called in sick twice.") == (
        "Client reports kind of a blur, they called in sick twice."
    )


def test_a_referral_said_with_also_is_a_referral() -> None:
    said = "I'm also going to refer you to the ENT for a follow-up scope."
    assert writing.plan_item(said) == "Refer to the ENT for a follow-up scope."


def test_a_timed_hold_is_named_by_how_it_was_set_up_and_longer_is_better() -> None:
    calls = composed(
        ("Clinician", "Take a big breath and hold an ah as long as you can. Nice and easy."),
        ("Clinician", "Fourteen seconds. At your evaluation that was nine."),
        ("Clinician", "Now count from one to ten at the volume you use in class."),
        ("Client", "One, two, three, four, five, six, seven, eight, nine, ten."),
        ("Clinician", "You're averaging about seventy-two decibels."),
    )
    assert texts(calls) == [
        "Maximum phonation time 14 seconds.",
        "Maximum phonation time improved from 9 seconds to 14 seconds since the evaluation.",
        "Loudness 72 dB.",
    ]


def test_a_plank_asked_for_as_long_as_you_can_is_an_instruction_and_its_time_the_hold() -> None:
    calls = composed(
        ("Clinician", "Plank for as long as you can."), ("Clinician", "Forty-five seconds.")
    )
    assert texts(calls) == ["Plank hold 45 seconds."]


def test_what_the_session_worked_on_is_written_as_its_focus_not_an_imperative() -> None:
    calls = composed(
        ("Clinician", "Today we work on balance and transfers from the wheelchair to the mat.")
    )
    assert texts(calls) == [
        "Session focused on balance and transfers from the wheelchair to the mat."
    ]
