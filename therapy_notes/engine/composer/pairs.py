"""Two readings said by side in one sentence, named by what is being tested.

"Right is one-fifteen, left is ninety-five." after "bend both knees as far as you can",
"Four on the right, three plus on the left." after "push out against me", "The left is a
seven, the right's about a three." after "Which wrist is worse?": the sentence gives sides
and numbers only. What they are comes from the test in progress: a resisted test gives
muscle grades out of five, a rating (said "a seven", or asked which is worse) gives pain
out of ten, and a joint moved gives its range of motion in degrees.
"""

from __future__ import annotations

import re
from typing import Any

from therapy_notes.engine.composer.facts import Context, Facts
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.place import LIMBS
from therapy_notes.engine.composer.text import normalise
from therapy_notes.engine.composer.values import number_value, record

_VALUE = r"(a\s+)?(\d+(?:\.\d+)?)(\s*(?:plus|minus|\+|-)(?!\s*\d))?"
_HEDGE = r"(?:maybe\s+|about\s+|around\s+|like\s+|more\s+like\s+|only\s+|just\s+)?"
_SIDE_FIRST = (
    r"(?:the\s+)?(left|right)(?:\s+(?:side|one))?(?:'s|\s+is|\s+was|\s+at|,)?\s+" + _HEDGE + _VALUE
)
_VALUE_FIRST = _HEDGE + _VALUE + r"\s+(?:on|to)\s+the\s+(left|right)(?:\s+side)?"
_PAIR = re.compile(
    r"(?:^\W*|[,;.]\s+)(?:(?:and|so|okay|ok|now)\W+)?(?:"
    + _SIDE_FIRST
    + r"\s*(?:,|;|and)?\s*(?:and\s+)?"
    + _SIDE_FIRST
    + r"|"
    + _VALUE_FIRST
    + r"\s*(?:,|;|and)?\s*(?:and\s+)?"
    + _VALUE_FIRST
    # A remark after the pair, with no number of its own: ", the left gives way".
    + r")(?:\s*[,;.]\s*[^\d]*)?\W*$"
)
# A test against resistance: its readings are muscle grades.
RESISTED = re.compile(
    r"\b(?:strength|push\w*|pull\w*|resist\w*|against\s+(?:me|my\s+hand)|don't\s+let\s+me|"
    r"hold\s+it\s+there|squeeze)\b"
)
# The clinician resisting, said: what makes one bare number a grade, where "push" or "pull"
# alone may move a joint through its range ("pull your toes up toward you").
AGAINST = re.compile(
    r"\b(?:strength|resist\w*|against\s+(?:me|my\s+hand|my\s+arm|the\s+resistance)|"
    r"don't\s+let\s+me|do\s+not\s+let\s+me|hold\s+it\s+there|break\s+test)\b"
)
# One grade said while a resisted test is on: "Four.", "Four on the right.", "Right's a four
# plus.", "Three out of five."
_ONE_GRADE = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|now)\W+)?(?:(?:that's|that is|it's|it is|call it)\s+)?(?:"
    + _SIDE_FIRST
    + r"|"
    + _HEDGE
    + _VALUE
    + r"(?:\s*(?:out of|/)\s*5)?(?:\s+(?:on|to)\s+the\s+(left|right)(?:\s+side)?)?"
    + r")\W*$"
)
_WORSE = re.compile(r"\b(?:worse|worst|hurts?\s+more|more\s+painful|sorer|pain\w*|sore)\b")


def side_pair_values(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts, *, asked: str = ""
) -> list[dict[str, Any]]:
    """Both readings of a sentence that gives a value for each side, recorded.

    `asked`: the question the sentence answers, if any ("Which knee is worse?").
    """
    match = _PAIR.search(spoken_numbers_to_digits(normalise(sentence)))
    if match is None or not context.part:
        return []
    g = match.groups()
    if g[0] is not None:  # side first: (side, article, value, sign) twice
        said = [(g[0], g[1], g[2], g[3]), (g[4], g[5], g[6], g[7])]
    else:  # value first: (article, value, sign, side) twice
        said = [(g[11], g[8], g[9], g[10]), (g[15], g[12], g[13], g[14])]
    if said[0][0] == said[1][0]:
        return []
    values = [float(v) for _, _, v, _ in said]
    rated = any(article for _, article, _, _ in said) or bool(_WORSE.search(normalise(asked)))
    if context.resisted and all(v <= 5 for v in values):
        kind, unit = "strength_grade", "/5"
    elif rated and all(v <= 10 for v in values):
        kind, unit = "pain_score", "/10"
    elif context.motion and all(5 <= v <= 180 for v in values):
        kind, unit = "range_of_motion", "degrees"
    else:
        return []
    out = []
    for side, _, value, sign in said:
        # A grade's plus or minus is kept in its unit, as it is documented ("3+/5").
        grade = _grade_sign(sign) if kind == "strength_grade" else ""
        m: dict[str, Any] = {
            "kind": kind,
            "value": number_value(value),
            "unit": f"{grade}{unit}",
            "body_part": context.part,
            "side": side,
        }
        record(m, ids, context, facts)
        out.append(m)
    return out


def _grade_sign(sign: str | None) -> str:
    if not sign:
        return ""
    return "+" if sign.strip() in ("plus", "+") else "-"


def resisted_grade(
    sentence: str, context: Context, ids: tuple[str, ...], facts: Facts
) -> list[dict[str, Any]]:
    """A muscle grade called out alone while a resisted test of a body part is on."""
    if not context.against or not context.part or context.part in LIMBS:
        return []  # a limb named in passing ("lift your leg") is not the joint graded
    match = _ONE_GRADE.match(spoken_numbers_to_digits(normalise(sentence)))
    if match is None:
        return []
    g = match.groups()
    if g[0] is not None:  # side first: side, article, value, sign
        side, value, sign = g[0], g[2], g[3]
    else:  # value first: article, value, sign, side
        side, value, sign = g[7] or context.side, g[5], g[6]
    if not 0 <= float(value) <= 5:
        return []
    m: dict[str, Any] = {
        "kind": "strength_grade",
        "value": number_value(value),
        "unit": f"{_grade_sign(sign)}/5",
        "body_part": context.part,
    }
    if side:
        m["side"] = side
    record(m, ids, context, facts)
    return [m]
