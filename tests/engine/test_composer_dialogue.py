"""The composer on labelled dialogue: a note written from who said what."""

from __future__ import annotations

from tests.engine import composer_calls as calls_of
from therapy_notes.domain.tools import (
    FLAG_RISK,
    RECORD_MEASUREMENT,
)
from therapy_notes.engine.composer import (
    ComposerTurn,
    compose,
    find_measurements,
    find_risks,
    screened_risks,
)
from therapy_notes.engine.composer.dialogue import Speaker, Utterance, utterance_kind


def test_a_question_and_its_answer_are_one_fact_and_the_question_no_entry() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Let's look at your left knee."),
            ("Clinician", "On a scale of zero to ten, where would you put the pain today?"),
            ("Client", "About a six."),
        ),
        calls_of.sections(),
    )
    assert calls_of.measured(calls) == [
        {"kind": "pain_score", "value": 6, "unit": "/10", "body_part": "knee", "side": "left"}
    ]
    entries = calls_of.entries(calls)
    assert ("subjective", "Client rates left knee pain 6/10.") in entries
    assert not [t for _, t in entries if t.endswith("?") or "scale" in t.lower()]
    answer = next(c for c in calls if c.name == RECORD_MEASUREMENT)
    assert answer.source_item_ids == ("item_1", "item_2")


def test_greetings_instructions_and_acknowledgements_are_not_entries() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Hi Sam, good to see you. Have a seat."),
            ("Client", "Thanks."),
            ("Clinician", "Now squeeze this for me."),
            ("Clinician", "Okay, good."),
        ),
        calls_of.sections(),
    )
    assert calls == []


def test_client_statements_are_reported_in_the_third_person() -> None:
    calls = compose(
        calls_of.turns(("Client", "My shoulder has been sore since I moved house.")),
        calls_of.sections(),
    )
    assert calls_of.entries(calls) == [
        ("subjective", "Client reports their shoulder has been sore since they moved house.")
    ]


def test_an_earlier_value_is_progress_not_todays_measurement() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Raise your right arm forward as high as you can."),
            ("Clinician", "That's a hundred and ten degrees. Last week you were at ninety."),
        ),
        calls_of.sections(),
    )
    assert [m["value"] for m in calls_of.measured(calls)] == [110]
    assert (
        "assessment",
        "Right arm flexion improved from 90 degrees to 110 degrees since last week.",
    ) in calls_of.entries(calls)


def test_a_denied_screen_is_documented_and_never_flagged() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Have you had any thoughts of hurting yourself?"),
            ("Client", "No, nothing like that."),
        ),
        calls_of.sections(),
    )
    assert not [c for c in calls if c.name == FLAG_RISK]
    assert calls_of.entries(calls) == [
        ("assessment", "Client denies suicidal ideation or self-harm when screened.")
    ]


def test_a_stated_risk_leads_the_calls_and_quotes_the_client() -> None:
    calls = compose(
        calls_of.turns(
            ("Client", "My knee is better this week."),
            ("Client", "Some days I think my family would be better off without me."),
        ),
        calls_of.sections(),
    )
    assert calls[0].name == FLAG_RISK
    assert calls[0].arguments["kind"] == "self_harm"
    assert "better off without me" in calls[0].arguments["evidence"]


def test_a_yes_to_a_screen_is_flagged_with_the_question_in_evidence() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Do you ever wish you could go to sleep and not wake up?"),
            ("Client", "Sometimes, yeah."),
        ),
        calls_of.sections(),
    )
    flags = [c for c in calls if c.name == FLAG_RISK]
    assert [f.arguments["kind"] for f in flags] == ["self_harm"]
    assert "not wake up" in flags[0].arguments["evidence"]


def test_screening_vocabulary_tolerates_recogniser_slips_and_scopes_negation() -> None:
    assert find_risks("I think I'm outending my life.", first_person=True)
    assert find_risks("I feel hopeless.", first_person=True)
    assert find_risks("I've been saving up my pills.", first_person=True)
    assert find_risks("I just feel like a burden to everyone.", first_person=True)
    assert not find_risks("I would never hurt myself.", first_person=True)
    assert not find_risks("My mum tried to kill herself last year.", first_person=True)
    assert not find_risks("I didn't wake up until noon.", first_person=True)
    assert screened_risks("Any thoughts of hurting yourself?")
    assert not screened_risks("How is your knee?")


def test_history_gives_the_question_a_new_turn_answers() -> None:
    history = calls_of.turns(("Clinician", "How would you rate your mood, zero to ten?"))
    calls = compose(
        [ComposerTurn("item_9", "Client: Maybe a four.")], calls_of.sections(), history=history
    )
    assert calls_of.measured(calls) == [{"kind": "mood_score", "value": 4, "unit": "/10"}]


