"""A question and its answer as one fact: anchored scales, counts, choices, fragments."""

from __future__ import annotations

from tests.conversation_set import is_verbatim
from tests.engine.composer_calls import composed, entries, measured, texts


def test_a_scale_given_by_its_anchors_is_a_scale() -> None:
    calls = composed(
        ("Clinician", "And your mood since Monday, if one is rock bottom and ten is great?"),
        ("Client", "Maybe a five, I suppose."),
        ("Clinician", "How anxious were you on the bus, zero meaning calm and ten the worst?"),
        ("Client", "Probably a seven."),
    )
    values = [(m["kind"], m["value"]) for m in measured(calls)]
    assert values == [("mood_score", 5), ("other", 7)]


def test_an_effort_rating_between_anchors_is_recorded() -> None:
    calls = composed(
        (
            "Clinician",
            "How tiring was that climb, if zero is no effort and ten is the most you could do?",
        ),
        ("Client", "Six, I'd say. My calves are burning."),
    )
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("other", 6)]


def test_hours_asked_for_are_the_unit_of_the_answer() -> None:
    calls = composed(
        ("Clinician", "How many hours did you get last night?"),
        ("Client", "Six, six and a half."),
    )
    assert measured(calls) == [{"kind": "duration", "value": 6.5, "unit": "hours"}]


def test_a_reply_picking_one_side_of_a_choice_is_joined_to_the_question() -> None:
    sentences = ["Gradually.", "By dinner I couldn't feel my fingertips."]
    calls = composed(
        ("Clinician", "Did the numbness come on suddenly, or gradually over the day?"),
        ("Client", " ".join(sentences)),
    )
    written = texts(calls)
    assert any("numbness" in t.lower() and "gradual" in t.lower() for t in written), written
    assert not any(is_verbatim(t, sentences) for t in written), written


def test_a_choice_between_a_symptom_and_a_cause_denies_the_symptom() -> None:
    calls = composed(
        ("Clinician", "Were you lightheaded beforehand, or did the rug just catch your toe?"),
        ("Client", "Just the rug. I was carrying laundry."),
    )
    written = texts(calls)
    assert any("denies" in t.lower() and "lightheaded" in t.lower() for t in written), written
    assert not any(t.startswith("Client reports just the rug") for t in written), written


def test_a_client_echoing_the_clinicians_number_records_nothing_new() -> None:
    calls = composed(
        ("Clinician", "You got nine out of twelve on the recall list."),
        ("Client", "Nine out of twelve. Is that okay?"),
    )
    assert [m["value"] for m in measured(calls)] == [9]


def test_further_ratings_in_a_reply_take_what_they_name_and_when_they_hold() -> None:
    calls = composed(
        ("Clinician", "How is the pain today?"),
        ("Client", "Back's a three. The leg is more like five."),
    )
    assert [(m["value"], m["body_part"]) for m in measured(calls)] == [(3, "back"), (5, "leg")]
    calls = composed(
        ("Clinician", "How is the knee pain, zero to ten?"),
        ("Client", "A three in the morning, a five by evening."),
    )
    assert texts(calls) == [
        "Client rates knee pain 3/10 in the morning.",
        "Client rates knee pain 5/10 by evening.",
    ]  # two conditions of one day, not a change


def test_a_rating_said_with_an() -> None:
    calls = composed(
        ("Clinician", "Rate the back pain, zero to ten."),
        ("Client", "An eight this morning, by lunchtime it's an eight too."),
    )
    assert [m["value"] for m in measured(calls)] == [8, 8]


def test_a_count_asked_for_names_what_is_counted() -> None:
    calls = composed(
        ("Clinician", "How many of the wall push-ups did you manage at home?"),
        ("Client", "Fifteen, twice a day."),
    )
    assert [(m["kind"], m["value"], m["unit"]) for m in measured(calls)] == [
        ("repetitions", 15, "wall push-ups")
    ]
    calls = composed(("Clinician", "How many panic attacks this week?"), ("Client", "Two."))
    assert texts(calls) == ["Client reports 2 panic attacks this week."]


def test_hours_asked_for_are_written_with_the_answer_however_it_ends() -> None:
    calls = composed(("Clinician", "How many hours did you sleep?"), ("Client", "About six."))
    assert texts(calls) == ["Sleep: client reports about 6 hours."]


def test_a_rating_given_as_two_numbers_in_a_row_is_one_range() -> None:
    calls = composed(("Clinician", "How's the pain out of ten?"), ("Client", "Five, six maybe."))
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("pain_score", 5.5)]
    assert texts(calls) == ["Client rates pain 5-6/10."]


def test_a_second_number_with_a_condition_of_its_own_is_no_range() -> None:
    calls = composed(("Clinician", "Pain out of ten?"), ("Client", "A three, four when I walk."))
    assert [m["value"] for m in measured(calls)] == [3, 4]


def test_each_part_a_reply_names_takes_its_own_rating() -> None:
    calls = composed(
        ("Clinician", "How's the pain in your neck and shoulder?"),
        ("Client", "Neck's about a four. Shoulder, maybe a six."),
    )
    assert [(m["body_part"], m["value"]) for m in measured(calls)] == [
        ("neck", 4),
        ("shoulder", 6),
    ]
    assert not any("increased" in t for t in texts(calls))


def test_a_rating_asked_for_as_an_imperative_is_answered() -> None:
    calls = composed(("Clinician", "Rate your pain."), ("Client", "Five."))
    assert [(m["kind"], m["value"]) for m in measured(calls)] == [("pain_score", 5)]
    homework = composed(("Clinician", "Rate your mood every evening in the diary."))
    assert [s for s, _ in entries(homework)] == ["plan"]


def test_numbers_asked_for_each_part_rate_each_part() -> None:
    calls = composed(
        ("Clinician", "Low back and leg, separate numbers please."),
        ("Client", "Back's a three. The leg is more like five, down the back of the thigh."),
    )
    assert [(m["body_part"], m["value"]) for m in measured(calls)] == [("back", 3), ("leg", 5)]


def test_an_either_or_question_asked_in_two_sentences_is_one_choice() -> None:
    calls = composed(
        ("Clinician", "Okay, any dizziness before it? Or was it just the bowl?"),
        ("Client", "Just the bowl. I wasn't looking."),
    )
    assert texts(calls) == [
        "Client denies dizziness before it; reports just the bowl, they weren't looking."
    ]
