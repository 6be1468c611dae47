"""Values said as a list: one reading with its kind, then bare numbers for what differs.

Clinicians and clients give readings one after another and name each only by what differs
from the one before: "right wrist extension fifty, left forty-five", "biceps four out of
five, triceps three on the left", "mood's a four and anxiety's an eight", "sats at rest
ninety-six, after the walk ninety-one". A further number in the list is of the first one's
kind and unit, filed by its own piece's body part, side or scale.

A piece counts as a reading of its own only when it names what it is of: "a six, maybe
seven" is one rating hedged, not two, and "a four, and I've had it 3 weeks" says a time.
"""

from __future__ import annotations

import re
from typing import Any

from therapy_notes.engine.composer.body import body_part, side_of
from therapy_notes.engine.composer.earlier import EARLIER_BEFORE, EARLIER_TIME, PAST, is_threshold
from therapy_notes.engine.composer.scales import OTHER_SCALE, PAIN_WORDS

# "Right and left" together names both sides of one reading, not two pieces.
_PIECE_END = re.compile(
    r",|;|\s-\s|\b(?:and(?!(?<=\bright and)\s+left\b)(?!(?<=\bleft and)\s+right\b)|while|"
    r"whereas|then)\b"
)
_NUMBER = re.compile(r"(?<![\d.])(-?\d+(?:\.\d+)?)(?![\d])")
# What may follow a further reading's number: nothing, its unit, or where or when it was
# taken ("on the left", "to the right", "at rest", "without it", "after the walk").
_AFTER = re.compile(
    r"^\s*(?P<unit>(?!(?:today|now|this)\b)[a-z%°/]+)?\s*(?:(?:on|to|at|in|with|without|after|"
    r"before|when|while|during|through|towards?)\b[^\d]*)?"
    r"(?:\s*(?:today|now|this\s+(?:week|time|session|visit)))?\W*$"
)
# Words that qualify no reading: hedges, fillers and the verbs that join a value to what
# it is of. A piece with nothing else besides its number restates the reading before it.
_FILLER = frozenset(
    re.findall(
        r"\S+",
        "a an the it it's its is was s be been being maybe about around like more less probably "
        "say i'd i would think so that's that um uh er erm well actually no yes yeah okay ok "
        "really just roughly approximately or then now today too also goes go gone going up "
        "down to at than call i'm im me my you your you're we're still only nearly almost over "
        "under getting gets got get and this these ",
    )
)
_WORD = re.compile(r"[a-z][a-z'%°]*")
_TODAY = re.compile(r"\b(?:today|now|this\s+(?:week|time|session|visit))\b")
# The largest value each unit can take: a further number beyond it is something else.
_RANGE = {"/10": 10.0, "/5": 5.0, "degrees": 200.0, "%": 100.0, "bpm": 220.0, "kg": 150.0}
_RANGE_BY_KIND = {"pain_score": 10.0, "mood_score": 10.0}
_SCALE_UNITS = frozenset({"/10"})
# The units a list of readings is said in: scores, grades, angles, forces, shares, rates
# and distances. A count or a time has a unit said with every value, read on its own.
_LISTED_UNITS = frozenset(
    {"/10", "/5", "+/5", "-/5", "degrees", "%", "bpm", "lb", "kg", "feet", "meters", "yards"}
)
_UNIT_WORDS = {
    "degrees": ("degrees", "degree", "°"),
    "%": ("%", "percent"),
    "lb": ("pounds", "pound", "lb", "lbs"),
    "kg": ("kilos", "kilo", "kg", "kgs", "kilograms"),
    "feet": ("feet", "foot", "ft"),
    "meters": ("meters", "metres", "m"),
    "yards": ("yards",),
    "bpm": ("bpm",),
}


