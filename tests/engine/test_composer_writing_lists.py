"""How entries are written, from three lists written before their rules.

The first list was written by concept with what each entry must and must not say, before
the rules for it: a yes said with a hedge ("Most days.") keeps the question's fact and the
hedge; a client's acknowledgement ("I know, I know.") is no entry; a clinician's reply to
the client's question is written without its "yes" ("It is, your knee bends to one-ten
now"); a finding told as what the clinician did not see is written as its absence ("No
hoarseness noted today."); a goal keeps no session step run into it ("so let's see how
today goes"). The second list says the same things in new words and was scored once
(6 of 18 right before these rules, 16 after) before the two rules it alone needed. The
third (5 of 11 right before its rules): a report said without its "I" ("Didn't take them
at the weekend") keeps the client as its subject, and the client asking to book the next
visit ("Same time next week?") is the plan's follow-up.
"""

from __future__ import annotations

import pytest

from tests.engine.composer_calls import composed, entries

Lines = tuple[tuple[str, str], ...]

# (turns, what one entry must say (all of it, any case), what no entry may say, how many
# entries the exchange gives, or None for any number)
WRITTEN: list[tuple[Lines, list[str], list[str], int | None]] = [
    # List 6.
    # A. a yes said with a hedge: the question's fact, with what the reply adds
    (
        (
            ("Clinician", "Are you still working full time?"),
            ("Client", "Pretty much, with a half day on Fridays."),
        ),
        ["working full time", "half day on fridays"],
        ["reports pretty much"],
        1,
    ),
    (
        (("Clinician", "Do you use the cane outside?"), ("Client", "Mostly, yeah.")),
        ["cane outside"],
        ["reports mostly"],
        1,
    ),
    (
        (("Clinician", "Have you been doing the stretches?"), ("Client", "Most days.")),
        ["stretches", "most days"],
        [],
        1,
    ),
    (
        (("Clinician", "Is the tingling still there at night?"), ("Client", "On and off.")),
        ["tingling", "on and off"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "Are you managing the stairs at home?"),
            ("Client", "I try to, but I hold the rail with both hands."),
        ),
        ["stairs", "rail"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "Do you still wake up with the headaches?"),
            ("Client", "Usually, yeah, three or four mornings a week."),
        ),
        ["headaches", "mornings a week"],
        ["reports usually"],
        1,
    ),
    # B. a client's acknowledgement is no entry
    (
        (
            ("Clinician", "You'll need to drink more water through the day."),
            ("Client", "I know, I know."),
        ),
        [],
        ["know"],
        1,
    ),
    (
        (
            ("Clinician", "We'll keep the same exercises for another week."),
            ("Client", "Fair enough."),
        ),
        [],
        ["fair enough"],
        1,
    ),
    (
        (
            ("Clinician", "The swelling should settle over the next few days."),
            ("Client", "Yeah, that makes sense."),
        ),
        [],
        ["makes sense"],
        1,
    ),
    (
        (
            ("Clinician", "Ice it for ten minutes after the walk."),
            ("Client", "Right, okay, got you."),
        ),
        [],
        ["got you"],
        1,
    ),
    # C. a clinician's reply to the client's question, without its "yes"
    (
        (
            ("Client", "Is it getting any better?"),
            ("Clinician", "It is, your knee bends to one-ten now."),
        ),
        ["110"],
        ["it is,"],
        None,
    ),
    (
        (
            ("Client", "Was that okay?"),
            ("Clinician", "Yes, that was much smoother than last week."),
        ),
        ["smoother than last week"],
        ["yes,"],
        1,
    ),
    (
        (
            ("Client", "Did I do it right?"),
            ("Clinician", "You did, and you kept your back straight the whole time."),
        ),
        ["back straight"],
        ["you did", "client did, and"],
        1,
    ),
    # D. a finding told as what the clinician did not see or hear
    ((("Clinician", "I didn't hear any hoarseness today."),), ["no hoarseness"], ["didn't"], 1),
    (
        (("Clinician", "I don't see any swelling around the incision."),),
        ["no swelling", "incision"],
        ["don't see"],
        1,
    ),
    (
        (("Clinician", "I didn't notice a limp when you walked in."),),
        ["no limp"],
        ["didn't notice"],
        1,
    ),
    # E. a goal with the session's next step run into it
    (
        (
            (
                "Clinician",
                "Your goal for this month is to walk to "
                "the shops without stopping, so let's see how today goes.",
            ),
        ),
        ["walk to the shops without stopping"],
        ["let's see"],
        1,
    ),
    (
        (
            (
                "Clinician",
                "The goal is to get back to lifting "
                "your grandson, so let's start with the warm-up.",
            ),
        ),
        ["lifting", "grandson"],
        ["let's start"],
        1,
    ),
    # List 7.
    (
        (
            ("Clinician", "Are you back at the gym?"),
            ("Client", "More or less, twice a week instead of four."),
        ),
        ["back at the gym", "twice a week"],
        ["reports more or less"],
        1,
    ),
    (
        (("Clinician", "Do you wear the splint at night?"), ("Client", "Usually.")),
        ["wearing the splint at night"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "Do you take the tablets with food?"),
            ("Client", "Most of the time, yeah."),
        ),
        ["taking the tablets with food"],
        ["reports most of the time, yeah"],
        1,
    ),
    (
        (("Clinician", "Is the swelling worse in the evening?"), ("Client", "Generally, yes.")),
        ["swelling worse in the evening"],
        [],
        1,
    ),
    (
        (("Clinician", "Are you using the reacher for your socks?"), ("Client", "I try to.")),
        ["reacher"],
        ["reports they try to"],
        1,
    ),
    (
        (
            ("Clinician", "Does your jaw click when you chew?"),
            ("Client", "On and off, mostly on the left."),
        ),
        ["jaw click", "left"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "You'll want to keep the brace on for sleeping."),
            ("Client", "Makes sense."),
        ),
        [],
        ["makes sense"],
        1,
    ),
    (
        (
            ("Clinician", "Try not to lift anything heavier than the kettle."),
            ("Client", "Yeah, I know."),
        ),
        [],
        ["know"],
        1,
    ),
    (
        (("Clinician", "We'll switch you to the blue band next week."), ("Client", "Gotcha.")),
        [],
        ["gotcha"],
        1,
    ),
    (
        (
            ("Client", "Is my balance better?"),
            ("Clinician", "It is, you held the tandem stance for twenty seconds."),
        ),
        ["20"],
        ["it is,"],
        None,
    ),
    (
        (
            ("Client", "Am I doing them right?"),
            ("Clinician", "You are, and your knee stays over your toes now."),
        ),
        ["knee stays over"],
        ["you are,"],
        1,
    ),
    (
        (
            ("Client", "Was my voice louder?"),
            ("Clinician", "Yes, and you kept it up to the end of the paragraph."),
        ),
        ["end of the paragraph"],
        ["yes,"],
        1,
    ),
    (
        (("Clinician", "I can't feel any warmth around the joint."),),
        ["no warmth", "joint"],
        ["can't feel"],
        1,
    ),
    ((("Clinician", "I don't hear any wheeze today."),), ["no wheeze"], ["don't hear"], 1),
    (
        (("Clinician", "I didn't see any drooping on the left side of your face."),),
        ["no drooping", "left side"],
        ["didn't see"],
        1,
    ),
    (
        (
            (
                "Clinician",
                "Our goal this term is to get you reading chapter "
                "books on your own, so let's begin with the warm-up sounds.",
            ),
        ),
        ["chapter books"],
        ["let's begin"],
        1,
    ),
    (
        (
            (
                "Clinician",
                "Your main goal is to get in and out "
                "of the bath safely, and we'll try the board today.",
            ),
        ),
        ["in and out of the bath"],
        ["we'll try"],
        1,
    ),
    (
        (("Clinician", "Did you manage the exercises over the weekend?"), ("Client", "Yeah.")),
        ["exercises"],
        [],
        1,
    ),
    # List 8.
    (
        (
            ("Clinician", "How was the week?"),
            ("Client", "Couldn't sleep much on Tuesday or Wednesday."),
        ),
        ["they couldn't sleep much"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "How have the tablets been?"),
            ("Client", "Didn't take them at the weekend, forgot."),
        ),
        ["they didn't take them"],
        [],
        None,
    ),
    (
        (("Clinician", "How's work?"), ("Client", "Went back on Monday, just mornings for now.")),
        ["they went back on monday"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "Anything new since last time?"),
            ("Client", "Managed the stairs twice yesterday without the rail."),
        ),
        ["they managed the stairs"],
        [],
        1,
    ),
    (
        (
            ("Clinician", "How did the talk at school go?"),
            ("Client", "Got through it without stopping once."),
        ),
        ["they got through it"],
        [],
        1,
    ),
    (
        (("Clinician", "How did the appointment go?"), ("Client", "Went well, thanks.")),
        [],
        ["they went well"],
        None,
    ),
    (
        (("Clinician", "How's the hand?"), ("Client", "Feels stiffer in the cold.")),
        ["stiffer in the cold"],
        ["they feels"],
        1,
    ),
    # A choice asked in two sentences, answered with one side of it.
    (
        (
            ("Clinician", "Any numbness in the fingers? Or is it more of an ache?"),
            ("Client", "More of an ache, really."),
        ),
        ["ache"],
        ["reports numbness"],
        1,
    ),
    (
        (
            ("Clinician", "Is it worse in the morning? Or by the evening?"),
            ("Client", "By the evening."),
        ),
        ["evening"],
        [],
        1,
    ),
    # The next visit said back by the client.
    (
        (
            ("Clinician", "Keep going with the putty."),
            ("Client", "Will do. Same time next week?"),
            ("Clinician", "Yes."),
        ),
        ["follow up", "same time next week"],
        [],
        2,
    ),
    (
        (
            ("Clinician", "Keep going with the putty. See you Thursday."),
            ("Client", "Thursday, great."),
        ),
        ["follow up", "thursday"],
        ["client reports thursday"],
        2,
    ),
]


@pytest.mark.parametrize(("lines", "must", "never", "count"), WRITTEN)
def test_each_exchange_is_written_as_a_note_says_it(
    lines: Lines, must: list[str], never: list[str], count: int | None
) -> None:
    written = [text.lower() for _, text in entries(composed(*lines))]
    if must:
        assert any(all(m in t for m in must) for t in written), (must, written)
    assert not any(n in t for n in never for t in written), (never, written)
    if count is not None:
        assert len(written) == count, written


def test_a_day_said_back_to_the_clinicians_question_is_no_booking() -> None:
    calls = composed(("Clinician", "When did you fall?"), ("Client", "Monday?"))
    assert not any(t.startswith("Follow up") for _, t in entries(calls))
