"""A measure named first and its value called out after ("Let me feel your pulse." "72.").

Clinicians announce what they are about to measure ("This is the Timed Up and Go. Go.",
"What's your distress, zero to a hundred?", "Look at this chart: six is no effort at
all...") and then call out, or hear, a bare number. The number alone means nothing; the
announcement gives it its name and unit. This module keeps the last announcement and, for
the next bare number, writes the value as if the two had been said together, so the
measurement readers (`measurements`) name it the one way they name every other reading.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from therapy_notes.engine.composer.facts import Context, Facts
from therapy_notes.engine.composer.measurements import find_measurements, instrument_named
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.text import normalise
from therapy_notes.engine.composer.values import number_value, record

_SINGLE_LEG = r"\b(?:single|one)[- ]leg(?:ged)?\s+(?:stance|balance|stand)\b"
# What is announced, and how its value is said in full. Order matters where one name holds
# another ("pulse oximeter" before "pulse").
_ANNOUNCED: tuple[tuple[re.Pattern[str], str, tuple[float, float]], ...] = (
    (
        re.compile(r"\b(?:sats|saturations?|oxygen\s+(?:level|sat\w*)|spo2|pulse\s+ox\w*)\b"),
        "sats {} percent",
        (50, 100),
    ),
    (re.compile(r"\b(?:pulse|heart\s*rate)\b"), "heart rate {} bpm", (25, 250)),
    (
        re.compile(r"\b(?:respiratory|resp|breathing)\s+rate\b|\bbreaths\s+(?:per|a)\s+minute\b"),
        "respiratory rate {}",
        (4, 70),
    ),
    (re.compile(r"\btimed\s+up\s+and\s+go\b|\btug\b"), "timed up and go {} seconds", (2, 300)),
    (
        re.compile(
            rf"{_SINGLE_LEG}|"
            r"\beyes\s+(?:open|closed)\b"
        ),
        "single leg stance {} seconds",
        (0, 120),
    ),
    (
        re.compile(
            r"\b(?:rpe|borg|perceived\s+exertion|no\s+effort\s+at\s+all|(?:6|six)\s+to\s+"
            r"(?:20|twenty))\b"
        ),
        "RPE is {}",
        (6, 20),
    ),
    (
        re.compile(
            r"\bsuds\b|\bdistress\b[^.?!]{0,40}\b(?:a\s+)?(?:hundred|100)\b|"
            r"\b(?:0|zero)\s+to\s+(?:a\s+|one\s+)?(?:hundred|100)\b"
        ),
        "SUDS is {}",
        (0, 100),
    ),
)
# A value called out on its own: "Seventy-two, nice and regular.", "Eleven point four.",
# "Thirty, that's the max." A unit or a scale after the number makes it another reading.
_BARE = re.compile(
    r"^\W*(?:(?:about|around|like|maybe|roughly|so|okay|ok|that's|it's|you're\s+at|i'd\s+say|"
    r"(?:the\s+)?(?:total|score)(?:'s|\s+is|\s+of|\s+comes\s+to|\s+came\s+to)|you\s+scored)"
    r"\W+)*(\d+(?:\.\d+)?)(?!\s*(?:/|out\s+of|percent|%|degrees?|pounds?|lbs?|kg|kilos?|reps?|"
    r"times|seconds?|secs?|minutes?|mins?|hours?|words|feet|foot|inches|met(?:er|re)s?|cm|bpm|"
    r"beats|breaths|items?|questions?|tasks?|steps?|stations?|parts?|sections?|and\s+\d|\d|-|"
    r"to\s+\d))\b"
)
_MAX_WORDS = 14


# Holds timed for as long as they last, by how clinicians set them up.
_HOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\bmaximum\s+phonation\b|\bmpt\b|\bhold\s+(?:an?\s+|the\s+)?[\"']?(?:ah+|a+h|e+|"
            r"vowel|sound|note|s+|z+)\b[^.?!]*\bas\s+long\s+as\b|\bsustain\w*\s+(?:an?\s+)?"
            r"(?:ah+|vowel|phonation|sound|note)\b"
        ),
        "mpt",
    ),
    (re.compile(r"\btandem\s+stance\b|\bheel\s+to\s+toe\b[^.?!]*\bhold\b"), "tandem_stance"),
    (
        re.compile(_SINGLE_LEG),
        "single_leg_stance",
    ),
    (re.compile(r"\bplank\b"), "plank"),
    (re.compile(r"\bwall\s+sit\b"), "wall_sit"),
)


@lru_cache(maxsize=16384)
def hold_named(sentence: str) -> str:
    """The timed hold a sentence sets up ("Take a big breath and hold an 'ah'..."), or ""."""
    text = normalise(sentence)
    return next((name for pattern, name in _HOLDS if pattern.search(text)), "")


def remember_announced(sentence: str, context: Context) -> None:
    """Keep the measure a sentence announces without giving its value.

    A standard instrument named alone ("Let's do the Berg.") is announced too: its total
    comes later ("Total is forty-one").
    """
    text = normalise(sentence)
    announced = next(((s, b) for p, s, b in _ANNOUNCED if p.search(text)), None)
    instrument = instrument_named(text)
    if announced is None and instrument:
        announced = (f"{instrument} is {{}}", (0, 130))
    if announced is not None and not find_measurements(sentence):
        context.announced, context.announced_turns = announced, 0


def announced_value(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """The announced measure's value, when this sentence calls it out bare."""
    if context.announced is None or len(sentence.split()) > _MAX_WORDS:
        return []
    bare = _BARE.match(spoken_numbers_to_digits(normalise(sentence)))
    if bare is None:
        return []
    said_as, (low, high) = context.announced
    if not low <= float(bare.group(1)) <= high:
        return []
    found = find_measurements(said_as.format(bare.group(1)))
    if not found:
        return []
    m = {**found[0], "value": number_value(bare.group(1))}
    if m["kind"] == "duration" and context.tested is not None:
        m["body_part"], m["side"] = context.tested  # "Right leg again, eyes open." "Thirty."
    context.announced = None
    record(m, ids, context, facts)
    return [m]
