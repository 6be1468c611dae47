"""Risk: screening replies of either polarity, and a clinician's reasoning about risk."""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, flagged, texts
from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer.risks import screened_risks


def test_feeling_safe_at_home_is_a_denial_not_a_flag() -> None:
    calls = composed(
        ("Clinician", "Who helps you at home, and do you feel safe there?"),
        ("Client", "My son stops by most evenings. Yes, I feel safe."),
    )
    assert flagged(calls) == []
    assert any("denies abuse" in t for t in texts(calls, "assessment"))


def test_not_feeling_safe_at_home_is_flagged() -> None:
    calls = composed(
        ("Clinician", "Do you feel safe where you're living?"),
        ("Client", "Not really. He gets loud and throws things when he drinks."),
    )
    assert flagged(calls) == ["abuse_or_neglect"]


def test_a_clinicians_reasoning_about_preventing_falls_is_no_flag() -> None:
    for said in (
        "That time is in the range where I'd be concerned about falls, so we'll keep at it.",
        "These exercises help prevent falls on the stairs.",
        "Wide steps on the turns will lower your risk of a fall.",
    ):
        assert flagged(composed(("Clinician", said))) == [], said


def test_a_fall_the_clinician_reports_is_still_flagged() -> None:
    assert flagged(composed(("Clinician", "She fell twice in the bathroom last month."))) == [
        "fall_risk"
    ]


def test_a_screen_answered_in_a_later_sentence_of_the_reply() -> None:
    calls = composed(
        ("Clinician", "How are things with your partner, and has anyone hurt you?"),
        ("Client", "We argue about money. But no, nobody has ever hurt me."),
    )
    assert flagged(calls) == []
    assert any("denies abuse" in t for t in texts(calls, "assessment"))


def test_a_no_in_any_words_is_a_documented_denial_never_a_flag() -> None:
    for reply in (
        "Certainly not.",
        "Oh gosh, no.",
        "I could never do that to my mother.",
        "It has never once crossed my mind.",
        "Nobody, no.",
        "Honestly, no.",
        "No, I'm okay.",
        "Ah, no. No, I wouldn't go there.",
    ):
        calls = composed(
            ("Clinician", "Have you had thoughts of ending your life lately?"), ("Client", reply)
        )
        assert flagged(calls) == [], reply
        assert any("denies suicidal" in t for t in texts(calls, "assessment")), reply


def test_a_no_that_goes_on_to_state_a_risk_or_hedges_is_flagged() -> None:
    for reply in (
        "No, but last month I swallowed a handful of my sleeping pills.",
        "I'm not sure, some nights maybe.",
        "Not that I'd act on.",
        "I don't know, maybe.",
        "Not every night.",
    ):
        calls = composed(
            ("Clinician", "Any thoughts of killing yourself this week?"), ("Client", reply)
        )
        assert flagged(calls) == ["self_harm"], reply


def test_stated_risks_in_the_words_clients_use() -> None:
    for said, kind in (
        ("Most mornings I lie there praying I don't wake up tomorrow.", "self_harm"),
        ("I feel like a dead weight on my family's shoulders.", "self_harm"),
        ("The kids would be happier without me, honestly.", "self_harm"),
        ("I've been having thoughts of death since the diagnosis.", "self_harm"),
        ("Last week I gave my cat to my neighbour and wrote out a will.", "self_harm"),
        ("If he touches my daughter again I'll put him in the ground.", "harm_to_others"),
        ("My grandson stole my pension money from the drawer.", "abuse_or_neglect"),
        ("My daughter refuses to bring my medicine when she visits.", "abuse_or_neglect"),
        ("I almost went down on the ice yesterday.", "fall_risk"),
        ("I keep tripping over the dog.", "fall_risk"),
    ):
        assert flagged(composed(("Client", said))) == [kind], said


def test_risk_words_that_state_no_risk() -> None:
    for who, said in (
        ("Clinician", "Taking the stairs slowly lowers the odds of a fall."),
        ("Client", "We took a road trip to the coast, it was lovely."),
        ("Client", "If I ever felt like hurting myself, I'd call you."),
        ("Client", "My wife takes my checks to the bank on Fridays."),
        ("Clinician", "People think about death more after a loss, that's normal."),
        ("Client", "I think about my dad's death a lot."),
    ):
        assert flagged(composed((who, said))) == [], said


