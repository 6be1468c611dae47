"""Ideation found by its parts (a wish or thought, and the speaker's own death or absence).

Sentences here were written for these tests, in the ways clients tell ideation without the
screens' words; the look-alikes are the everyday senses of the same words.
"""

from __future__ import annotations

import pytest

from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer.ideation import ideation_spans
from therapy_notes.engine.composer.risks import find_risks

STATED = [
    "Sometimes I think it'd be nice to just fall asleep forever.",
    "I keep thinking everyone would be relieved if I was gone.",
    "Honestly I've thought about just not existing anymore.",
    "Part of me wants to just disappear and never come back.",
    "I've been wondering what the point of any of it is.",
    "I looked at the bridge on the way here and thought about it.",
    "Some nights I lie there and picture my own funeral.",
    "I feel like I'd be doing everyone a favour if I just died.",
    "I've started thinking I don't deserve to live.",
    "I just want it all to stop, for good.",
    "I've been thinking of taking all my pills at once.",
    "I have the rope in the garage, I checked it last night.",
    "I wrote letters to my kids in case something happens to me.",
    "I wish I could go to sleep and stay asleep.",
    "If I died tomorrow I honestly wouldn't care.",
    "There's no point in me being around.",
    "I can't see myself being here much longer.",
    "I keep imagining crashing the car into a tree.",
    "I'd rather be dead than go through this again.",
    "Life isn't worth living like this.",
    "I feel like giving up on everything, on life.",
    "I don't see the point in carrying on.",
    "I punched the wall until my knuckles bled, I wanted to feel something.",
    "They'd all be relieved if I was gone.",
    # A wish for something to end the speaker, another agent standing between.
    "Sometimes I wish the accident had taken me instead.",
    "My son would be better off if the cancer had finished me last year.",
    "I keep hoping something bad happens to me on the way home.",
    "I wish I wasn't alive some days.",
    "There's no reason for me to keep going.",
    "What's the use of me being around anyway.",
    # At a place of means, about to go; medicine held back and kept; indifference.
    "Last night I sat on the railings of the car park roof and I was ready to jump.",
    "I stopped taking my evening pills and I've been keeping them in a box.",
    "I swallowed a bunch of my sleeping tablets on Friday.",
    "Honestly I don't care if I crash the car.",
]
# What a recogniser makes of the words: split, glued or misheard.
RECOGNISED = [
    "I think about killing my self a lot.",
    "I've been having suicide all thoughts again.",
    "I've been self arming again since Christmas.",
    "I took an over dose in March.",
]
EVERYDAY = [
    "I'm dying to see the new film.",
    "This commute is killing me.",
    "I'd kill for a coffee right now.",
    "My phone died halfway through the call.",
    "I was dead tired after work.",
    "I nearly died laughing.",
    "Since my dad died, Sundays are hard.",
    "I wish my dad hadn't died so young.",
    "I think about when she died every day.",
    "I thought I was going to die of embarrassment.",
    "I want to disappear into a good book this weekend.",
    "I want to end it with him, but I'm scared to.",
    "I wish something good would happen to me for once.",
    "I think something happened to me when I was little that I can't remember.",
    "There's no reason to keep going with the old exercises.",
    "I wasn't born yet when they moved here.",
    "At the pool I was about to jump in when the lifeguard blew the whistle.",
    "My plan is to visit my sister.",
    "I went to my grandmother's funeral on Friday.",
    "I start classes in the fall.",
    "Life is worth living again, I can feel it.",
    "I don't see the point in the stretches, they hurt.",
    "I'll be gone for the weekend.",
    "She thinks about dying a lot, my sister.",
]
NEGATED = [
    "I don't want to die, I want things to change.",
    "I've never thought about not existing.",
    "I'd never take all my pills, I'm not like that.",
]


@pytest.mark.parametrize("said", STATED + RECOGNISED)
def test_ideation_in_the_clients_own_words_is_flagged(said: str) -> None:
    assert find_risks(said, first_person=True) == [RiskKind.SELF_HARM]


@pytest.mark.parametrize("said", EVERYDAY)
def test_the_everyday_sense_of_the_same_words_is_no_risk(said: str) -> None:
    assert find_risks(said, first_person=True) == []


@pytest.mark.parametrize("said", NEGATED)
def test_negated_ideation_is_no_risk(said: str) -> None:
    assert find_risks(said, first_person=True) == []


def test_a_span_starts_at_the_frame_so_negation_before_it_is_seen() -> None:
    clause = "sometimes i just want to disappear for good"
    [(start, end)] = ideation_spans(clause)
    assert clause[start:end] == "want to disappear"


def test_another_person_between_the_wish_and_the_death_makes_it_theirs() -> None:
    assert ideation_spans("i wish him dead") == []
    assert ideation_spans("i wish i was dead") != []
