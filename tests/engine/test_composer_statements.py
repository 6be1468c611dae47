"""Statements: what is a fact for the note, and what is only the talk around it.

Sentences here are new (not from the labelled conversations), in several phrasings, with
negative cases: what must not become an entry or a plan item.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, entries, measured, texts


@pytest.mark.parametrize(
    "remark",
    [
        "I think that's everything.",
        "Nothing else, really.",
        "That's all I've got.",
        "I think so.",
        "That's pretty much it.",
        "Tuesday works.",
        "Fine by me.",
        "Okay. Sure, I can do that.",
    ],
)
def test_a_clients_closing_or_filler_is_no_entry(remark: str) -> None:
    calls = composed(
        ("Clinician", "Squeeze the ball ten times for me."),
        ("Client", remark),
    )
    assert entries(calls) == []


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("How was the ride over?", "Slow. There was construction on Elm the whole way."),
        ("Did you catch the match last night?", "Yeah, we lost in overtime again."),
        ("Did you find parking all right?", "Eventually, I had to circle the block twice."),
        ("Is it still pouring out there?", "Buckets. My umbrella flipped inside out."),
    ],
)
def test_the_reply_to_small_talk_is_no_entry(question: str, reply: str) -> None:
    calls = composed(("Clinician", question), ("Client", reply))
    assert entries(calls) == []
    assert measured(calls) == []


def test_a_reply_to_small_talk_that_says_something_clinical_is_kept() -> None:
    calls = composed(
        ("Clinician", "How was the drive in?"),
        ("Client", "Rough. My neck was aching the whole way, maybe a six."),
    )
    assert [m["kind"] for m in measured(calls)] == ["pain_score"]
    assert any("neck" in t.lower() for t in texts(calls))


@pytest.mark.parametrize(
    "sentence",
    [
        "Sorry I'm late, the train sat outside the station forever.",
        "Sorry about being late, my sister's car wouldn't start.",
    ],
)
def test_a_clients_apology_for_arriving_late_is_no_entry(sentence: str) -> None:
    assert entries(composed(("Client", sentence))) == []


@pytest.mark.parametrize(
    "remark",
    [
        "Sorry for the wait, my last appointment ran over.",
        "No hurry at all, take whatever time you need.",
        "I'm really glad you brought that up with me.",
        "That's exactly what I was hoping to hear.",
        "Let me grab you a glass of water first.",
        "That's a big part of why it feels that way.",
        "It's what lets the knee take your weight on the stairs.",
    ],
)
def test_a_clinicians_courtesy_or_explanation_to_the_client_is_no_entry(remark: str) -> None:
    assert entries(composed(("Clinician", remark))) == []


def test_an_observation_the_clinician_states_is_still_a_finding() -> None:
    calls = composed(("Clinician", "She was tearful when she described the funeral."))
    assert entries(calls) == [("objective", "She was tearful when she described the funeral.")]


@pytest.mark.parametrize(
    "instruction",
    [
        "Hook your thumb under the strap and pull.",
        "Don't let me push your arm down.",
        "Arms folded across your chest, stand up and sit back down.",
        "When I say go, walk to the cone and come back.",
        "Hop up onto the table for me.",
        "Take another step, keep going.",
    ],
)
def test_an_instruction_for_now_is_neither_an_entry_nor_a_plan(instruction: str) -> None:
    assert entries(composed(("Clinician", instruction))) == []
