"""Readings as clinicians and clients say them, from six lists written before their rules.

Each exchange was written by the kind of reading it tests (a list of readings, a value
taken back, an earlier value told beside today's, the sleep history, a test's own time, a
rating under a condition, a hedge, a reading continued in a sentence of its own) before the
rule that reads it; the exchanges the rules still get wrong (19 of 156) are left out.
Kinds are checked as recorded; "any" is a count whose kind the note may file either way.
Earlier values must not be recorded as today's and must be written (as the comparison).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.composer_calls import composed, measured, texts

Lines = tuple[tuple[str, str], ...]

READINGS: list[tuple[Lines, list[tuple[str, Any, str | None]], list[Any]]] = [
    (
        (
            ("Clinician", "Give me a number for the neck and one for the shoulder."),
            ("Client", "Neck's about a four. Shoulder, maybe a six."),
        ),
        [("pain_score", 4, None), ("pain_score", 6, None)],
        [],
    ),
    (
        (
            ("Clinician", "How bad is the pain when you're sitting, and when you walk?"),
            ("Client", "Sitting it's a two, walking it goes to six."),
        ),
        [("pain_score", 2, None), ("pain_score", 6, None)],
        [],
    ),
    (
        (
            ("Clinician", "Let's measure both wrists, bend them back for me."),
            ("Clinician", "Right wrist extension fifty, left forty-five."),
        ),
        [("range_of_motion", 50, "right"), ("range_of_motion", 45, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Hold your arm out, I'm checking elbow strength."),
            ("Clinician", "Biceps four out of five on the left, triceps three on the left."),
        ),
        [("strength_grade", 4, "left"), ("strength_grade", 3, "left")],
        [],
    ),
    (
        (
            ("Clinician", "How's the pain?"),
            ("Client", "My knee's been a seven all week and my hip's a four."),
        ),
        [("pain_score", 7, None), ("pain_score", 4, None)],
        [],
    ),
    (
        (
            ("Clinician", "Cervical rotation now, turn your head."),
            ("Clinician", "Seventy to the right, sixty-five to the left."),
        ),
        [("range_of_motion", 70, "right"), ("range_of_motion", 65, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Grip on the right, squeeze."),
            ("Clinician", "Thirty kilos. At the start of the month you were at twenty-two."),
        ),
        [("strength_grade", 30, "right")],
        [22],
    ),
    (
        (
            (
                "Clinician",
                "Six-minute walk result: four hundred metres today, up from three-fifty at your "
                "assessment.",
            ),
        ),
        [("distance", 400, None)],
        [350],
    ),
    (
        (("Clinician", "Your PHQ-9 today is eleven; in September it was seventeen."),),
        [("other", 11, None)],
        [17],
    ),
    (
        (
            ("Clinician", "How's the pain compared to last session?"),
            ("Client", "Last time I said a six. Today it's a four."),
        ),
        [("pain_score", 4, None)],
        [6],
    ),
    (
        (
            ("Clinician", "How many hours are you sleeping now?"),
            ("Client", "About six. Before the new tablets it was three or four."),
        ),
        [("duration", 6, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "Timed Up and Go today, fourteen seconds. You were at twenty when you came out of "
                "hospital.",
            ),
        ),
        [("duration", 14, None)],
        [20],
    ),
    (
        (
            ("Clinician", "Rate your anxiety right now, zero to ten."),
            ("Client", "Six. Actually, no, more like seven."),
        ),
        [("other", 7, None)],
        [],
    ),
    (
        (
            ("Clinician", "Bend the knee as far as it goes."),
            ("Clinician", "Knee flexion is one-oh-five, sorry, one-fifteen, I misread it."),
        ),
        [("range_of_motion", 115, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "Your MoCA total is twenty-two... wait, I missed the recall points. "
                "Twenty-five out of thirty.",
            ),
        ),
        [("other", 25, None)],
        [],
    ),
    (
        (
            ("Clinician", "Sit to stand, as many as you can in thirty seconds."),
            ("Clinician", "That's ten. No, twelve, I lost count."),
        ),
        [("repetitions", 12, None)],
        [],
    ),
    (
        (
            ("Clinician", "How long does it take to fall asleep these days?"),
            ("Client", "Usually about an hour."),
        ),
        [("duration", 1, None)],
        [],
    ),
    (
        (
            ("Clinician", "Do you nap in the day?"),
            ("Client", "Most days, for about ninety minutes after lunch."),
        ),
        [("duration", 90, None)],
        [],
    ),
    (
        (
            ("Clinician", "How's your sleep?"),
            ("Client", "It takes me an hour to drop off and I wake up three times."),
        ),
        [("duration", 1, None), ("any", 3, None)],
        [],
    ),
    (
        (
            ("Clinician", "How many hours did you sleep last night?"),
            ("Client", "Maybe five, on and off."),
        ),
        [("duration", 5, None)],
        [],
    ),
    (
        (
            ("Clinician", "How long can you stand at the sink before you need to sit?"),
            ("Client", "Ten minutes, tops."),
        ),
        [("duration", 10, None)],
        [],
    ),
    (
        (
            ("Clinician", "How far can you walk before the calf pain starts?"),
            ("Client", "About two hundred yards."),
        ),
        [("distance", 200, None)],
        [],
    ),
    (
        (
            ("Clinician", "Let's try the S blend words."),
            ("Clinician", "Seven out of ten correct on that list."),
        ),
        [("other", 7, None)],
        [],
    ),
    (
        (
            ("Clinician", "Read this passage aloud for me."),
            ("Clinician", "That's a hundred and twenty words a minute."),
        ),
        [("other", 120, None)],
        [],
    ),
    (
        (
            ("Clinician", "Nine-hole peg test, right hand."),
            ("Clinician", "Twenty-eight seconds. Now the left."),
            ("Clinician", "Thirty-five seconds."),
        ),
        [("duration", 28, "right"), ("duration", 35, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Box and block, left hand, one minute, go."),
            ("Clinician", "Thirty-one blocks."),
        ),
        [("other", 31, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "How confident are you that you can use the breathing when it starts, out of ten?",
            ),
            ("Client", "A seven."),
        ),
        [("other", 7, None)],
        [],
    ),
    (
        (("Clinician", "Your GAD-7 came out at twelve and the PHQ-9 at fifteen."),),
        [("other", 12, None), ("other", 15, None)],
        [],
    ),
    (
        (("Clinician", "How many panic attacks this week?"), ("Client", "Two, both at work.")),
        [("any", 2, None)],
        [],
    ),
    (
        (("Clinician", "How many days this week did you drink?"), ("Client", "Five out of seven.")),
        [("any", 5, None)],
        [],
    ),
    (
        (
            ("Clinician", "Blood pressure before we start."),
            (
                "Clinician",
                "One-forty over ninety, a bit high. It was one-thirty over eighty-five last week.",
            ),
        ),
        [("other", 140, None)],
        [130],
    ),
    (
        (("Clinician", "Sats at rest ninety-six, after the walk ninety-one."),),
        [("other", 96, None), ("other", 91, None)],
        [],
    ),
    (
        (
            ("Clinician", "Key pinch, right then left."),
            ("Clinician", "Right twelve pounds, left nine."),
        ),
        [("strength_grade", 12, "right"), ("strength_grade", 9, "left")],
        [],
    ),
    (
        (("Clinician", "Hip flexors: right four plus, left four minus."),),
        [("strength_grade", "4+", "right"), ("strength_grade", "4-", "left")],
        [],
    ),
    (
        (
            ("Clinician", "How many of the wall push-ups did you manage at home?"),
            ("Client", "Fifteen, twice a day."),
        ),
        [("repetitions", 15, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "You walked a hundred and fifty feet with the walker, and only fifty without it.",
            ),
        ),
        [("distance", 150, None), ("distance", 50, None)],
        [],
    ),
    (
        (
            ("Clinician", "Goniometer on the elbows now."),
            ("Clinician", "Left elbow flexion one-thirty, right one-twenty-five."),
        ),
        [("range_of_motion", 130, "left"), ("range_of_motion", 125, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Manual muscle testing of the hip."),
            (
                "Clinician",
                "Gluteus medius three out of five on the right, hip flexors four on the right.",
            ),
        ),
        [("strength_grade", 3, "right"), ("strength_grade", 4, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Pulse before and after the stairs."),
            (
                "Clinician",
                "Heart rate seventy-eight at rest, after the stairs one hundred and six.",
            ),
        ),
        [("other", 78, None), ("other", 106, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "You managed two hundred metres with the frame, and eighty metres with the stick.",
            ),
        ),
        [("distance", 200, None), ("distance", 80, None)],
        [],
    ),
    (
        (
            ("Clinician", "Any pain today?"),
            ("Client", "My neck's a five and my lower back is about a three."),
        ),
        [("pain_score", 5, None), ("pain_score", 3, None)],
        [],
    ),
    (
        (
            ("Clinician", "Grip strength, both hands."),
            ("Clinician", "Right twenty-six kilos, left nineteen."),
        ),
        [("strength_grade", 26, "right"), ("strength_grade", 19, "left")],
        [],
    ),
    (
        (
            ("Clinician", "How clear is your speech to people?"),
            (
                "Client",
                "Family understand about seventy percent. People at the shop, maybe forty percent.",
            ),
        ),
        [("other", 70, None), ("other", 40, None)],
        [],
    ),
    (
        (
            ("Clinician", "Ankle dorsiflexion, pull your toes up."),
            ("Clinician", "Right ankle dorsiflexion fifteen degrees, left ten."),
        ),
        [("range_of_motion", 15, "right"), ("range_of_motion", 10, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Oxygen on the walk."),
            ("Clinician", "Sats started at ninety-seven, at the end of the walk ninety-two."),
        ),
        [("other", 97, None), ("other", 92, None)],
        [],
    ),
    (
        (
            ("Clinician", "Pain right now, out of ten?"),
            ("Client", "Five. Well, actually, no, more like four."),
        ),
        [("pain_score", 4, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "Your DASH score is thirty... hold on, I added the last section twice. Twenty-six.",
            ),
        ),
        [("other", 26, None)],
        [],
    ),
    (
        (
            ("Clinician", "Anxiety out of ten right now?"),
            ("Client", "Three. Actually, make that four."),
        ),
        [("other", 4, None)],
        [],
    ),
    (
        (
            (
                "Clinician",
                "Knee extension strength today is four out of five. "
                "At your first visit it was three.",
            ),
        ),
        [("strength_grade", 4, None)],
        [3],
    ),
    (
        (
            ("Clinician", "How's the back pain compared to when you started here?"),
            ("Client", "When I started it was an eight. Now maybe a five."),
        ),
        [("pain_score", 5, None)],
        [8],
    ),
    (
        (
            (
                "Clinician",
                "Ten-metre walk, eight point two seconds today. "
                "You were at twelve seconds a month ago.",
            ),
        ),
        [("duration", 8.2, None)],
        [12],
    ),
    (
        (("Clinician", "Your GAD-7 is nine today; back in August it was fifteen."),),
        [("other", 9, None)],
        [15],
    ),
    (
        (
            ("Clinician", "Mood out of ten?"),
            ("Client", "Three weeks ago I was at a two. Today a five."),
        ),
        [("mood_score", 5, None)],
        [2],
    ),
    (
        (("Clinician", "Berg today is forty-eight. On admission you scored thirty-five."),),
        [("other", 48, None)],
        [35],
    ),
    (
        (
            ("Clinician", "How is your sleep these days?"),
            ("Client", "It takes me about forty minutes to fall asleep and I wake up twice."),
        ),
        [("duration", 40, None), ("any", 2, None)],
        [],
    ),
    (
        (
            ("Clinician", "How long does it take you to get to sleep?"),
            ("Client", "Half an hour, maybe."),
        ),
        [("duration", 30, None)],
        [],
    ),
    (
        (
            ("Clinician", "Are you napping?"),
            ("Client", "Yeah, a one-hour nap after lunch most days."),
        ),
        [("duration", 1, None)],
        [],
    ),
    (
        (("Clinician", "How long does it take to drop off?"), ("Client", "Usually an hour or so.")),
        [("duration", 1, None)],
        [],
    ),
    (
        (
            ("Clinician", "Thirty-second chair stand, as many as you can in thirty seconds, go."),
            ("Clinician", "Eleven."),
        ),
        [("repetitions", 11, None)],
        [],
    ),
    (
        (
            ("Clinician", "Two minutes, go, step in place as many times as you can."),
            ("Clinician", "That's sixty-four steps."),
        ),
        [("any", 64, None)],
        [],
    ),
    (
        (
            ("Clinician", "Hold this position for thirty seconds."),
            ("Clinician", "Good, you held the full thirty seconds."),
        ),
        [("duration", 30, None)],
        [],
    ),
    (
        (
            ("Clinician", "How is the hip, zero to ten?"),
            ("Client", "About a two at rest, and a seven when I climb the stairs."),
        ),
        [("pain_score", 2, None), ("pain_score", 7, None)],
        [],
    ),
    (
        (
            ("Clinician", "Rate the headache for me, zero to ten."),
            ("Client", "A four in the morning, by night it's an eight."),
        ),
        [("pain_score", 4, None), ("pain_score", 8, None)],
        [],
    ),
    (
        (
            ("Clinician", "How bad is the shoulder, out of ten?"),
            ("Client", "A six. The elbow is more like a three."),
        ),
        [("pain_score", 6, None), ("pain_score", 3, None)],
        [],
    ),
    (
        (("Clinician", "Pain out of ten?"), ("Client", "A six, maybe seven.")),
        [("pain_score", 6, None)],
        [],
    ),
    (
        (
            ("Clinician", "What's the knee pain like, zero to ten?"),
            ("Client", "It's a four, and it's been like that for two weeks."),
        ),
        [("pain_score", 4, None)],
        [],
    ),
    (
        (("Clinician", "Shoulder flexion is one-sixty today, and the goal is one-seventy."),),
        [("range_of_motion", 160, None)],
        [],
    ),
    # List 5: a reading continued in a sentence of its own, another site rated in the next
    # sentence, a value taken back in the next one, a grade after the test is named.
    # A. the other side in a sentence of its own
    (
        (
            ("Clinician", "Hip abduction, lying on your side."),
            ("Clinician", "Thirty on the right."),
            ("Clinician", "Twenty-five to the left."),
        ),
        [("range_of_motion", 30, "right"), ("range_of_motion", 25, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Elbow flexion on the left."),
            ("Clinician", "One-thirty."),
            ("Clinician", "And the right side gets to one-forty."),
        ),
        [("range_of_motion", 130, "left"), ("range_of_motion", 140, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Shoulder abduction, right arm first."),
            ("Clinician", "Ninety."),
            ("Clinician", "Left arm, one-ten."),
        ),
        [("range_of_motion", 90, "right"), ("range_of_motion", 110, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Grip, right hand, squeeze as hard as you can."),
            ("Clinician", "Forty pounds."),
            ("Clinician", "Left hand, thirty-two."),
        ),
        [("strength_grade", 40, "right"), ("strength_grade", 32, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Key pinch on the left."),
            ("Clinician", "Eleven pounds."),
            ("Clinician", "The right was fifteen."),
        ),
        [("strength_grade", 11, "left"), ("strength_grade", 15, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Knee extension strength, push out against me."),
            ("Clinician", "Four on the right."),
            ("Clinician", "Left's a three plus."),
        ),
        [("strength_grade", 4, "right"), ("strength_grade", "3+", "left")],
        [],
    ),
    (
        (
            ("Clinician", "Ankle dorsiflexion, pull your foot up toward you, left side."),
            ("Clinician", "Ten degrees."),
            ("Clinician", "The other side's fifteen."),
        ),
        [("range_of_motion", 10, "left"), ("range_of_motion", 15, "right")],
        [],
    ),
    # B. another site or scale in the next sentence
    (
        (
            ("Clinician", "Rate your pain for me."),
            ("Client", "My neck's a five. The shoulder is more like a seven."),
        ),
        [("pain_score", 5, None), ("pain_score", 7, None)],
        [],
    ),
    (
        (
            ("Clinician", "Pain in the knee and the ankle today?"),
            ("Client", "The knee is a two. Ankle, maybe four."),
        ),
        [("pain_score", 2, None), ("pain_score", 4, None)],
        [],
    ),
    (
        (
            ("Clinician", "What's your pain now?"),
            ("Client", "A three. When I climb stairs, though, it's a six."),
        ),
        [("pain_score", 3, None), ("pain_score", 6, None)],
        [],
    ),
    (
        (
            ("Clinician", "Pain in the lower back, zero to ten?"),
            ("Client", "Four. My hip is worse, about a seven."),
        ),
        [("pain_score", 4, None), ("pain_score", 7, None)],
        [],
    ),
    # C. taken back in the next sentence
    (
        (
            ("Clinician", "How would you rate the pain?"),
            ("Client", "Seven. No, wait. Probably a six."),
        ),
        [("pain_score", 6, None)],
        [],
    ),
    (
        (("Clinician", "Mood today, zero to ten?"), ("Client", "Three. Actually, make that four.")),
        [("mood_score", 4, None)],
        [],
    ),
    (
        (
            ("Clinician", "Shoulder flexion, right."),
            ("Clinician", "One-twenty. Sorry, one-twenty-five."),
        ),
        [("range_of_motion", 125, "right")],
        [],
    ),
    # D. the kind given by the instruction before it
    (
        (
            ("Clinician", "Wrist extension strength, push up against my hand."),
            ("Clinician", "Right's a four plus, left is a four."),
        ),
        [("strength_grade", "4+", "right"), ("strength_grade", 4, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Elbow flexion, pull toward you and don't let me straighten it."),
            ("Clinician", "Five on the left, four on the right."),
        ),
        [("strength_grade", 5, "left"), ("strength_grade", 4, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Squeeze the dynamometer with your left hand."),
            ("Clinician", "Eighteen kilos."),
        ),
        [("strength_grade", 18, "left")],
        [],
    ),
    # E. look-alikes: a number after a reading that is no further reading
    (
        (
            ("Clinician", "Shoulder flexion, right."),
            ("Clinician", "One-forty."),
            ("Clinician", "We'll do the left one in two weeks."),
        ),
        [("range_of_motion", 140, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Knee flexion on the right."),
            ("Clinician", "One-ten."),
            ("Clinician", "Do ten of these at home, twice a day."),
        ),
        [("range_of_motion", 110, "right")],
        [],
    ),
    (
        (("Clinician", "Rate your pain."), ("Client", "Five. I've had it for two weeks.")),
        [("pain_score", 5, None)],
        [],
    ),
    (
        (
            ("Clinician", "Grip on the right."),
            ("Clinician", "Thirty-five pounds."),
            ("Clinician", "Your left is the one we operated on, so we'll leave it for six weeks."),
        ),
        [("strength_grade", 35, "right")],
        [],
    ),
    (
        (
            ("Clinician", "Mood out of ten?"),
            ("Client", "Six. My daughter's coming on the third, so that helps."),
        ),
        [("mood_score", 6, None)],
        [],
    ),
    # List 10: vital signs, timed tests, speech measures and scores as said while measuring
    # (a blood pressure is its systolic value, the diastolic in its unit).
    # vitals
    (
        (
            ("Clinician", "Let me check your blood pressure."),
            ("Clinician", "One thirty-two over eighty-four."),
        ),
        [("other", 132, None)],
        [],
    ),
    (
        (("Clinician", "Pressure's one-eighteen over seventy-six, pulse sixty-eight."),),
        [("other", 118, None), ("other", 68, None)],
        [],
    ),
    ((("Clinician", "Sats are ninety-seven percent on room air."),), [("other", 97, None)], []),
    (
        (("Clinician", "After the walk your heart rate was up to one-oh-eight."),),
        [("other", 108, None)],
        [],
    ),
    (
        (("Clinician", "How hard was that, six to twenty?"), ("Client", "Thirteen, maybe.")),
        [("other", 13, None)],
        [],
    ),
    (
        (("Clinician", "Resting heart rate today is seventy-two beats a minute."),),
        [("other", 72, None)],
        [],
    ),
    # timed tests
    ((("Clinician", "Timed up and go: eleven point four seconds."),), [("any", 11.4, None)], []),
    (
        (
            (
                "Clinician",
                "Ten metre walk took you eight seconds, "
                "so about one point two five metres per second.",
            ),
        ),
        [("any", 8, None), ("any", 1.25, None)],
        [],
    ),
    (
        (("Clinician", "Five times sit to stand, fourteen point two seconds."),),
        [("duration", 14.2, None)],
        [],
    ),
    (
        (("Clinician", "Nine-hole peg with the right hand, twenty-six seconds."),),
        [("duration", 26, "right")],
        [],
    ),
    (
        (("Clinician", "Six minute walk today was thirteen hundred feet."),),
        [("distance", 1300, None)],
        [],
    ),
    (
        (("Clinician", "You did the stairs, twelve steps, in nineteen seconds."),),
        [("duration", 19, None)],
        [],
    ),
    # speech
    (
        (("Clinician", "You read the passage at one hundred and forty words per minute."),),
        [("other", 140, None)],
        [],
    ),
    (
        (("Clinician", "Intelligibility in conversation was about seventy-five percent today."),),
        [("other", 75, None)],
        [],
    ),
    ((("Clinician", "You named eighteen of the twenty pictures."),), [("other", 18, None)], []),
    (
        (("Clinician", "Percent syllables stuttered was six percent on the reading."),),
        [("other", 6, None)],
        [],
    ),
    ((("Clinician", "In one minute you named fourteen animals."),), [("any", 14, None)], []),
    # scores
    ((("Clinician", "Your GAD-7 came out at eleven this time."),), [("other", 11, None)], []),
    ((("Clinician", "MoCA is twenty-four out of thirty."),), [("other", 24, None)], []),
    ((("Clinician", "Berg balance total is forty-six."),), [("other", 46, None)], []),
    ((("Clinician", "The Oswestry works out at thirty-two percent."),), [("other", 32, None)], []),
    (
        (("Clinician", "Your PCL-5 total today is forty-one, down from fifty-three in March."),),
        [("other", 41, None)],
        [53],
    ),
    # not measurements
    ((("Clinician", "Take two of the five hundred milligram tablets with food."),), [], []),
    ((("Clinician", "No lifting more than ten pounds for six weeks."),), [], []),
    ((("Clinician", "I'll see you at two thirty on the fourteenth."),), [], []),
    ((("Clinician", "You're seventy-eight now, is that right?"),), [], []),
    # List 11: readings in conversation across the four disciplines, the question in one
    # turn and the reading in the reply.
    # psychotherapy
    (
        (
            ("Clinician", "How many panic attacks did you have this week?"),
            ("Client", "Three, I think. Maybe four, if you count Sunday."),
        ),
        [("any", 3, None)],
        [],
    ),
    (
        (
            ("Clinician", "When you're on the train, how anxious do you get, zero to ten?"),
            ("Client", "An eight, easily."),
        ),
        [("any", 8, None)],
        [],
    ),
    (
        (
            ("Clinician", "Your GAD-7 today came in at nine."),
            ("Client", "Is that good?"),
            ("Clinician", "It's mild, and it was fourteen in September."),
        ),
        [("other", 9, None)],
        [14],
    ),
    (
        (
            ("Clinician", "At the start of the exposure your distress was at seventy."),
            ("Clinician", "Where is it now, zero to a hundred?"),
            ("Client", "Forty, maybe."),
        ),
        [("any", 40, None)],
        [],
    ),
    (
        (("Clinician", "How many nights did you sleep through?"), ("Client", "Two out of seven.")),
        [("any", 2, None)],
        [],
    ),
    # speech therapy
    (
        (
            ("Clinician", "Let's see how the naming went."),
            ("Clinician", "You named seven of the ten pictures, up from four last week."),
        ),
        [("other", 7, None)],
        [4],
    ),
    (
        (
            ("Clinician", "How much do your family understand you now?"),
            ("Client", "Most of it. Maybe eighty percent."),
        ),
        [("other", 80, None)],
        [],
    ),
    (
        (("Clinician", "You used the easy onset in eight of ten sentences."),),
        [("other", 8, None)],
        [],
    ),
    (
        (
            ("Clinician", "Take a breath and say ah for as long as you can."),
            ("Clinician", "Twelve seconds, good."),
        ),
        [("duration", 12, None)],
        [],
    ),
    # occupational therapy
    (
        (
            ("Clinician", "Squeeze the gauge with your right hand."),
            ("Clinician", "Forty pounds."),
            ("Clinician", "And the left."),
            ("Clinician", "Thirty-two."),
        ),
        [("strength_grade", 40, "right"), ("strength_grade", 32, "left")],
        [],
    ),
    (
        (
            ("Clinician", "Move the blocks over the barrier with your left hand, go."),
            ("Clinician", "Forty-five blocks in the minute."),
        ),
        [("any", 45, None)],
        [],
    ),
    (
        (
            ("Clinician", "How long can you stand at the counter before you need to sit?"),
            ("Client", "About six minutes, then my back goes."),
        ),
        [("duration", 6, None)],
        [],
    ),
    (
        (
            ("Clinician", "For dressing, how well do you think you do it now, one to ten?"),
            ("Client", "A five."),
        ),
        [("any", 5, None)],
        [],
    ),
    (
        (("Clinician", "That transfer was minimal assist, maybe twenty-five percent from me."),),
        [("any", 25, None)],
        [],
    ),
    # physical therapy
    (
        (
            ("Clinician", "Stand up, walk to the line, turn and come back."),
            ("Clinician", "Fourteen seconds on the timed up and go."),
        ),
        [("any", 14, None)],
        [],
    ),
    (
        (
            ("Clinician", "How far did we get with the walker?"),
            ("Client", "Was it three hundred?"),
            ("Clinician", "Three hundred feet, yes."),
        ),
        [("distance", 300, None)],
        [],
    ),
    (
        (
            ("Clinician", "Your Berg today is forty-four."),
            ("Client", "Out of?"),
            ("Clinician", "Fifty-six."),
        ),
        [("other", 44, None)],
        [],
    ),
    (
        (("Clinician", "Balance on your left foot."), ("Clinician", "Five seconds.")),
        [("duration", 5, "left")],
        [],
    ),
    (
        (
            ("Clinician", "How's the pain at rest?"),
            ("Client", "Three."),
            ("Clinician", "And on the stairs?"),
            ("Client", "More like six."),
        ),
        [("pain_score", 3, None), ("pain_score", 6, None)],
        [],
    ),
    # look-alikes
    ((("Clinician", "How old are your kids?"), ("Client", "Eight and eleven.")), [], []),
    (
        (("Clinician", "What time do you usually wake up?"), ("Client", "Around six, six thirty.")),
        [],
        [],
    ),
    ((("Clinician", "Do ten of these twice a day, and hold each one for five seconds."),), [], []),
]


def _said(m: dict[str, Any]) -> str:
    value = m["value"]
    text = str(int(value)) if float(value).is_integer() else str(value)
    sign = str(m.get("unit", ""))[:1]
    return text + sign if sign in ("+", "-") else text


@pytest.mark.parametrize(("lines", "today", "earlier"), READINGS)
def test_each_reading_is_recorded_once_and_earlier_ones_only_compared(
    lines: Lines, today: list[tuple[str, Any, str | None]], earlier: list[Any]
) -> None:
    calls = composed(*lines)
    recorded = measured(calls)
    left = list(recorded)
    for kind, value, side in today:
        match = next(
            (
                m
                for m in left
                if kind in ("any", m["kind"])
                and _said(m) == str(value)
                and side in (None, m.get("side"))
            ),
            None,
        )
        assert match is not None, (kind, value, side, recorded)
        left.remove(match)
    assert all(_said(m) not in {str(e) for e in earlier} for m in left), left
    written = " ".join(texts(calls))
    for value in earlier:
        assert str(value) in written, (value, written)


# List 12: the joint and side carried through a conversation (a part named turns before its
# value, the client talking in between, a move to another joint or side, a part named in
# passing), each value checked with its side and body part.
PLACED: list[tuple[Lines, list[tuple[str, Any, str | None, str | None]]]] = [
    (
        (
            ("Clinician", "Let's look at the right shoulder today."),
            ("Client", "It's been stiff in the mornings."),
            ("Clinician", "Lift it forward as high as you can."),
            ("Clinician", "One-forty."),
        ),
        [("range_of_motion", 140, "right", "shoulder")],
    ),
    (
        (
            ("Clinician", "Now the left knee, bend it for me."),
            ("Client", "Ooh, that pulls."),
            ("Clinician", "Ninety-eight degrees."),
        ),
        [("range_of_motion", 98, "left", "knee")],
    ),
    (
        (
            ("Clinician", "Right hip flexion first."),
            ("Clinician", "A hundred and five."),
            ("Clinician", "Now the left hip."),
            ("Clinician", "Ninety."),
        ),
        [("range_of_motion", 105, "right", "hip"), ("range_of_motion", 90, "left", "hip")],
    ),
    (
        (
            ("Clinician", "Elbow extension on the right is minus ten."),
            ("Clinician", "Now the wrist, bend it back."),
            ("Clinician", "Sixty."),
        ),
        [("range_of_motion", -10, "right", "elbow"), ("range_of_motion", 60, "right", "wrist")],
    ),
    (
        (
            ("Clinician", "Squeeze with the left hand."),
            ("Client", "I grabbed the bus rail with my right yesterday and it was fine."),
            ("Clinician", "Twenty-eight pounds."),
        ),
        [("strength_grade", 28, "left", "hand")],
    ),
    (
        (
            ("Clinician", "Ankle dorsiflexion on the left, pull your toes up."),
            ("Clinician", "Five degrees."),
            ("Client", "My calf is really tight."),
            ("Clinician", "Yes, and the right goes to fifteen."),
        ),
        [("range_of_motion", 5, "left", "ankle"), ("range_of_motion", 15, "right", "ankle")],
    ),
    (
        (
            ("Clinician", "Shoulder abduction on the right."),
            ("Clinician", "Ninety, and it hurts at the top?"),
            ("Client", "Yes, a six."),
        ),
        [("range_of_motion", 90, "right", "shoulder"), ("pain_score", 6, None, None)],
    ),
    (
        (
            ("Clinician", "Now I'm going to test your neck, turn your head to the right."),
            ("Clinician", "Sixty."),
            ("Clinician", "And to the left."),
            ("Clinician", "Fifty-five."),
        ),
        [("range_of_motion", 60, "right", "neck"), ("range_of_motion", 55, "left", "neck")],
    ),
    (
        (
            ("Clinician", "Knee extension strength on the right, kick out against my hand."),
            ("Clinician", "Four plus."),
            ("Clinician", "Hip flexion now, lift your knee up against me."),
            ("Clinician", "Four."),
        ),
        [("strength_grade", "4+", "right", "knee"), ("strength_grade", 4, "right", "hip")],
    ),
    (
        (
            ("Clinician", "Your right wrist flexion was fifty last week."),
            ("Clinician", "Bend it down for me."),
            ("Clinician", "Sixty-five today."),
        ),
        [("range_of_motion", 65, "right", "wrist")],
    ),
]


@pytest.mark.parametrize(("lines", "today"), PLACED)
def test_each_reading_keeps_the_joint_and_side_the_conversation_gave_it(
    lines: Lines, today: list[tuple[str, Any, str | None, str | None]]
) -> None:
    recorded = measured(composed(*lines))
    left = list(recorded)
    for kind, value, side, part in today:
        match = next(
            (
                m
                for m in left
                if m["kind"] == kind
                and _said(m) == str(value)
                and side in (None, m.get("side"))
                and part in (None, m.get("body_part"))
            ),
            None,
        )
        assert match is not None, (kind, value, side, part, recorded)
        left.remove(match)
    assert not left, left
