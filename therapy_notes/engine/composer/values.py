"""Values stated in a turn: recorded with their place, and compared with earlier ones.

`find_measurements` reads the values in one sentence; here they meet the conversation:
the joint and side said before fill in what a sentence leaves out, the same test on the
other side or a further rating takes the last value's shape, and a value measured before
(in this session or said as "last week it was 90") becomes an assessment of progress.
"""

from __future__ import annotations

import re
from typing import Any

from therapy_notes.engine.composer import writing
from therapy_notes.engine.composer.body import body_part, side_of
from therapy_notes.engine.composer.earlier import (
    EARLIER_BEFORE,
    EARLIER_TIME,
    PAST,
    PAST_TENSE,
    is_earlier,
    said_when,
)
from therapy_notes.engine.composer.facts import Context, Entry, Facts
from therapy_notes.engine.composer.measurements import (
    TEST_COUNT_UNITS,
    find_measurements,
    without_test_names,
)
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.place import BARE_SIDE_VALUE
from therapy_notes.engine.composer.text import clean_sentence, normalise

_FORCE_UNITS = ("lb", "kg")
"""A dynamometer's units: a strength reading of a hand or a limb, so it has a place."""
_JOINTS = frozenset(
    {"shoulder", "elbow", "wrist", "hand", "finger", "thumb", "hip", "knee", "ankle", "foot"}
)
"""Places a timed or distance test is done on one side of; not the back or the neck."""
_SIDED_KINDS = frozenset(
    {"range_of_motion", "strength_grade", "pain_score", "duration", "distance", "repetitions"}
)
"""Values measured on one side that the other side is compared with; a count of blocks or
a level of assistance said "on the left" is found by its own words."""
# "Goal for the next two weeks: eight out of ten": a target, not today's value.
_GOAL = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:goal|goals|target|aim)\b|\b(?:goal|target) (?:is|for)\b"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PRESENT = re.compile(r"\b(today|now|this (week|time|session|morning))\b")
_RATING = re.compile(
    r"(?:^|\b(?:a|an|at|to|about|around|like|maybe|probably|say|call it)\s+(?:an?\s+)?)"
    r"(\d+(?:\.\d+)?)\b(?!\s*(?:degrees?|%|percent|seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|years?|times|feet|foot|meters?|yards?|miles?|blocks?|steps?|reps|sets?|pounds?|"
    r"kilos?|o'clock|am\b|pm\b|\.\d|/|out of (?!10|ten)))"
)


def today_values(
    sentence: str,
    context: Context,
    ids: tuple[str, ...],
    facts: Facts,
    *,
    timed: bool = False,
) -> list[dict[str, Any]]:
    """Today's values in a sentence (context filled in); earlier ones only remembered.

    With `timed` (the clinician reporting a result), a time or distance takes the limb and
    side of the test just given.
    """
    digits = spoken_numbers_to_digits(normalise(sentence))
    goal = _GOAL.search(digits)
    found = find_measurements(sentence)
    if goal is not None:
        # "Goal for the next two weeks: eight out of ten" is no value of today's; "flexion
        # is one-sixty today, and the goal is one-seventy" keeps what comes before the goal.
        found = [m for m in found if _said_before(m, digits, goal.start())]
        if not found:
            return []
    today: list[dict[str, Any]] = []
    tested_used = False
    for i, m in enumerate(found):
        last = context.last[0] if context.last is not None else None
        if (
            m["kind"] == "other"
            and m.get("unit") == "/5"
            and last is not None
            and last["kind"] == "strength_grade"
        ):
            # "The left is five out of five", after a grip grade: the same test.
            m = {**m, "kind": "strength_grade", "body_part": last.get("body_part", "")}
            side = side_of(digits)
            if side:
                m["side"] = side
            found[i] = m
        if (
            m["kind"] == "other"
            and m.get("unit") in ("millimeters", "centimeters")
            and context.part in ("jaw", "mouth")
        ):
            m = {**m, "kind": "range_of_motion"}  # "Open wide... Forty-two millimeters."
        located = m["kind"] in ("range_of_motion", "strength_grade", "pain_score") or m.get(
            "unit"
        ) in (*_FORCE_UNITS, *TEST_COUNT_UNITS)
        if located and "body_part" not in m and context.part:
            # The part said before is the value's, unless the sentence gave it to another.
            m = {**m, "body_part": context.part}
        if timed and m["kind"] in ("duration", "distance") and not m.get("body_part"):
            # "Stand on your left leg... Eleven seconds.": the limb and side the test
            # instruction just named, or (for a timed task) the joint being examined. A
            # distance walked is the whole body's; only a hop names a leg.
            if context.tested is not None:
                part, side = context.tested
                m = {**m, "body_part": part, "side": m.get("side") or side}
                tested_used = True
            elif context.part in _JOINTS and m["kind"] == "duration":
                m = {**m, "body_part": context.part}
                located = True
        if m["kind"] == "range_of_motion" and m.get("body_part") == "hand":
            m = {**m, "body_part": "wrist"}  # the hand bent back or down moves at the wrist
        if located and m.get("body_part") == context.part and context.side and not m.get("side"):
            # The side was said once for the joint ("on the right"), not with every value.
            m = {**m, "side": context.side}
        if is_earlier(m, digits, count_numbers(digits)):
            remember_earlier(m, said_when(digits), context)
            continue
        today.append(m)
    keys: set[tuple[str, str, str, str]] = set()
    for m in today:
        # Two values of one thing in one sentence are two conditions ("a four at rest and a
        # six walking"), not a change between them.
        record(m, ids, context, facts, compared=_key(m, context) not in keys)
        keys.add(_key(m, context))
    if tested_used:
        context.tested = None  # the one-sided test has its result
    if today:
        # "..., down from 19", "you were at 30 last visit": the earlier value said with
        # today's, as a bare number.
        values = {float(m["value"]) for m in found}
        first = today[0]
        for said in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits):
            value = float(said.group(0))
            if value in values:
                continue
            before = digits[max(0, said.start() - 30) : said.start()]
            after = digits[said.end() : said.end() + 40]
            if EARLIER_BEFORE.search(before) or EARLIER_TIME.match(after.strip(" ,")):
                progress = writing.progress_text(
                    first, value, motion=_motion(first, context), when=said_when(digits)
                )
                facts.entries.append(Entry("assessment", progress, ids))
                break
    return today


