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
from therapy_notes.engine.composer.earlier import (
    EARLIER_BEFORE,
    EARLIER_TIME,
    PAST,
    is_earlier,
    said_when,
)
from therapy_notes.engine.composer.facts import Context, Entry, Facts
from therapy_notes.engine.composer.measurements import TEST_COUNT_UNITS, find_measurements, side_of
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.place import BARE_SIDE_VALUE
from therapy_notes.engine.composer.text import normalise

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
_RATING = re.compile(
    r"(?:^|\b(?:a|at|to|about|around|like|maybe|probably|say|call it)\s+(?:a\s+)?)"
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
    if _GOAL.search(digits):
        return []  # "Goal for the next two weeks: eight out of ten": not today's value
    found = find_measurements(sentence)
    today: list[dict[str, Any]] = []
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
        located = m["kind"] in ("range_of_motion", "strength_grade", "pain_score") or m.get(
            "unit"
        ) in (*_FORCE_UNITS, *TEST_COUNT_UNITS)
        if located and not m.get("body_part") and context.part:
            m = {**m, "body_part": context.part}
        if timed and m["kind"] in ("duration", "distance") and not m.get("body_part"):
            # "Stand on your left leg... Eleven seconds.": the limb and side the test
            # instruction just named, or the joint being examined.
            if context.tested is not None:
                part, side = context.tested
                m = {**m, "body_part": part, "side": side}
            elif context.part in _JOINTS:
                m = {**m, "body_part": context.part}
                located = True
        if located and m.get("body_part") == context.part and context.side and not m.get("side"):
            # The side was said once for the joint ("on the right"), not with every value.
            m = {**m, "side": context.side}
        if is_earlier(m, digits, _count_numbers(digits)):
            context.values[_key(m, context)] = (float(m["value"]), said_when(digits))
            continue
        today.append(m)
    for m in today:
        record(m, ids, context, facts)
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


def more_ratings(
    rest: str, m: dict[str, Any], ids: tuple[str, ...], context: Context, facts: Facts
) -> bool:
    """Further ratings of the same thing later in the answer, each recorded; any found?"""
    digits = spoken_numbers_to_digits(normalise(rest))
    if PAST.search(digits):
        return False  # "it was more like a five when I came in": not today's
    found = False
    for said in _RATING.finditer(digits):
        value = number_value(said.group(1))
        if float(value) <= 10:
            again = {**m, "value": value}
            record(again, ids, context, facts)
            facts.entries.append(
                Entry("subjective", writing.measurement_text(again, self_rated=True), ids)
            )
            found = True
    return found


def bare_rating_number(digits: str) -> re.Match[str] | None:
    """The number of a spoken rating ("like a two", "maybe a four", "about 3"), if any."""
    rating = _RATING.search(digits)
    return None if rating is None else _NUMBER.search(digits, rating.start(1))


def other_side(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """The same test on the other side, said without its unit ("The right side is twenty.")."""
    if context.last is None:
        return []
    digits = spoken_numbers_to_digits(normalise(sentence))
    numbers = re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
    side = side_of(digits)
    last = context.last[0]
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
    record(m, ids, context, facts)
    return [m]


def earlier_bare_value(sentence: str, context: Context, ids: tuple[str, ...], facts: Facts) -> bool:
    """An earlier value of what was just measured ("last week you were at ninety")."""
    digits = spoken_numbers_to_digits(normalise(sentence))
    number = re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
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


def record(m: dict[str, Any], ids: tuple[str, ...], context: Context, facts: Facts) -> None:
    """Record today's value, with progress against the same value measured before."""
    key = _key(m, context)
    earlier = context.values.get(key)
    facts.measurements.append(({k: v for k, v in m.items() if k != "name"}, ids))
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


def _key(m: dict[str, Any], context: Context) -> tuple[str, str, str, str]:
    motion = context.motion if m["kind"] == "range_of_motion" else ""
    return (str(m["kind"]), str(m.get("body_part", "")), str(m.get("side", "")), motion)


def _count_numbers(text: str) -> int:
    return len(re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", text))


def _motion(m: dict[str, Any], context: Context) -> str:
    return context.motion if m["kind"] == "range_of_motion" else ""


def number_value(text: str) -> float | int:
    """A said number as an int when it is whole ("6" -> 6, "6.5" -> 6.5)."""
    number = float(text)
    return int(number) if number.is_integer() else number
