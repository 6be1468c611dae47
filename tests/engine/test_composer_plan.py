"""Plan items: what happens next, however it is said, and talk that only sounds like it.

Sentences here are new (not from the labelled conversations), in several phrasings, with
negative cases: the session's agenda, a prognosis, a step that names nothing.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, entries, texts


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("I'd also like you to keep a food diary this week.", ["food diary"]),
        ("I'd really like you to call your sister before Sunday.", ["sister"]),
        ("Until the rail goes in, please use the shower chair.", ["shower chair"]),
        ("For the stairs, please hold the rail with both hands.", ["rail"]),
        (
            "For the dizziness, try sitting on the edge of the bed for a minute before you stand.",
            ["edge of the bed"],
        ),
        ("When the cravings hit, text your sponsor first.", ["sponsor"]),
        ("I've got you down for Thursday at two.", ["Thursday"]),
        ("Yep, Friday at nine again.", ["Friday"]),
    ],
)
def test_a_next_step_however_it_is_said_is_a_plan_item(said: str, words: list[str]) -> None:
    plan = texts(composed(("Clinician", said)), "plan")
    assert len(plan) == 1, plan
    assert all(w.lower() in plan[0].lower() for w in words), plan


@pytest.mark.parametrize(
    "said",
    [
        "We'll get back to your sleep in a minute.",
        "Let's come back to the stairs before you go.",
        "It'll loosen up as the swelling goes down.",
        "That'll get easier with practice.",
        "We're going to sort this out together.",
        "I'm going to read you a short story, and then I'll ask you some questions about it.",
        "I'll show you how to put it on.",
        "On Monday you told me the stairs were the worst part.",
    ],
)
def test_talk_about_the_session_itself_or_a_prediction_is_no_plan_item(said: str) -> None:
    assert texts(composed(("Clinician", said)), "plan") == []


def test_a_pronoun_in_a_plan_item_names_the_professional_it_stands_for() -> None:
    calls = composed(
        ("Clinician", "Dr. Alvarez should see that rash. I'll email her the photos today."),
    )
    plan = texts(calls, "plan")
    assert any("Dr. Alvarez" in p and "photos" in p for p in plan), plan


def test_a_clients_question_about_their_care_and_the_answer_are_one_plan_item() -> None:
    calls = composed(
        ("Client", "Can I drive yet?"),
        ("Clinician", "Not until you can turn your head all the way to both sides."),
        ("Client", "Should I keep the brace on at night?"),
        ("Clinician", "Yes, every night for now."),
    )
    plan = texts(calls, "plan")
    assert any("drive" in p and "turn" in p for p in plan), plan
    assert any("brace" in p and "every night" in p for p in plan), plan


def test_a_treatment_started_and_how_to_do_it_are_one_plan_item() -> None:
    calls = composed(
        (
            "Clinician",
            "We'll start a sleep diary today. Write down when you go to bed and when you "
            "wake up, every night.",
        ),
    )
    plan = texts(calls, "plan")
    assert len(plan) == 1, plan
    assert "sleep diary" in plan[0]
    assert "every night" in plan[0]


def test_a_goal_for_the_coming_weeks_is_in_the_plan_a_goal_worked_on_is_a_goal() -> None:
    calls = composed(
        ("Clinician", "Your goal for this month was to walk to the mailbox without stopping."),
        ("Clinician", "Goal for the next three weeks is to walk to the corner and back."),
        template="girp",
    )
    assert any("mailbox" in t for t in texts(calls, "goals"))
    assert any("corner" in t for t in texts(calls, "plan"))
    assert not any("mailbox" in t for t in texts(calls, "plan"))


def test_a_plan_item_keeps_the_initialisms_and_names_it_was_said_with() -> None:
    calls = composed(
        ("Clinician", "If the thoughts get stronger, call the crisis line or come to A&E."),
        ("Clinician", "I'll send a letter to your GP about the dizziness."),
    )
    plan = texts(calls, "plan")
    assert plan == [
        "Client to call the crisis line or come to A&E if the thoughts get stronger.",
        "Plan to send a letter to client's GP about the dizziness.",
    ]


@pytest.mark.parametrize(
    "said",
    [
        "Start using the walker for anything longer than the hallway.",
        "Practise the pursed-lip breathing whenever you climb the stairs.",
        "I'll ask the OT to come and look at the bathroom.",
        "I'm discharging you from physio today, with the home programme to keep going.",
        "You can go back to swimming, but no breaststroke kick yet.",
        "You're fine to drive again from Monday.",
        "Hold off on the gym until the scan.",
    ],
)
def test_a_step_for_after_the_session_is_a_plan_item(said: str) -> None:
    assert [s for s, _ in entries(composed(("Clinician", said)))] == ["plan"]


@pytest.mark.parametrize(
    "said",
    [
        "I'll ask you to stand up slowly now.",
        "Can you go back to the start line for me?",
        "The swelling has gone down since last week.",
        "You can start whenever you're ready.",
        "Whenever you're ready, lift your arm.",
        "Hold off for a second while I adjust the strap.",
        "Stop doing that for a moment, let me look.",
        "Start using your left hand for this one.",
    ],
)
def test_talk_in_the_room_is_no_plan_item(said: str) -> None:
    assert "plan" not in [s for s, _ in entries(composed(("Clinician", said)))]


def test_a_visit_booked_in_pieces_is_one_plan_item() -> None:
    calls = composed(("Clinician", "We'll do Thursday again. Thursday at ten."))
    assert texts(calls, "plan") == ["Follow up Thursday at 10."]
    calls = composed(
        ("Clinician", "See you Thursday. And I'll see you in two weeks for the review.")
    )
    assert len(texts(calls, "plan")) == 2  # two visits


# List 13, by concept (homework, frequency, follow-up, referral, safety plan, precaution,
# equipment, education, discharge, a word with another professional), written with its
# look-alikes before the rules that now read them: 18 of 24 were plan items and one
# look-alike was at the start.
LIST_13_PLAN = [
    ("Between now and next time, jot down every time you check the locks.", ["locks"]),
    ("I want you doing the pendulums three times a day.", ["pendulum"]),
    ("Ice the knee after every walk, fifteen minutes.", ["ice"]),
    ("We'll see you twice a week for the next month.", ["twice a week"]),
    ("Let's meet again in two weeks.", ["2 weeks"]),
    ("I'm going to send a note to your GP about the sleeping tablets.", ["gp"]),
    ("I'll put a referral in to the dietitian.", ["dietitian"]),
    (
        "If the urges get strong, call the crisis line or come to the emergency department.",
        ["crisis line"],
    ),
    ("Keep the safety plan on your fridge where you can see it.", ["safety plan"]),
    ("No driving until the surgeon clears you.", ["driving"]),
    ("Don't get the wound wet for another week.", ["wound"]),
    ("Wear the wrist splint at night.", ["splint"]),
    ("You should pick up a raised toilet seat from the medical supply store.", ["toilet seat"]),
    ("Read the handout on sleep hygiene before our next session.", ["handout"]),
    ("Practise the slow breathing for five minutes before bed.", ["breathing"]),
    ("Say the ten words out loud every morning with the mirror.", ["mirror"]),
    ("We'll recheck your grip strength in four weeks.", ["grip"]),
    ("Ask your pharmacist whether the new tablets could be making you dizzy.", ["pharmacist"]),
    ("I'll call your wife this afternoon, like we agreed, to go over the plan.", ["wife"]),
    ("Try to get outside for a walk most days.", ["walk"]),
    ("Stop the hamstring stretch if it causes any tingling down the leg.", ["hamstring"]),
    ("We're going to discharge you from therapy today; keep up the home exercises.", ["discharge"]),
    ("Bring your hearing aids next time so we can test with them in.", ["hearing aids"]),
    ("Next session we'll start the exposure hierarchy.", ["exposure"]),
]
LIST_13_NOT_PLAN = [
    "Let's try that again, a bit slower.",
    "We'll do one more set and then rest.",
    "Okay, let's move on to your balance.",
    "I'll hold your arm while you stand.",
    "We talked about the breathing last time.",
    "You've been doing the exercises really well.",
    "That should settle down with time.",
    "Last week we decided to stop the walking programme.",
]


@pytest.mark.parametrize(("said", "words"), LIST_13_PLAN)
def test_list_13_steps_after_the_session_are_plan_items(said: str, words: list[str]) -> None:
    plan = texts(composed(("Clinician", said)), "plan")
    assert len(plan) == 1, plan
    assert all(w in plan[0].lower() for w in words), plan


@pytest.mark.parametrize("said", LIST_13_NOT_PLAN)
def test_list_13_steps_of_the_session_are_no_plan_items(said: str) -> None:
    assert texts(composed(("Clinician", said)), "plan") == []