def test_follow_up_questions_about_method_and_intent_are_screens() -> None:
    calls = composed(
        ("Clinician", "When those thoughts come, would you act on them?"),
        ("Client", "Maybe. Some nights I think I could."),
    )
    assert flagged(calls) == ["self_harm"]
    calls = composed(
        ("Clinician", "Has anyone been using your savings without asking?"),
        ("Client", "No, my accounts are all in my name."),
    )
    assert flagged(calls) == []
    assert any("denies abuse" in t for t in texts(calls, "assessment"))
    calls = composed(
        ("Clinician", "Do you ever feel like you want to get back at your brother?"),
        ("Client", "I'd never lay a finger on him."),
    )
    assert flagged(calls) == []
    assert any("denies thoughts of harming others" in t for t in texts(calls, "assessment"))


def test_more_of_the_screens_vocabulary_is_a_stated_risk() -> None:
    for said, kind in (
        ("Honestly I'm just tired of living.", "self_harm"),
        ("Everyone would be fine if I was gone.", "self_harm"),
        ("Nothing's ever going to get better for me.", "self_harm"),
        ("I searched online for how many tablets it would take.", "self_harm"),
        ("There's a loaded shotgun under the bed.", "self_harm"),
        ("I bang my head against the door on purpose when I'm furious.", "self_harm"),
        ("I keep thinking about swerving into the oncoming lane.", "self_harm"),
        ("He leaves me alone for days without my medication.", "abuse_or_neglect"),
        ("She won't let me call my sister.", "abuse_or_neglect"),
        ("My left leg buckled on the curb.", "fall_risk"),
        ("I took another tumble in the garden.", "fall_risk"),
    ):
        assert flagged(composed(("Client", said))) == [kind], said


def test_falls_and_hopelessness_as_a_topic_or_someone_elses_are_no_flag() -> None:
    for who, said in (
        ("Clinician", "Hopelessness may ease as the medication starts working."),
        ("Clinician", "Falls are common in the first month after a stroke."),
        ("Clinician", "His fall risk score has come down a lot."),
        ("Client", "My father fell off a ladder in the spring."),
        ("Client", "Prices fell at the market this week."),
        ("Client", "I always trip over my tongue on the phone."),
        ("Client", "My birthday falls on a Sunday this year."),
    ):
        assert flagged(composed((who, said))) == [], said


def test_a_question_about_lethal_means_is_a_screen() -> None:
    calls = composed(
        ("Clinician", "Is there a firearm kept anywhere in the house?"),
        ("Client", "My brother's shotgun is in the basement."),
    )
    assert flagged(calls) == ["self_harm"]
    calls = composed(("Clinician", "Do you have any weapons at home?"), ("Client", "None at all."))
    assert flagged(calls) == []
    assert any("denies suicidal" in t for t in texts(calls, "assessment"))


def test_rehearsal_overdose_no_future_and_sliding_to_the_floor() -> None:
    for said, kind in (
        ("Last night I sat holding the razor to my wrist for an hour.", "self_harm"),
        ("I took too many of my sleeping pills on Friday.", "self_harm"),
        ("Would anybody even care if I died?", "self_harm"),
        ("I can't see any future for me.", "self_harm"),
        ("I slid out of the wheelchair yesterday.", "fall_risk"),
    ):
        assert flagged(composed(("Client", said))) == [kind], said
    for said in ("I can see a future now.", "I took too long getting ready."):
        assert flagged(composed(("Client", said))) == [], said


def test_a_long_abuse_screen_with_several_acts_is_a_screen() -> None:
    for template in ("soap", "dap", "birp", "girp"):
        calls = composed(
            (
                "Clinician",
                "Has anybody you live with ever pushed you, threatened you, or taken money"
                " from you without asking?",
            ),
            ("Client", "No to all of those."),
            template=template,
        )
        assert flagged(calls) == [], template
        assert any("denies abuse" in t for t in texts(calls)), template
    calls = composed(
        ("Clinician", "Is there someone who can push you in the chair to the car?"),
        ("Client", "Yes, my son."),
    )
    assert flagged(calls) == []


