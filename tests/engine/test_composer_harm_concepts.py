"""Harm to others, abuse and falls found by the screens' concepts, not their wording.

Sentences written for these tests; the look-alikes are the same words in everyday use.
"""

from __future__ import annotations

import pytest

from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer.harm_concepts import concept_spans
from therapy_notes.engine.composer.risks import find_risks

STATED = [
    ("If he comes near my kids again I swear I'll kill him.", RiskKind.HARM_TO_OTHERS),
    ("I've been fantasizing about hurting my boss.", RiskKind.HARM_TO_OTHERS),
    ("I keep picturing smashing his face in.", RiskKind.HARM_TO_OTHERS),
    ("I bought a knife because I'm going to get him back.", RiskKind.HARM_TO_OTHERS),
    ("I told my neighbour I'd burn his house down and I meant it.", RiskKind.HARM_TO_OTHERS),
    ("I want to make her suffer the way I did.", RiskKind.HARM_TO_OTHERS),
    ("If she comes near my kids again I'm going to break her neck.", RiskKind.HARM_TO_OTHERS),
    ("I keep thinking about setting their van on fire.", RiskKind.HARM_TO_OTHERS),
    ("I thought about hurling my phone right at him.", RiskKind.HARM_TO_OTHERS),
    ("I'm terrified of him when he's been drinking.", RiskKind.ABUSE_OR_NEGLECT),
    ("I'm not allowed my own bank card any more.", RiskKind.ABUSE_OR_NEGLECT),
    ("I've been in the same clothes for a week.", RiskKind.ABUSE_OR_NEGLECT),
    (
        "The aide hasn't come since Tuesday, so I haven't had my insulin.",
        RiskKind.ABUSE_OR_NEGLECT,
    ),
    ("My partner shoved me down the stairs last month.", RiskKind.ABUSE_OR_NEGLECT),
    ("My son takes my pension card and I never see the money.", RiskKind.ABUSE_OR_NEGLECT),
    ("She screams at me and calls me worthless every day.", RiskKind.ABUSE_OR_NEGLECT),
    ("He forced me to have sex when I said no.", RiskKind.ABUSE_OR_NEGLECT),
    ("Nobody's brought me food since Tuesday.", RiskKind.ABUSE_OR_NEGLECT),
    ("I'm scared to go home tonight because of him.", RiskKind.ABUSE_OR_NEGLECT),
    ("My legs just gave way in the shower and down I went.", RiskKind.FALL_RISK),
    ("I keep losing my footing on the stairs.", RiskKind.FALL_RISK),
    ("I had a tumble in the garden on Sunday.", RiskKind.FALL_RISK),
    ("I ended up on the bathroom floor, couldn't get myself up.", RiskKind.FALL_RISK),
]
EVERYDAY = [
    "I'd kill for a holiday.",
    "My boss is killing me with these deadlines.",
    "We beat them in the final.",
    "He hit the nail on the head.",
    "I fell asleep on the couch.",
    "I fell behind on my bills.",
    "I love him to death.",
    "She shot me a look.",
    "He takes my bins out on Thursdays.",
    "I hit the gym three times this week.",
    "I want to make him dinner for his birthday.",
    "I'm going to get him a card.",
    "We're moving in the fall, maybe September.",
    "My neighbour had a fall on the ice last winter.",
    "My cousin's husband slaps her, and she won't leave.",
    "I threw the ball at him and he caught it.",
    "I'm not allowed to drive until the neurologist says so.",
]


@pytest.mark.parametrize(("said", "kind"), STATED)
def test_a_risk_told_by_its_concept_is_flagged(said: str, kind: RiskKind) -> None:
    assert kind in find_risks(said, first_person=True)


@pytest.mark.parametrize("said", EVERYDAY)
def test_the_everyday_sense_is_no_risk(said: str) -> None:
    assert find_risks(said, first_person=True) == []


def test_negation_before_a_concept_still_applies() -> None:
    assert find_risks("I would never hurt my brother, whatever he did.", first_person=True) == []
    assert find_risks("Nobody screams at me at home, it's calm.", first_person=True) == []


def test_a_condition_closed_by_a_new_clause_no_longer_governs() -> None:
    said = "I'll be ready whenever the doctor is, and lately I've been hoping I don't wake up."
    assert find_risks(said, first_person=True) == [RiskKind.SELF_HARM]
    assert find_risks("If I ever felt like hurting myself, I'd call you.", first_person=True) == []


def test_a_threat_promised_if_something_happens_is_stated() -> None:
    said = "If he texts her one more time I'm going to smash his car up."
    assert RiskKind.HARM_TO_OTHERS in find_risks(said, first_person=True)


def test_a_clinician_teaching_about_risk_reports_none() -> None:
    for said in (
        "Some people feel like a burden to their families when they're unwell.",
        "Warning signs include talking about wanting to die or feeling hopeless.",
        "Many people who have thoughts of suicide never tell anyone.",
    ):
        assert find_risks(said) == [], said
    assert find_risks("Client reports feeling like a burden to her family.") == [RiskKind.SELF_HARM]


def test_the_risk_of_the_person_spoken_of_last_is_theirs() -> None:
    for said in (
        "My roommate told me she's been thinking about suicide again.",
        "One of the patients on my unit took an overdose during my shift.",
        "He keeps saying he wants to hurt the kid who took his bike.",
        "We had two overdoses in the department on Friday.",
    ):
        assert find_risks(said, first_person=True) == [], said
    for said in (
        "My sister found me after I took an overdose.",
        "My dad's got a shotgun in the loft and I've thought about it.",
    ):
        assert find_risks(said, first_person=True) == [RiskKind.SELF_HARM], said


def test_self_harm_is_left_to_the_ideation_module() -> None:
    assert concept_spans(RiskKind.SELF_HARM, "i want to die") == []