def as_listed(clause: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A clause's values read as a list: each filed by its own piece, and the further ones.

    Args:
        clause: One lower-case clause with its numbers as digits.
        found: The values already read from it, in the order said.

    Returns:
        The values found, each with the body part and side its own piece names ("knee
        pain is a three, the hip's a six": the three is the knee's), and after each the
        further readings said like it, each a copy with its own value and whatever body
        part, side or scale its piece names.
    """
    if not found:
        return []
    values = {abs(float(m["value"])) for m in found}
    before: dict[str, Any] | None = None
    listed: list[dict[str, Any]] = []
    taken: set[int] = set()
    own_part: list[str] = []
    start = 0
    for end in [m.start() for m in _PIECE_END.finditer(clause)] + [len(clause)]:
        piece, offset = clause[start:end], start
        start = end
        numbers = list(_NUMBER.finditer(piece))
        said = [
            i
            for n in numbers
            for i, m in enumerate(found)
            if i not in taken and abs(float(m["value"])) == abs(float(n.group(1)))
        ]
        if said:
            # Each value found is filed by the first piece that says it: "right four plus,
            # left four minus" are two grades of four, one per piece.
            taken.add(said[0])
            before = _placed(found[said[0]], piece)
            listed.append(before)
            own_part.append(body_part(piece))
            continue
        if any(abs(float(n.group(1))) in values for n in numbers):
            continue
        if before is None or len(numbers) != 1 or before.get("unit") not in _LISTED_UNITS:
            continue
        reading = _reading(piece, numbers[0], before, clause, offset)
        if reading is not None:
            listed.append(reading)
            own_part.append(body_part(piece))
            before = reading
    _unplace(listed, own_part)
    return listed + [m for i, m in enumerate(found) if i not in taken]


def _unplace(listed: list[dict[str, Any]], own_part: list[str]) -> None:
    """Take back a body part a value took from the clause that another piece names.

    "Pain's a four now, and the hip is a six": the hip is the six's, not the four's. The
    part is left empty (not absent) so that the place said before does not fill it either.
    """
    for i, value in enumerate(listed):
        part = value.get("body_part")
        if part and not own_part[i] and part in own_part[i + 1 :]:
            listed[i] = {**value, "body_part": ""}


def _placed(value: dict[str, Any], piece: str) -> dict[str, Any]:
    """The value with the body part and side of the piece it was said in, where it names them."""
    part, side = body_part(piece), side_of(piece)
    placed = dict(value)
    if part and "body_part" in value:
        placed["body_part"] = part
    if side and "side" in value:
        placed["side"] = side
    return placed


def _reading(
    piece: str, number: re.Match[str], before: dict[str, Any], clause: str, offset: int
) -> dict[str, Any] | None:
    """The piece's number as a reading like `before`, or None if it is not one."""
    after = _AFTER.match(piece[number.end() :])
    unit = str(before.get("unit", ""))
    unit_words = _UNIT_WORDS.get(unit.lstrip("+-") if unit.endswith("/5") else unit, ())
    if after is None or (after.group("unit") and after.group("unit") not in unit_words):
        return None  # "three weeks", "2 kids": a number of something else
    if (
        PAST.search(piece)
        or EARLIER_TIME.search(piece)
        or EARLIER_BEFORE.search(piece[: number.start()])
        or is_threshold(clause, offset + number.start())
    ):
        return None  # an earlier value ("up from 350 at your assessment") or a goal
    named = [w for w in _WORD.findall(piece) if w not in _FILLER]
    said_earlier = PAST.search(clause[max(0, offset - 60) : offset]) is not None
    if not named and not (said_earlier and _TODAY.search(piece)):
        # "a six, maybe seven": the same rating hedged. After an earlier value, "and today
        # it is one-ten" is today's.
        return None
    value = float(number.group(1))
    kind = _rated_kind(piece, before) if unit in _SCALE_UNITS else str(before["kind"])
    limit = _RANGE_BY_KIND.get(kind, _RANGE.get(unit))
    if (value < 0 and kind != "range_of_motion") or (limit is not None and abs(value) > limit):
        return None
    reading = {k: v for k, v in before.items() if k not in ("body_part", "side", "name")}
    reading["kind"] = kind
    if unit in ("+/5", "-/5"):
        reading["unit"] = "/5"  # the sign was the first grade's, not this one's
    reading["value"] = int(value) if value.is_integer() else value
    part, side = body_part(piece), side_of(piece)
    if part:
        reading["body_part"] = part
    elif before.get("body_part") and kind == before["kind"]:
        reading["body_part"] = before["body_part"]
    if side:
        reading["side"] = side
    elif before.get("side") and not part:
        reading["side"] = before["side"]
    if "name" in before and kind == before["kind"] and not _names_other_scale(piece):
        reading["name"] = before["name"]
    return reading


def _rated_kind(piece: str, before: dict[str, Any]) -> str:
    """What a further rating out of ten rates: its piece's words, else the one before's."""
    if re.search(PAIN_WORDS, piece) or body_part(piece):
        return "pain_score"
    if re.search(r"\bmood\b", piece):
        return "mood_score"
    if _names_other_scale(piece):
        return "other"
    return str(before["kind"])


def _names_other_scale(piece: str) -> bool:
    """Whether the piece names a scale other than pain and mood ("anxiety's an eight")."""
    match = OTHER_SCALE.search(piece)
    return match is not None and match.group(1) != "mood"