def test_others_relief_at_the_clients_absence_is_passive_ideation() -> None:
    # Perceived burdensomeness said as how others would feel: C-SSRS wish to be dead.
    for said in (
        "Honestly, my kids would be happier if I just disappeared.",
        "Everyone would be fine if I simply wasn't around anymore.",
    ):
        calls = composed(("Clinician", "How has the week been?"), ("Client", said))
        assert flagged(calls) == ["self_harm"], said


def test_being_happier_somewhere_else_is_no_risk() -> None:
    calls = composed(
        ("Clinician", "How is the new job?"),
        ("Client", "Good. I'd be happier if the commute just disappeared, though."),
    )
    assert flagged(calls) == []


def test_a_car_left_running_in_a_closed_garage_is_a_method_and_flagged() -> None:
    # Carbon monoxide: an aborted or interrupted attempt told as what was done.
    for said in (
        "Last Sunday I sat in the garage with the engine running for a while.",
        "I shut the garage door and left the car on, then my daughter came home.",
    ):
        calls = composed(("Clinician", "What happened after the argument?"), ("Client", said))
        assert flagged(calls) == ["self_harm"], said


def test_a_car_warming_up_in_the_driveway_is_no_risk() -> None:
    calls = composed(
        ("Clinician", "How do you manage the cold mornings?"),
        ("Client", "I leave the car running in the driveway for ten minutes before I go."),
    )
    assert flagged(calls) == []


def test_a_reply_about_a_risk_reads_as_the_topic_asked_about() -> None:
    calls = composed(
        ("Clinician", "You fell last week, what happened?"),
        ("Client", "I tripped on the rug in the hall and landed on my hip."),
    )
    assert flagged(calls) == ["fall_risk"]
    quoted = [t for t in texts(calls, "subjective") if "tripped on the rug" in t]
    assert quoted, texts(calls)
    assert quoted[0].startswith("Asked about falls, client states"), quoted
    assert not any("When screened" in t for t in texts(calls))


_SCREEN = "Any thoughts of ending your life lately?"


def test_a_no_taken_back_in_part_is_flagged_for_review_not_documented_as_a_denial() -> None:
    for reply in (
        "Not really, I mean, maybe once or twice I thought about it.",
        "No, but the thought is there some nights.",
        "Nothing I'd act on, though it crosses my mind at times.",
        "Not much. Kind of, here and there.",
    ):
        calls = composed(("Clinician", _SCREEN), ("Client", reply))
        assert flagged(calls) == ["self_harm"], reply
        assert not any("denies" in t for t in texts(calls, "assessment")), reply


def test_a_no_with_an_unrelated_but_is_still_a_denial() -> None:
    for reply in ("No, but my sleep has been awful.", "No, not since last year."):
        calls = composed(("Clinician", _SCREEN), ("Client", reply))
        assert flagged(calls) == [], reply
        assert any("denies suicidal" in t for t in texts(calls, "assessment")), reply


def test_a_hedge_does_not_negate_the_statement_after_it() -> None:
    for said in (
        "I don't know, sometimes I just want to die.",
        "Not gonna lie, I've thought about ending my life.",
        "I dunno. I wish I was dead most mornings.",
    ):
        assert flagged(composed(("Clinician", "How has the week been?"), ("Client", said))) == [
            "self_harm"
        ], said
    assert flagged(composed(("Client", "I don't know, I don't want to die or anything."))) == []


def test_a_screen_asked_by_reference_to_the_sentence_before_it() -> None:
    calls = composed(
        (
            "Clinician",
            "When things pile up, some people start to think about suicide. "
            "Is that something that has happened for you?",
        ),
        ("Client", "Honestly, no, never."),
    )
    assert flagged(calls) == []
    assert any("denies suicidal" in t for t in texts(calls, "assessment"))


