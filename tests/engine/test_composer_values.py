"""Values as clinicians name them, with the joint, side and time they belong to."""

from __future__ import annotations

from tests.engine.composer_calls import composed, measured, texts
from therapy_notes.engine.composer import find_measurements
from therapy_notes.engine.composer.numbers import self_corrected


def test_a_hand_bent_up_or_down_is_measured_at_the_wrist() -> None:
    calls = composed(
        ("Clinician", "Rest your forearm here and bend your left hand down toward the floor."),
        ("Clinician", "That's sixty degrees of flexion."),
        ("Clinician", "Now grip this as hard as you can. Grip is thirty pounds."),
    )
    rom, grip = measured(calls)
    assert (rom["kind"], rom["body_part"], rom["side"]) == ("range_of_motion", "wrist", "left")
    assert grip["body_part"] == "hand"


def test_a_time_phrase_with_a_number_still_marks_the_earlier_value() -> None:
    calls = composed(
        ("Clinician", "Let's look at the right elbow. Straighten it as far as you can."),
        ("Clinician", "That's minus ten degrees. Two weeks ago you were at twenty-five."),
        (
            "Clinician",
            "Bend it now. A hundred and thirty degrees. Four weeks back you had a hundred"
            " and five.",
        ),
    )
    assert [m["value"] for m in measured(calls)] == [-10, 130] or [
        m["value"] for m in measured(calls)
    ] == [10, 130]
    assert not any("ago client was" in t or "back client had" in t for t in texts(calls))


def test_a_correction_said_after_the_value_wins() -> None:
    assert "23 really" not in self_corrected("Twenty-two seconds. Well, twenty-three really.")
    calls = composed(("Clinician", "Twenty-two seconds. Hmm, twenty-three really, I was slow."))
    assert [m["value"] for m in measured(calls)] == [23]


def test_a_hop_test_is_measured_on_the_leg_it_is_done_on() -> None:
    calls = composed(
        ("Clinician", "Do a single hop forward on the right, as far as you can."),
        ("Clinician", "Five feet."),
    )
    assert measured(calls) == [
        {"kind": "distance", "value": 5, "unit": "feet", "body_part": "leg", "side": "right"}
    ]


def test_a_distance_walked_has_no_body_part_and_right_next_to_is_no_side() -> None:
    calls = composed(
        ("Clinician", "Let me clip this on your thumb. I'll be right behind you."),
        ("Clinician", "Four hundred feet, two rests."),
    )
    assert measured(calls) == [{"kind": "distance", "value": 400, "unit": "feet"}]