# An instruction that asks for a count: "as many times as you can in thirty seconds",
# "let's do ten", "do eight of those". The number reported next is what was done.
_COUNT_ASKED = re.compile(
    r"\bas many (?:times|reps|repetitions|as (?:you|she|he|they) can)\b|"
    r"\b(?:let's|let us|we'll|we will|we're going to|i want)\s+(?:you to\s+)?do\s+\d+\b|"
    r"\bdo\s+\d+\s+(?:of (?:those|them|these)|more|times|reps|repetitions)\b|"
    r"\b\d+\s+(?:times|reps|repetitions)\b|\bhow many (?:times|reps)\b"
)
_COUNT_REPORTED = re.compile(
    r"^\W*(?:that's\s+|that was\s+|(?:you|she|he|they)\s+(?:did|got|managed|completed)\s+)?"
    r"(?:all\s+)?"
    r"(\d+)(?:\s*(?:out of|/|of)\s*(?:the\s+)?(\d+))?\b(?![\s-]*(?:degrees?|%|percent|seconds?|"
    r"minutes?|hours?|feet|foot|meters?|pounds?|lbs?|kilos?|kgs?|per|a (?:second|minute)|\.\d))"
)


# Body weight, not weight bearing ("putting weight through the leg", "shift your weight").
_WEIGHT_WORD = re.compile(
    r"\bweigh(?:s|ed|ing)?\b(?!\s+(?:on|through|into|onto))|"
    r"(?<!\bput )(?<!\bputting )(?<!\bbear )(?<!\bbearing )(?<!\bshift )(?<!\bshift your )"
    r"(?<!\bfull )(?<!\bpartial )\bweight\b(?![- ]?(?:bearing|shift\w*|on|through|onto|into))"
)
_WEIGHT_CHANGE = re.compile(
    r"\b(?:lost|lose|losing|gained|gain|gaining|dropped|put on|down|up|by|another|about)\s+$"
)


