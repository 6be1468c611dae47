"""Where on the body a clause puts a value: the body part it names and the side.

Kept apart from the readers of values so that every stage that files a value against a
place (the measurements, the place carried between sentences, the list of values said one
after another) names parts and sides the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

_BODY_PARTS = (
    "low back",
    "lower back",
    "upper back",
    "upper extremity",
    "lower extremity",
    "shoulder",
    "elbow",
    "wrist",
    "hand",
    "finger",
    "thumb",
    "hip",
    "knee",
    "ankle",
    "foot",
    "toe",
    "neck",
    "back",
    "trunk",
    "spine",
    "lumbar",
    "cervical",
    "thoracic",
    "jaw",
    "mouth",
    "throat",
    "tongue",
    "head",
    "chest",
    "abdomen",
    "stomach",
    "pelvis",
    "forearm",
    "arm",
    "leg",
    "grip",
    "pinch",
)
# "Right and left" said together, with no value between, is both sides ("five out of five
# right and left").
_SIDE = re.compile(
    r"\b(right and left|left and right|left|right|bilateral|bilaterally|both sides|both)\b"
)

_BODY_PART = re.compile(r"\b(" + "|".join(_BODY_PARTS) + r")s?\b")


@lru_cache(maxsize=16384)
def body_part(clause: str) -> str:
    """The body part a clause names, if any (grip and pinch are the hand's).

    The first part in `_BODY_PARTS` order wins, so "low back" beats "back".
    """
    found = {m.group(1) for m in _BODY_PART.finditer(clause)}
    for part in _BODY_PARTS:
        if part in found:
            return "hand" if part in ("grip", "pinch") else part
    return ""


# "Right" as an adverb or an agreement names no side: "right next to you", "right now",
# "all right", "that's right", "right along the scar", "right at the start".
_NOT_A_SIDE = re.compile(
    r"\bright(?=\s+(?:next|behind|beside|in front|here|there|now|away|after|before|along|"
    r"out|over|into|around|at|by|through|then|where|when|as|under|on top|up to|off|down the|"
    r"up the|back (?:to|in|at|here|there)|enough|thing|call|words?|answer)\b)|"
    r"\b(?:all|that's|thats|you're|youre|that is|you are|is that|okay|ok|yeah|yes|alright)"
    r"\s+right\b|\bright\s*\?"
)


def side_of(clause: str) -> str:
    """Left, right or bilateral, if the clause says."""
    match = _SIDE.search(_NOT_A_SIDE.sub(" ", clause))
    if match is None:
        return ""
    word = match.group(1)
    return word if word in ("left", "right") else "bilateral"
