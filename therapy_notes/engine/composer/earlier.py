"""Earlier values and goals: whether a number said now is today's value.

A number may be one an earlier value is compared with, or a goal or limit set for it.

"Up from 90 last week", "two weeks ago you were at 50 percent", "that was moderate assist":
the words around a number say when it was taken. Today's values are recorded; earlier ones
are only compared with, so this judgement sits apart from the recording of values.
"""

from __future__ import annotations

import re
from typing import Any

from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.text import normalise

EARLIER_TIME = re.compile(
    r"\b(last (week|session|time|visit|month|appointment)|the (week|session|visit) before|"
    r"(\d+|a|two|three|few|a few|a couple of) (weeks?|months?|days?) (ago|back)|"
    r"at (the|your) (initial |first )?(eval\w*|assessment|intake|start)|on admission|"
    r"when (we|you|she|he|they) (started|began|first came|first started|came (out of|home from|"
    r"back from) (the )?(hospital|rehab|surgery)|were (discharged|admitted)|got home)|"
    r"(back )?in (january|february|march|april|june|july|august|september|october|november|"
    r"december)|"
    r"initially|at intake|previously|before (surgery|the surgery|treatment))\b"
)
EARLIER_BEFORE = re.compile(
    r"(\b(up|down|improved|increased|decreased|went|came|gone) from|\bfrom|\bcompared (to|with)|"
    r"\bversus|\bvs\.?|\bused to be|\bused to (get|have|sleep)|"
    r"\bwas (only |just )?(at |about |around )?|\bwere (only |just )?(at |about |around )?|"
    r"\bhad been)\s*(a |an |about |around |only )?$"
)
PAST = re.compile(r"\b(was|were|had been|used to|last|ago|before|previously)\b")
PAST_TENSE = re.compile(r"\b(was|were|had|did|needed|used to|got|scored|managed)\b")
"""A reply in the past tense, for a value told about an earlier time the question named."""
_BARE_COPULA = re.compile(r"^\s*\b(was|were)\b")
_POINTS_BACK = re.compile(r"\b(that|it|this|you|she|he|they|i|we)\s*$")
"""A pronoun before "was" points back to what was said before ("that was moderate
assist"): an earlier value; a noun ("the longest block was") is what was just measured."""
_LATER_FROM = re.compile(r"\b(up|down|improved|increased|decreased|better|worse)?\s*from\s+\d")
""""You were 82 percent intelligible, up from 68": the value compared with comes after."""
# A new clause: after a comma, or (as a recogniser writes it, without one) where "and" or
# "but" brings its own subject ("72 decibels and I didn't hear the strain you had last month").
_NEW_CLAUSE = re.compile(
    r",\s*(?:and|but|so|though|although|while)\s+|;\s*|"
    r"\s+(?:and|but)\s+(?=(?:i|you|he|she|we|they)\b)"
)
_PRESENT = re.compile(r"\b(today|now|this (week|time|session|morning))\b")


_TIME_NUMBER = re.compile(r"\b\d+\s+(?:weeks?|months?|days?)\s+(?:ago|back)\b")


def is_earlier(m: dict[str, Any], text: str, count: int) -> bool:
    """A value said for comparison ("up from 90 last week") is not today's."""
    value = m["value"]
    number = str(int(value)) if float(value).is_integer() else str(value)
    for match in re.finditer(rf"(?<![\d.]){re.escape(number)}(?![\d])", text):
        before = text[max(0, match.start() - 30) : match.start()]
        after = text[match.end() : match.end() + 40]
        earlier = EARLIER_BEFORE.search(before)
        said = earlier.group(0) if earlier is not None else ""
        bare = _BARE_COPULA.search(said) is not None
        points_back = (
            bare
            and not _PRESENT.search(text)
            and _POINTS_BACK.search(before[: len(before) - len(said)]) is not None
        )
        if earlier is not None and not (
            bare
            and (
                _LATER_FROM.search(text[match.end() :])
                or not (EARLIER_TIME.search(text) or points_back)
            )
        ):
            # "was 90" is earlier only if the sentence says when; "the longest block was
            # about three seconds" is today's.
            return True
        time = EARLIER_TIME.match(
            re.sub(r"^\s*(degrees?|/\s*\d+|out of \d+|%|percent|hours?|feet)?\W*", "", after)
        )
        rest = _TIME_NUMBER.sub("", after)
        told = time is not None and re.search(r"\d", _PRESENT.split(rest, maxsplit=1)[0])
        if time is not None and not told:
            # "Ninety degrees last week": the time said after the value is its time, unless
            # the time goes on to a value of its own ("four, last week it was a six").
            return True
    if count != 1 or _PRESENT.search(text):
        return False
    # "Seventy-two decibels, and I didn't hear the strain you had last month": the time
    # belongs to the clause that says it, not to a value in another clause.
    for clause in _NEW_CLAUSE.split(text):
        if re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", clause):
            return bool(EARLIER_TIME.search(clause))
    return bool(EARLIER_TIME.search(text))


def said_when(text: str) -> str:
    """The words that say when an earlier value was taken ("last week"), or ""."""
    match = EARLIER_TIME.search(text)
    return match.group(0) if match is not None else ""


def earlier_number(text: str) -> float | None:
    """The value in "last week it was around a six", if the text gives one."""
    digits = spoken_numbers_to_digits(normalise(text))
    number = re.search(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
    if number is None or not EARLIER_TIME.search(digits):
        return None
    return float(number.group(0))


# A number said as a goal or a threshold ("until it comes under twelve seconds", "goal of
# ninety degrees", "at least thirty minutes"), which is not a value measured today.
_THRESHOLD_BEFORE = re.compile(
    r"\b(under|below|over|above|less than|more than|fewer than|at least|at most|up to|"
    r"goal\w*(\s+\w+){0,3}?|target\w*(\s+\w+){0,3}?|aim\w*\s+for|until\s+(\w+\s+){0,5}?"
    r"(is|are|gets?|comes?|reach\w*)|within|no more than|as many(\s+\w+)?\s+as\s+"
    r"(you|she|he|they)\s+can\s+in)\s+(about\s+|around\s+|a\s+)?$"
)


def is_threshold(clause: str, start: int) -> bool:
    """Whether the number at `start` of `clause` is a goal or a limit, not a measurement."""
    return _THRESHOLD_BEFORE.search(clause[max(0, start - 60) : start]) is not None