def body_weight(
    sentence: str,
    context: Context,
    ids: tuple[str, ...],
    facts: Facts,
    *,
    asked: bool = False,
    measured: bool = False,
) -> dict[str, Any] | None:
    """A body weight the client gives ("I'm at one twenty-six now"), recorded once.

    Weights are said in hundreds and tens with the hundred left out ("one twenty-six"), and
    without a unit once weight is the subject; a change ("lost three pounds") is a few
    pounds and is not the weight. `asked`: the question being answered is about weight.
    `measured`: the clinician read it off the scales ("You weigh eighty-two kilos today"),
    an objective finding rather than the client's report.
    """
    digits = spoken_numbers_to_digits(normalise(sentence))
    if not asked and not _WEIGHT_WORD.search(digits):
        return None
    digits = re.sub(r"\b1 ([1-9]\d)\b", r"1\1", digits)
    unit = "kg" if re.search(r"\bkilo\w*|\bkgs?\b", digits) else "pounds"
    for said in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits):
        value = number_value(said.group(0))
        if (
            not 30 <= float(value) <= 700
            or _WEIGHT_CHANGE.search(digits[: said.start()])
            or re.match(
                r"\s*(?:%|percent|degrees?|seconds?|minutes?|feet|steps?)", digits[said.end() :]
            )
        ):
            continue
        m: dict[str, Any] = {"kind": "other", "value": value, "unit": unit, "name": "weight"}
        if is_earlier(m, digits, count_numbers(digits)):
            continue
        record(m, ids, context, facts)
        if measured:
            text = clean_sentence(f"Weight {_number_text(value)} {unit}")
            facts.entries.append(Entry("objective", text, ids))
        else:
            text = writing.client_report(f"weight {_number_text(value)} {unit}")
            facts.entries.append(Entry("subjective", text, ids))
        return m
    return None