def test_the_same_turns_compose_to_the_same_calls() -> None:
    turns = calls_of.turns(
        ("Clinician", "Where's the pain today, zero to ten?"),
        ("Client", "A five."),
        ("Clinician", "I want you to ice it twice a day."),
    )
    assert compose(turns, calls_of.sections("birp")) == compose(turns, calls_of.sections("birp"))
    plan = [
        t for s, t in calls_of.entries(compose(turns, calls_of.sections("birp"))) if s == "plan"
    ]
    assert plan == ["Client to ice it twice a day."]


def test_incidental_body_words_do_not_move_the_examined_joint() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Let's check the right knee."),
            ("Clinician", "Lie back for me and push against my hand."),
            ("Clinician", "That's a hundred and ten degrees of flexion."),
        ),
        calls_of.sections(),
    )
    assert calls_of.measured(calls) == [
        {
            "kind": "range_of_motion",
            "value": 110,
            "unit": "degrees",
            "body_part": "knee",
            "side": "right",
        }
    ]


def test_more_of_the_screening_vocabulary_is_heard_and_its_lookalikes_are_not() -> None:
    # Passive wishes (PHQ-9 item 9, C-SSRS 1), joining someone who died, an overdose told
    # as what was taken (C-SSRS actual attempt), and self-neglect of personal care.
    stated = {
        "I just wouldn't mind if I didn't wake up.": ["self_harm"],
        "Some nights I want to go to sleep and be with her.": ["self_harm"],
        "I wouldn't care if it all ended.": ["self_harm"],
        "Last spring I swallowed a handful of my mom's painkillers.": ["self_harm"],
        "I haven't showered in about three weeks.": ["abuse_or_neglect"],
    }
    for sentence, kinds in stated.items():
        assert [k.value for k in find_risks(sentence, first_person=True)] == kinds, sentence
    for harmless in (
        "I took a bottle of water to the gym.",
        "I haven't had a cigarette in two weeks.",
        "I wouldn't mind a nap.",
        "I took my pills this morning.",
        "I had a bath yesterday and it helped my back.",
    ):
        assert find_risks(harmless, first_person=True) == [], harmless


def test_a_rating_given_to_a_named_joint_is_its_pain_and_goals_are_not_values() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "How has your right elbow been feeling this week?"),
            ("Client", "Mornings it's like a three. After gardening maybe a five."),
            ("Clinician", "Keep walking until you can do it in under ten minutes."),
            ("Clinician", "Elbow flexion on the right is 120 degrees. The left side is 140."),
        ),
        calls_of.sections(),
    )
    assert calls_of.measured(calls) == [
        {"kind": "pain_score", "value": 3, "unit": "/10", "body_part": "elbow", "side": "right"},
        {"kind": "pain_score", "value": 5, "unit": "/10", "body_part": "elbow", "side": "right"},
        {
            "kind": "range_of_motion",
            "value": 120,
            "unit": "degrees",
            "body_part": "elbow",
            "side": "right",
        },
        {
            "kind": "range_of_motion",
            "value": 140,
            "unit": "degrees",
            "body_part": "elbow",
            "side": "left",
        },
    ]


def test_muscle_grades_and_ankle_motions_and_paired_sides() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Pull your toes up toward you for me, on the left."),
            ("Clinician", "Eversion is four out of five."),
            ("Clinician", "Grip is thirty pounds on the right, forty on the left."),
        ),
        calls_of.sections(),
    )
    measured = calls_of.measured(calls)
    assert measured[0] == {
        "kind": "strength_grade",
        "value": 4,
        "unit": "/5",
        "body_part": "ankle",
        "side": "left",
    }
    assert [(m["kind"], m["value"], m["unit"], m.get("side")) for m in measured[1:]] == [
        ("strength_grade", 30, "lb", "right"),
        ("strength_grade", 40, "lb", "left"),
    ]


def test_counts_ratings_and_self_corrections_become_one_value_each() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "How many headaches did you have this week?"),
            ("Client", "Two. No, three, one was mild."),
            ("Clinician", "And how bad was the worst one, from zero to ten?"),
            ("Client", "The one on Monday was about a seven."),
        ),
        calls_of.sections("dap"),
    )
    assert calls_of.measured(calls) == [
        {"kind": "other", "value": 3, "unit": "headaches"},
        {"kind": "other", "value": 7, "unit": "/10"},
    ]
    texts = [text for _, text in calls_of.entries(calls)]
    assert "Client reports 3 headaches this week." in texts
    assert "Client rates the worst one 7/10." in texts


