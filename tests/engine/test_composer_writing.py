"""How an entry is worded: the clinician's "you" as the client, named once."""

from __future__ import annotations

import pytest

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