def test_asking_leave_to_screen_is_no_screen_itself() -> None:
    calls = composed(
        (
            "Clinician",
            "Next I ask everyone whether anyone at home is hurting them. Is that okay with you?",
        ),
        ("Client", "Sure, go on."),
    )
    assert flagged(calls) == []


def test_the_question_said_back_before_the_answer_is_not_a_statement() -> None:
    calls = composed(
        ("Clinician", "Any thoughts of harming another person?"),
        ("Client", "Harming someone? No, never, not me."),
    )
    assert flagged(calls) == []
    assert any("denies thoughts of harming" in t for t in texts(calls, "assessment"))


def test_a_no_taken_back_in_the_next_sentence_is_one_answer_for_review() -> None:
    calls = composed(
        ("Clinician", "Have you had any thoughts of killing yourself this month?"),
        ("Client", "No... um. A couple of times, late, when I couldn't sleep."),
    )
    assert flagged(calls) == ["self_harm"]
    assert not any("denies suicidal" in t for t in texts(calls, "assessment"))


def test_a_no_then_another_subject_is_still_a_denial() -> None:
    calls = composed(
        ("Clinician", "Have you had any thoughts of killing yourself this month?"),
        ("Client", "No. Maybe I should tell you about my shoulder though, it clicks."),
    )
    assert flagged(calls) == []
    assert any("denies suicidal" in t for t in texts(calls, "assessment"))


def test_the_thought_owned_by_reference_after_a_denied_act_is_stated() -> None:
    calls = composed(
        ("Clinician", "How has the week been?"),
        ("Client", "I would never actually end my life. I do think about it though, most nights."),
    )
    assert flagged(calls) == ["self_harm"]


def test_thinking_about_someone_elses_risk_is_not_the_clients() -> None:
    calls = composed(
        ("Clinician", "How was the book?"),
        ("Client", "The main character kills herself at the end. I keep thinking about it."),
    )
    assert flagged(calls) == []


def test_a_sentence_that_names_no_one_speaks_of_whom_the_last_one_did() -> None:
    calls = composed(
        ("Clinician", "How's your nephew?"),
        ("Client", "He says he wants to hurt the lad at school. Like, really smash him."),
    )
    assert flagged(calls) == []
    calls = composed(
        ("Clinician", "What did you do last night?"),
        ("Client", "I wrote two letters, one for my dad. Goodbye letters, I mean."),
    )
    assert flagged(calls) == ["self_harm"]


def test_risk_is_read_from_a_short_yes_or_a_goodbye_later_in_the_reply() -> None:
    calls = composed(
        ("Clinician", "How did the weekend go?"),
        ("Client", "It was a rough one, to be honest. Yes, I cut myself."),
    )
    assert flagged(calls) == ["self_harm"]


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("How's the pain today, zero to ten?", "About a six, and I've been thinking of dying."),
        ("Have you kept up the stretches?", "No, I've been thinking about ending it all."),
        ("How far can you walk now?", "Two blocks, but what's the point of living like this."),
        ("How many hours did you sleep?", "Four, I lay there wishing I was dead."),
    ],
)
def test_risk_said_in_the_answer_to_another_question_is_flagged(question: str, reply: str) -> None:
    calls = composed(("Clinician", question), ("Client", reply))
    assert flagged(calls) == ["self_harm"]
    assert any(reply.rstrip(".") in t for t in texts(calls, "subjective"))


def test_medicine_not_taken_and_then_kept_back_is_preparation() -> None:
    calls = composed(
        ("Clinician", "How are you getting on with the sleeping tablets?"),
        ("Client", "I've not been taking them, to be honest. I've been saving them up in a jar."),
    )
    assert flagged(calls) == ["self_harm"]
    calls = composed(
        ("Clinician", "How's the new routine?"),
        (
            "Client",
            "I haven't been taking the bus. I've been keeping them in a drawer, the passes.",
        ),
    )
    assert flagged(calls) == []


def test_falling_asleep_in_a_question_is_no_falls_screen() -> None:
    assert screened_risks("How long does it take you to fall asleep these days?") == []
    assert screened_risks("Have you had any trips or falls since last time?") == [
        RiskKind.FALL_RISK
    ]