def test_next_visits_referrals_and_daily_life_directives_are_plan_steps_of_a_test_are_not() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "Let's do the balance test now. I'll count."),
            ("Clinician", "Please get a shower chair before next week."),
            ("Clinician", "Wear the wrist splint at night."),
            ("Clinician", "I'm also going to ask the dietitian to call you."),
            ("Client", "Okay."),
            ("Clinician", "See you Thursday, same time."),
        ),
        calls_of.sections(),
    )
    plan = [text for section, text in calls_of.entries(calls) if section == "plan"]
    assert len(plan) == 4, plan
    assert any("shower chair" in p for p in plan)
    assert any("splint" in p for p in plan)
    assert any("dietitian" in p for p in plan)
    assert any("Thursday" in p for p in plan)
    assert not any("count" in p.lower() or "balance test" in p for p in plan)


def test_scores_out_of_any_total_and_points_are_values_changes_are_not() -> None:
    assert find_measurements("Twenty-six out of thirty on the MoCA today.") == [
        {"kind": "other", "value": 26, "unit": "/30", "name": "moca"}
    ]
    assert find_measurements("That puts you at eleven points.") == [
        {"kind": "other", "value": 11, "unit": "points"}
    ]
    assert find_measurements("It dropped four points since June.") == []
    assert find_risks("I keep hoping I just won't wake up.", first_person=True)


def test_a_walk_there_and_back_is_not_measured_on_the_back_a_one_legged_test_is_on_its_leg() -> (
    None
):
    calls = compose(
        calls_of.turns(
            ("Clinician", "Right knee flexion is 100 degrees."),
            ("Clinician", "Let's walk the hallway and back with the cane."),
            ("Clinician", "150 feet, no rest."),
            ("Clinician", "Now stand on your left leg only, eyes open."),
            ("Clinician", "Twelve seconds."),
        ),
        calls_of.sections(),
    )
    walked, stood = calls_of.measured(calls)[1:]
    assert walked["kind"] == "distance"
    assert walked.get("body_part") != "back"
    assert stood == {
        "kind": "duration",
        "value": 12,
        "unit": "seconds",
        "body_part": "leg",
        "side": "left",
    }


def test_rates_saturation_test_counts_and_a_share_of_a_total() -> None:
    assert find_measurements("About four and a half syllables per second.") == [
        {"kind": "other", "value": 4.5, "unit": "per second"}
    ]
    assert find_measurements("Her oxygen dipped to ninety-one at the end.") == [
        {"kind": "other", "value": 91, "unit": "%"}
    ]
    assert find_measurements("Forty-two blocks on the left.") == [
        {"kind": "other", "value": 42, "unit": "blocks", "side": "left"}
    ]
    assert find_measurements("You got seven of the ten blocks in.") == []


def test_a_headache_is_rated_at_the_head_and_the_longest_was_is_today() -> None:
    calls = compose(
        calls_of.turns(
            ("Clinician", "How are the headaches at work?"),
            ("Client", "Mornings it's a three, by evening a five, maybe five and a half."),
            ("Clinician", "The longest pause was about two seconds."),
        ),
        calls_of.sections(),
    )
    measured = calls_of.measured(calls)
    assert [(m["kind"], m["value"], m.get("body_part")) for m in measured] == [
        ("pain_score", 3, "head"),
        ("pain_score", 5.5, "head"),
        ("duration", 2, None),
    ]


def test_a_breath_taken_for_a_test_is_an_instruction_in_the_room() -> None:
    said = "Take a big breath and hold an ah as long as you can."
    assert utterance_kind(said, Speaker.CLINICIAN) is Utterance.INSTRUCTION


def test_a_test_named_then_how_to_do_it_is_an_instruction_not_an_entry() -> None:
    for said in (
        "Hip abduction, lying on your side.",
        "Knee extension strength, push out against me.",
        "Shoulder abduction, right arm first.",
        "Grip, right hand, squeeze as hard as you can.",
    ):
        assert utterance_kind(said, Speaker.CLINICIAN) is Utterance.INSTRUCTION, said
    assert utterance_kind("Overall, lift technique was good.", Speaker.CLINICIAN) is not (
        Utterance.INSTRUCTION
    )


def test_one_grade_called_out_after_the_clinician_resists_is_a_grade() -> None:
    calls = calls_of.composed(
        ("Clinician", "Knee extension strength, push out against me."),
        ("Clinician", "Four on the right."),
        ("Clinician", "Left's a three plus."),
    )
    assert [(m["value"], m["unit"], m["side"]) for m in calls_of.measured(calls)] == [
        (4, "/5", "right"),
        (3, "+/5", "left"),
    ]
    moved = calls_of.composed(
        ("Clinician", "Pull your toes up toward you."), ("Clinician", "Five.")
    )
    assert all(m["kind"] != "strength_grade" for m in calls_of.measured(moved))