def _number_text(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def asks_for_count(sentence: str) -> bool:
    """Whether an instruction asks for a count of repetitions, to be reported next."""
    text = without_test_names(spoken_numbers_to_digits(normalise(sentence)))
    return _COUNT_ASKED.search(text) is not None


def counted_repetitions(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """The count reported after an instruction asked for one ("Nine.", "Ten out of ten").

    A 30-second chair stand is documented as the number of stands, a set of effortful
    swallows as how many were done: the bare number is a count of repetitions, not a score.
    """
    if not context.counting:
        return []
    digits = without_test_names(spoken_numbers_to_digits(normalise(sentence)))
    match = _COUNT_REPORTED.match(digits)
    if match is None or (match.group(2) and float(match.group(1)) > float(match.group(2))):
        return []
    m: dict[str, Any] = {
        "kind": "repetitions",
        "value": number_value(match.group(1)),
        "unit": "repetitions",
    }
    record(m, ids, context, facts)
    context.counting = False
    return [m]


# A goniometer reading said as a bare number once the joint and motion are set ("Bend the
# knee back as far as it goes." "That's one twenty."): degrees, as range of motion is
# documented; a grade or a count would have its scale or its instruction.
_BARE_READING = re.compile(
    r"^\W*(?:(?:and\s+)?(?:today|now|this time)\W*)?"
    r"(?:that's|that is|you're at|you are at|it's|it is|she's at|he's at|call it|"
    r"let's say|let's call it|say|i get|i've got|i'm getting|i'm reading|it reads|reads|"
    r"looks like|(?:you're|you are|she's|he's|it's)?\s*(?:missing|lacking|short(?: by)?))?\s*"
    r"(?:about|around|roughly|just about|almost|nearly|maybe)?\s*(\d+)(?:-?ish)?\s*(?:degrees)?"
    r"(?:\s+(?:on|to|for)\s+the\s+(left|right)(?:\s+side)?)?(?:\s+(?:today|now|this time))?"
    r"(?:\W+(?:nice|good|great|perfect|excellent|okay|ok|lovely|well done|pretty stiff|stiff|"
    r"tight|that's (?:better|good|great|tight|stiff|limited)|limited|not bad|"
    r"and (?:the )?other (?:way|side)|now (?:the )?other (?:way|side)))?\W*$"
)
# A force read off a dynamometer as a bare number of pounds or kilograms once a body part
# is being tested ("Key pinch next, right hand." "Twelve pounds.").
_BARE_FORCE = re.compile(
    r"^\W*(?:that's|that is|it's|it is|you're at|about|around)?\s*(\d+(?:\.\d+)?)\s*"
    r"(pounds?|lbs?|kilos?|kilograms?|kgs?)\b(?!\s+(?:of\s+)?(?:weight|heavier|lighter|lost|"
    r"gained|down|up))"
)


def bare_force_value(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """A bare dynamometer reading once a body part is being tested, as its strength."""
    force = _BARE_FORCE.match(spoken_numbers_to_digits(normalise(sentence)))
    if force is not None and context.part and len(sentence.split()) <= 8:
        unit = "kg" if force.group(2).startswith("k") else "lb"
        strength: dict[str, Any] = {
            "kind": "strength_grade",
            "value": number_value(force.group(1)),
            "unit": unit,
            "body_part": context.part,
        }
        if context.side:
            strength["side"] = context.side
        record(strength, ids, context, facts)
        return [strength]
    return []


def bare_range_value(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """A bare number read after a joint was moved, as that joint's range of motion.

    The joint is enough: a clinician moving it ("tip your ear toward your shoulder") and
    reading a number off the goniometer seldom names the motion as well.
    """
    if context.part not in _JOINTS | {"forearm", "neck", "cervical"}:
        return []
    match = _BARE_READING.match(spoken_numbers_to_digits(normalise(sentence)))
    if match is None or not 5 <= float(match.group(1)) <= 180:
        return []
    m: dict[str, Any] = {
        "kind": "range_of_motion",
        "value": number_value(match.group(1)),
        "unit": "degrees",
        "body_part": context.part,
    }
    side = match.group(2) or context.side
    if side:
        m["side"] = side
    record(m, ids, context, facts)
    return [m]


def earlier_told(sentence: str, context: Context, ids: tuple[str, ...], facts: Facts) -> bool:
    """A value told in the past tense in reply to a question about an earlier time.

    "Last week you had to do most of it, didn't you?" "I did. That was moderate assist.":
    the value is last week's, compared with today's, and not recorded as today's.
    """
    digits = spoken_numbers_to_digits(normalise(sentence))
    if not context.earlier_frame or not PAST_TENSE.search(digits) or _PRESENT.search(digits):
        return False
    found = find_measurements(sentence)
    if not found:
        return False
    for m in found:
        context.values[_key(m, context)] = (float(m["value"]), context.earlier_frame)
    if context.last is not None:
        last, last_ids = context.last
        same = [m for m in found if m["kind"] == last["kind"] and m["unit"] == last["unit"]]
        if same:
            progress = writing.progress_text(
                {**last, "value": same[0]["value"]},
                float(last["value"]),
                motion=_motion(last, context),
                when=context.earlier_frame,
                reverse=True,
            )
            facts.entries.append(Entry("assessment", progress, (*last_ids, *ids)))
    return True


def more_ratings(
    rest: str, m: dict[str, Any], ids: tuple[str, ...], context: Context, facts: Facts
) -> bool:
    """Further ratings of the same thing later in the answer, each recorded; any found?"""
    digits = spoken_numbers_to_digits(normalise(rest))
    if PAST.search(digits):
        return False  # "it was more like a five when I came in": not today's
    found = False
    start = 0
    for said in _RATING.finditer(digits):
        value = number_value(said.group(1))
        part = body_part(digits[start : said.start()]) if m["kind"] == "pain_score" else ""
        start = said.end()
        if float(value) <= 10:
            again = {**m, "value": value}
            if part and part != m.get("body_part"):
                # "Back's a three, the leg is more like five": the rating of what it names.
                again = {k: v for k, v in again.items() if k != "side"} | {"body_part": part}
            record(again, ids, context, facts, compared=False)
            text = with_condition(
                writing.measurement_text(again, self_rated=True), digits[said.end() :]
            )
            facts.entries.append(Entry("subjective", text, ids))
            found = True
    return found


# When a rating holds, said straight after it: "a three in the morning", "a six when I
# walk", "five at rest".
_CONDITION = re.compile(
    r"^\W*((?:in|at|by|when|with|after|before|during|on|first thing|last thing|walking|"
    r"sitting|standing|lying)\b[^,;.\d]{0,40}?)\s*(?:[,;.]|\band\b|\bbut\b|$)"
)


def with_condition(text: str, after: str) -> str:
    """A rating's entry with the condition said after its number, if one is."""
    condition = _CONDITION.match(after)
    if condition is None:
        return text
    return f"{text.rstrip('.')} {writing.client_phrase(condition.group(1))}."


def bare_rating_number(digits: str) -> re.Match[str] | None:
    """The number of a spoken rating ("like a two", "maybe a four", "about 3"), if any."""
    rating = _RATING.search(digits)
    return None if rating is None else _NUMBER.search(digits, rating.start(1))


_OPPOSITE = {"left": "right", "right": "left"}
_NUMBER_ALONE = re.compile(r"^\W*(?:about\s+|around\s+)?\d+(?:\.\d+)?\W*$")


def other_side(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """The same test on the other side, said without its unit ("The right side is twenty.").

    The side may have been named just before ("And the left." "Thirty-eight."): then the
    sentence is the number alone.
    """
    if context.last is None:
        return []
    digits = spoken_numbers_to_digits(normalise(sentence))
    numbers = re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
    side = side_of(digits)
    last = context.last[0]
    if not side and _NUMBER_ALONE.match(digits):
        side = context.side
        digits = f"the {side} is {digits}"
    if not side and re.search(r"\bthe other\b", digits):
        side = _OPPOSITE.get(str(last.get("side", "")), "")  # "The other side's fifteen."
    if len(numbers) != 1 or side not in ("left", "right") or side == last.get("side"):
        return []
    if last["kind"] not in _SIDED_KINDS and last.get("unit") not in (
        *_FORCE_UNITS,
        *TEST_COUNT_UNITS,
    ):
        return []
    if EARLIER_TIME.search(digits) or not BARE_SIDE_VALUE.search(digits):
        return []
    m = {**last, "value": number_value(numbers[0]), "side": side}
    if last["kind"] == "strength_grade" and str(last.get("unit", "")).endswith("/5"):
        sign = re.search(rf"{numbers[0]}\s*(plus|minus|\+|-)(?!\w)", digits)
        m["unit"] = "/5" if sign is None else ("+/5" if sign.group(1) in ("plus", "+") else "-/5")
    record(m, ids, context, facts)
    return [m]


def earlier_bare_value(sentence: str, context: Context, ids: tuple[str, ...], facts: Facts) -> bool:
    """An earlier value of what was just measured ("last week you were at ninety")."""
    digits = spoken_numbers_to_digits(normalise(sentence))
    # "Three weeks ago you were at forty": the number in the time phrase is not a value.
    number = re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", EARLIER_TIME.sub(" ", digits))
    if len(number) != 1 or not EARLIER_TIME.search(digits) or context.last is None:
        return False
    last, last_ids = context.last
    earlier = float(number[0])
    facts.entries.append(
        Entry(
            "assessment",
            writing.progress_text(
                {**last, "value": earlier},
                float(last["value"]),
                motion=context.motion if last["kind"] == "range_of_motion" else "",
                when=said_when(digits),
                reverse=True,
            ),
            (*last_ids, *ids),
        )
    )
    return True


def earlier_only(sentence: str, context: Context, ids: tuple[str, ...], facts: Facts) -> bool:
    """The comparison said after today's value ("two weeks ago you were at 50 percent")."""
    if context.last is None:
        return False
    last, last_ids = context.last
    found = find_measurements(sentence)
    same = [m for m in found if m["kind"] == last["kind"] and m.get("unit") == last.get("unit")]
    digits = spoken_numbers_to_digits(normalise(sentence))
    if len(same) != 1 or not EARLIER_TIME.search(digits):
        return False
    progress = writing.progress_text(
        {**last, "value": same[0]["value"]},
        float(last["value"]),
        motion=_motion(last, context),
        when=said_when(digits),
        reverse=True,
    )
    facts.entries.append(Entry("assessment", progress, (*last_ids, *ids)))
    return True


def record(
    m: dict[str, Any],
    ids: tuple[str, ...],
    context: Context,
    facts: Facts,
    *,
    compared: bool = True,
) -> None:
    """Record today's value, with progress against the same value measured before.

    Without `compared`, the value is another of the same reply's ratings under another
    condition ("a three in the morning, a five by evening"), which is no change.
    """
    if m["kind"] == "duration" and not m.get("name") and context.timed_test:
        m["name"] = context.timed_test  # "Fourteen seconds." after "hold an 'ah'...": its MPT
    key = _key(m, context)
    earlier = context.values.get(key) if compared else None
    said = {k: v for k, v in m.items() if k != "name" and v != ""}
    facts.measurements.append((said, ids))
    if earlier is not None and m["kind"] in (
        "range_of_motion",
        "strength_grade",
        "pain_score",
        "mood_score",
        "assistance_level",
    ):
        facts.entries.append(
            Entry(
                "assessment",
                writing.progress_text(
                    m,
                    earlier[0],
                    motion=context.motion if m["kind"] == "range_of_motion" else "",
                    when=earlier[1],
                ),
                ids,
            )
        )
    context.values[key] = (float(m["value"]), "")
    context.last = (m, ids)


def remember_earlier(m: dict[str, Any], when: str, context: Context) -> None:
    """Keep a value said for an earlier time: today's same value is compared with it."""
    context.values[_key(m, context)] = (float(m["value"]), when)


def _key(m: dict[str, Any], context: Context) -> tuple[str, str, str, str]:
    motion = context.motion if m["kind"] == "range_of_motion" else ""
    return (str(m["kind"]), str(m.get("body_part", "")), str(m.get("side", "")), motion)


def _said_before(m: dict[str, Any], digits: str, end: int) -> bool:
    number = _number_text(m["value"])
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", digits[:end]) is not None


def count_numbers(text: str) -> int:
    """How many numbers a text (with its numbers as digits) says."""
    return len(re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", text))


def _motion(m: dict[str, Any], context: Context) -> str:
    return context.motion if m["kind"] == "range_of_motion" else ""


def number_value(text: str) -> float | int:
    """A said number as an int when it is whole ("6" -> 6, "6.5" -> 6.5)."""
    number = float(text)
    return int(number) if number.is_integer() else number