def test_a_count_asked_for_by_the_instruction_is_repetitions() -> None:
    calls = composed(
        ("Clinician", "Stand up and sit down as many times as you can in thirty seconds."),
        ("Clinician", "Twelve. Good effort."),
        ("Clinician", "Now the tongue presses. Let's do eight of those."),
        ("Clinician", "Eight out of eight, nice and strong."),
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [
        ("repetitions", 12),
        ("repetitions", 8),
    ]


def test_a_share_of_help_is_the_assistance_level_once() -> None:
    calls = composed(
        ("Clinician", "She needed moderate assist for the transfer, about fifty percent help."),
    )
    assert measured(calls) == [{"kind": "assistance_level", "value": 50, "unit": "%"}]


def test_a_value_said_in_answer_to_a_question_about_before_is_earlier() -> None:
    calls = composed(
        ("Client", "A month ago I needed a lot more help with this, didn't I?"),
        ("Clinician", "You did. That was maximal assist."),
    )
    assert measured(calls) == []


def test_jaw_opening_in_millimetres_is_its_range_of_motion() -> None:
    calls = composed(
        ("Clinician", "Open your mouth as wide as it goes."),
        ("Clinician", "Forty-two millimeters."),
    )
    assert measured(calls) == [
        {"kind": "range_of_motion", "value": 42, "unit": "millimeters", "body_part": "mouth"}
    ]


def test_loudness_in_decibels_is_a_value() -> None:
    assert find_measurements("Her reading voice averaged sixty-eight decibels.") == [
        {"kind": "other", "value": 68, "unit": "dB"}
    ]
    assert find_measurements("He was at 74 dB in conversation.") == [
        {"kind": "other", "value": 74, "unit": "dB"}
    ]


def test_a_weight_said_in_hundreds_and_tens() -> None:
    assert [m["value"] for m in measured(composed(("Client", "I weigh one forty-two now.")))] == [
        142
    ]
    assert measured(composed(("Client", "I lost three pounds since Easter."))) == []
    bearing = composed(
        ("Clinician", "Are you putting full weight through the leg yet?"),
        ("Client", "About half, maybe fifty percent of my weight."),
    )
    assert [m for m in measured(bearing) if m.get("unit") in ("pounds", "kg")] == []
    calls = composed(
        ("Clinician", "How has your weight been?"),
        ("Client", "I'm down to one thirty-eight. Two pounds since the last visit."),
    )
    assert [(m["kind"], m["value"], m["unit"]) for m in measured(calls)] == [
        ("other", 138, "pounds")
    ]


def test_a_range_of_motion_said_without_its_unit_once_the_motion_is_named() -> None:
    calls = composed(
        ("Clinician", "Knee flexion is up to one twenty, from a hundred last week."),
        (
            "Clinician",
            "On the right, shoulder flexion is 140 degrees, and external rotation is sixty.",
        ),
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [
        ("range_of_motion", 120),
        ("range_of_motion", 140),
        ("range_of_motion", 60),
    ]
    assert find_measurements("Eversion is four out of five.")[0]["kind"] == "strength_grade"


def test_a_mood_rated_once_the_scale_is_known_and_a_count_aloud_is_no_rating() -> None:
    assert find_measurements("My mood's been around a three most days.") == [
        {"kind": "mood_score", "value": 3, "unit": "/10"}
    ]
    calls = composed(
        ("Clinician", "How's your anxiety been, one to ten?"),
        ("Client", "Like a six, maybe seven on bad days."),
        ("Clinician", "Now count from one to ten for me, nice and loud."),
        ("Client", "One, two, three, four, five, six, seven, eight, nine, ten."),
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("other", 6)]


def _values(*lines: tuple[str, str]) -> list[tuple[str, object, str]]:
    return [(m["kind"], m["value"], m["unit"]) for m in measured(composed(*lines))]


def test_a_hundred_and_tens_said_as_one_number_but_not_a_clock_time() -> None:
    assert _values(("Clinician", "He walked one eighty feet with the rollator.")) == [
        ("distance", 180, "feet")
    ]
    assert _values(("Clinician", "See you Friday at one forty-five.")) == []


def test_a_decimal_said_without_its_zero() -> None:
    assert _values(("Clinician", "Walking speed came to point nine meters per second.")) == [
        ("other", 0.9, "meters per second")
    ]
    assert _values(("Clinician", "At this point five of the ten cards are sorted.")) == [
        ("other", 5, "/10")
    ]


def test_blood_pressure_said_as_two_numbers_over_each_other() -> None:
    assert _values(("Clinician", "Standing, your pressure is one forty-four over ninety-two.")) == [
        ("other", 144, "/92 mmHg")
    ]
    assert _values(("Clinician", "Pain is a four over ten when you kneel.")) == [
        ("pain_score", 4, "/10")
    ]


def test_a_muscle_grade_with_its_plus_or_minus_and_its_own_side() -> None:
    calls = composed(
        ("Clinician", "Triceps are four out of five on the right, three plus on the left.")
    )
    grades = [(m["value"], m["unit"], m.get("side")) for m in measured(calls)]
    assert (3, "+/5", "left") in grades
    assert (4, "/5", "right") in grades
    assert not any(
        m[0] == "strength_grade" for m in _values(("Clinician", "Extension is minus ten degrees."))
    )


def test_a_score_said_before_the_instrument_and_the_number_in_a_tests_name() -> None:
    assert _values(("Clinician", "She scored twelve on the GAD-7 this morning.")) == [
        ("other", 12, "GAD-7")
    ]
    assert _values(("Clinician", "Two minute step test, you did sixty-one steps.")) == [
        ("repetitions", 61, "repetitions")
    ]
    assert _values(("Clinician", "On the ten meter walk you took nine seconds.")) == [
        ("duration", 9, "seconds")
    ]


def test_where_a_value_was_measured_from_is_no_value() -> None:
    assert _values(
        ("Clinician", "Sustained vowel was seventy-two decibels at fifty centimetres.")
    ) == [("other", 72, "dB")]


def test_a_bare_reading_after_a_joint_is_moved_is_its_range() -> None:
    calls = composed(
        ("Clinician", "Now bend your left elbow as far as it will go."),
        ("Clinician", "About one thirty-five."),
    )
    assert measured(calls) == [
        {
            "kind": "range_of_motion",
            "value": 135,
            "unit": "degrees",
            "body_part": "elbow",
            "side": "left",
        }
    ]
    calls = composed(("Clinician", "Let's do some breathing first."), ("Clinician", "Twelve."))
    assert measured(calls) == []


def test_forearm_rotation_is_measured_at_the_forearm() -> None:
    calls = composed(
        ("Clinician", "Rotate your right palm down toward the table."),
        ("Clinician", "Pronation is sixty-five degrees."),
    )
    (m,) = measured(calls)
    assert (m["body_part"], m["side"], m["value"]) == ("forearm", "right", 65)


def test_a_rating_given_as_a_range_and_a_distance_walked() -> None:
    calls = composed(
        ("Clinician", "How's the elbow pain today, zero to ten?"), ("Client", "A six or seven.")
    )
    assert [m["value"] for m in measured(calls)] == [6.5]
    calls = composed(
        ("Clinician", "How far do you get on your morning walk?"), ("Client", "A mile, maybe.")
    ) + composed(("Clinician", "How far can you go?"), ("Client", "Three laps of the park."))
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("distance", 3)]


def test_a_completed_count_and_items_picked_to_work_on() -> None:
    calls = composed(
        ("Clinician", "Let's do twelve of the wall push-ups."),
        ("Clinician", "All twelve, nice."),
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("repetitions", 12)]
    assert _values(("Clinician", "Read me the next ten words on the card.")) == []


def test_a_deficit_or_a_reading_with_a_remark_after_the_joint_is_moved() -> None:
    calls = composed(
        ("Clinician", "Straighten the left elbow for me."),
        ("Clinician", "You're missing about ten."),
    )
    assert [(m["value"], m["body_part"], m["side"]) for m in measured(calls)] == [
        (10, "elbow", "left")
    ]
    calls = composed(
        ("Clinician", "Lift your arm up over your head."), ("Clinician", "One sixty, nice.")
    )
    assert [(m["kind"], m["value"], m["body_part"]) for m in measured(calls)] == [
        ("range_of_motion", 160, "shoulder")
    ]


def test_how_is_a_body_part_on_a_scale_asks_its_pain() -> None:
    calls = composed(
        ("Clinician", "On a zero to ten scale, how's your neck?"), ("Client", "Like a four-ish.")
    )
    assert [(m["kind"], m["value"], m["body_part"]) for m in measured(calls)] == [
        ("pain_score", 4, "neck")
    ]


def test_timed_tests_counts_and_doses() -> None:
    assert _values(("Clinician", "Timed up and go today was twelve point four seconds.")) == [
        ("duration", 12.4, "seconds")
    ]
    assert _values(("Clinician", "Five times sit to stand, nineteen seconds.")) == [
        ("duration", 19, "seconds")
    ]
    assert _values(("Clinician", "In thirty seconds you did ten stands.")) == [
        ("repetitions", 10, "repetitions")
    ]
    assert _values(("Clinician", "Hold it for ten seconds, five times.")) == []
    assert _values(("Clinician", "Your PHQ-9 is down to eight.")) == [("other", 8, "PHQ-9")]
    assert _values(("Clinician", "You named seven of the ten objects.")) == [("other", 7, "/10")]
    assert _values(("Clinician", "Pressure is one eighteen over seventy-six.")) == [
        ("other", 118, "/76 mmHg")
    ]
    assert _values(("Clinician", "I'll call you at one fifteen.")) == []


def test_a_score_compared_and_given_for_today_in_one_sentence() -> None:
    assert _values(("Clinician", "Two months ago your GAD-7 was fifteen, today it's nine.")) == [
        ("other", 9, "GAD-7")
    ]
    assert _values(("Clinician", "Since January your DGI went from twelve to nineteen.")) == [
        ("other", 19, "DGI")
    ]
    assert _values(("Clinician", "Last month your GAD-7 was fifteen.")) == []


def test_more_vital_signs_a_signed_range_and_inches() -> None:
    assert _values(("Clinician", "Respirations are twenty-two at rest.")) == [
        ("other", 22, "breaths per minute")
    ]
    assert _values(("Clinician", "Her temperature is thirty-seven point two.")) == [
        ("other", 37.2, "°C")
    ]
    assert _values(("Clinician", "Elbow extension is minus fifteen.")) == [
        ("range_of_motion", -15, "degrees")
    ]
    assert _values(("Clinician", "Fingertip to floor is nine inches.")) == [("other", 9, "inches")]
    assert _values(("Clinician", "Two point discrimination is five millimetres.")) == [
        ("other", 5, "millimeters")
    ]
    assert _values(("Clinician", "Reading rate was one fifteen words per minute.")) == [
        ("other", 115, "per minute")
    ]


def test_the_time_a_test_is_given_is_no_result() -> None:
    for said in (
        "Sit to stand, as many as you can in thirty seconds.",
        "Nine-hole peg, right hand, one minute, go.",
    ):
        assert measured(composed(("Clinician", said))) == [], said
    calls = composed(
        ("Clinician", "Box and block, left hand, one minute, go."),
        ("Clinician", "Thirty-one blocks."),
    )
    assert [(m["value"], m["unit"]) for m in measured(calls)] == [(31, "blocks")]


def test_a_goal_said_after_todays_value_leaves_todays_value() -> None:
    calls = composed(("Clinician", "Hip flexion is one-ten today, and the goal is one-twenty."))
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("range_of_motion", 110)]
    assert measured(composed(("Clinician", "The goal is one-twenty by March."))) == []


def test_a_force_said_by_side_is_a_strength_reading() -> None:
    found = find_measurements("Right thirty-one kilos, left twenty-four.")
    got = [(m["kind"], m["value"], m["unit"], m["side"]) for m in found]
    assert got == [("strength_grade", 31, "kg", "right"), ("strength_grade", 24, "kg", "left")]


def test_a_timed_tests_name_with_a_hyphen_carries_no_value() -> None:
    calls = composed(
        ("Clinician", "Thirty-second sit to stand, as many as you can in thirty seconds, go."),
        ("Clinician", "Thirteen."),
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("repetitions", 13)]


def test_a_time_in_a_later_clause_without_a_comma_is_that_clauses() -> None:
    said = "You're averaging about 72 decibels and I didn't hear the strain you had last month."
    assert [(m["value"], m["unit"]) for m in measured(composed(("Clinician", said)))] == [
        (72, "dB")
    ]


def test_a_count_of_an_exercise_keeps_the_exercise_in_its_entry() -> None:
    calls = composed(("Clinician", "You did twelve sit-to-stands in thirty seconds."))
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("repetitions", 12)]
    assert texts(calls) == ["Client did 12 sit-to-stands in 30 seconds."]