def test_a_denial_of_intent_or_a_plan_says_so_beside_a_passive_wish() -> None:
    calls = composed(
        ("Client", "Some nights I go to bed hoping I just won't wake up."),
        (
            "Clinician",
            "Have you had any thoughts of actually killing yourself, or of how you might do it?",
        ),
        ("Client", "No, no plan. Nothing like that."),
    )
    assert flagged(calls) == ["self_harm"]
    assert "Client denies active suicidal ideation, intent or a plan when screened." in texts(calls)
    assert "Client denies suicidal ideation or self-harm when screened." not in texts(calls)


def test_a_bare_yes_to_feeling_safe_is_a_denial_never_a_flag() -> None:
    # "Yes." alone reads as a nod; as the answer to a safety screen it says the client is safe.
    for said in ("Yes.", "Yeah."):
        calls = composed(("Clinician", "Do you feel safe at home?"), ("Client", said))
        assert flagged(calls) == []
        assert any("denies abuse" in t for t in texts(calls)), texts(calls)
    unsafe = composed(("Clinician", "Do you feel safe at home?"), ("Client", "No."))
    assert flagged(unsafe) == ["abuse_or_neglect"]


def test_a_bare_yes_to_a_clinical_question_reports_what_was_asked() -> None:
    calls = composed(("Clinician", "Any numbness or tingling?"), ("Client", "Yeah."))
    assert texts(calls) == ["Client reports numbness or tingling."]


# Denials as a recogniser and a real client give them (run into the clinician's turn, said
# twice, with a look-alike word, a past qualifier or a reason), written before any rule
# was checked against them: each is documented as a denial and flags nothing.
DENIALS_AS_SAID: list[tuple[tuple[str, str], ...]] = [
    (("Clinician", "Any thoughts of hurting yourself? No, not at all."),),
    (
        ("Clinician", "Have you had thoughts of ending your life?"),
        ("Client", "No. No, I'd never do that to my kids."),
    ),
    (
        ("Clinician", "Have you had any falls since I saw you last?"),
        ("Client", "Nope. Been careful on the stairs."),
    ),
    (
        ("Clinician", "Has anyone at home hurt you or made you feel afraid?"),
        ("Client", "No, he's been lovely, honestly."),
    ),
    (
        ("Clinician", "Any thoughts of harming anyone else?"),
        ("Client", "God, no. I get angry but I'd never hurt anyone."),
    ),
    (
        ("Clinician", "Are you having any thoughts of suicide?"),
        ("Client", "Not now. Years ago, in my twenties, but not now."),
    ),
    (
        ("Clinician", "Any urges to cut since last week?"),
        ("Client", "No. I've been using the ice cube thing instead."),
    ),
    (
        ("Clinician", "Do you ever wish you could go to sleep and not wake up?"),
        ("Client", "No, I've got too much to live for."),
    ),
    (
        ("Clinician", "Any thoughts of killing yourself this week?"),
        ("Client", "Um, no. No."),
    ),
    (
        ("Clinician", "Have you fallen at all this month?"),
        ("Client", "Not fallen, no. I did stumble once but caught the rail."),
    ),
    (
        ("Clinician", "Do you feel safe at home?"),
        ("Client", "Yeah, I do. It's quiet now he's moved out."),
    ),
    (
        ("Clinician", "Have you thought about how you would do it?"),
        ("Client", "No, nothing like that. I'm not going to do anything."),
    ),
    (
        ("Clinician", "Any self harm lately?"),
        ("Client", "No, I stopped all that when I was sixteen."),
    ),
    (
        ("Clinician", "Thoughts of hurting someone?"),
        ("Client", "No, never. I just wanted him to leave me alone."),
    ),
    (("Clinician", "Okay, and any thoughts of suicide? No."),),
]


@pytest.mark.parametrize("lines", DENIALS_AS_SAID)
def test_a_denial_however_it_is_said_is_documented_and_flags_nothing(
    lines: tuple[tuple[str, str], ...],
) -> None:
    calls = composed(*lines)
    assert flagged(calls) == []
    assert any("denies" in t.lower() for t in texts(calls)), texts(calls)
