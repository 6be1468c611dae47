"""Spoken numbers as digits: transcripts say "a hundred and ten", notes say 110."""

from __future__ import annotations

import re
from functools import lru_cache

_UNITS = {
    "zero": 0,
    "nought": 0,  # British: "nought to ten"
    "naught": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORD = re.compile(
    r"\b(?:" + "|".join([*_UNITS, *_TENS, "hundred", "thousand", "and", "point", "a"]) + r")\b"
)


_AND_A_HALF = re.compile(r"\b(\d+) and a half\b")


@lru_cache(maxsize=16384)
def spoken_numbers_to_digits(text: str) -> str:
    """Rewrite number words as digits: "one hundred twenty" -> "120", "two point five" -> "2.5".

    Lowercases the text. "and" and "a" join a number only inside one ("one hundred and
    five", "a hundred"); elsewhere they stay words.
    """
    tokens = re.findall(r"\d+(?:\.\d+)?|[a-z]+|[^a-z\d\s]+|\s+", text.lower())
    out: list[str] = []
    i = 0
    while i < len(tokens):
        value, used = ("", 0) if tokens[i].isspace() else _read_number(tokens, i)
        if used:
            out.append(value)
            i += used
        else:
            out.append(tokens[i])
            i += 1
    # "three and a half" -> "3.5" (the halves people say for hours, ratings and scores).
    digits = _AND_A_HALF.sub(lambda m: f"{m.group(1)}.5", "".join(out))
    return _HUNDREDS_HYPHENED.sub(_hundreds_hyphened, _ONE_HUNDRED_AND.sub(_hundreds, digits))


# "One fifty", "one thirty over eighty-five", "one twenty-two": a value from 120 to 199
# said as its hundred and its tens (how ranges of motion, pressures, weights and distances
# are read out), but not a clock time ("at one thirty", "one fifteen pm").
# Goniometry is read the same way with a hyphen or an "oh" ("one-forty", "one oh five").
# "One-ten" said alone ("One-ten.", "Left arm, one-ten.") or reached ("bends to one-ten") is
# a reading; elsewhere in a sentence it may be a scale's anchors.
_ONE_HUNDRED_AND = re.compile(
    r"(?<![\d.])\b1(?: |-)(?:oh(?: |-)(?P<oh>[1-9])|(?P<tens>[2-9]\d|(?<=(?:is|'s) 1[ -])1\d|"
    r"(?:(?<=^1[ -])|(?<=, 1[ -]))1\d(?=\s*(?:[.!]?\s*$|,))|"
    r"(?<=\bto 1[ -])1\d(?!\s*(?:scale|point))|"
    r"1\d(?=\s*(?:over|/|degrees|"
    r"feet|pounds|lbs|words|wpm|beats|bpm|steps|meters|metres|yards)\b)))\b"
    r"(?![-\d:]|\s*(?:am|pm|a\.m|p\.m|o'clock))"
)
# "At one thirty" is a time, but "you're at one thirty" and "flexion's at one-twenty" are
# levels reached (a motion's name ends in "-ion": flexion, rotation, deviation).
_CLOCK_BEFORE = re.compile(
    r"\b(?:(?<!you're )(?<!you are )(?<!she's )(?<!he's )(?<!it's )(?<!we're )(?<!i'm )(?<!ion's )"
    r"(?<!ion is )at|"
    r"by|until|till|til|from|before|after|noon|on|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|tomorrow|tonight|morning|afternoon)\s+(?:about\s+|around\s+)?$"
)


# "Three-fifty metres", "up from two-forty": hundreds and tens said with a hyphen, where a
# unit of length, weight or count follows or the number is what a value rose or fell from
# (a time is neither: "at three-fifty" stays).
_HUNDREDS_HYPHENED = re.compile(
    r"(?P<lead>\b(?:up|down|improved|increased|decreased|dropped|rose|went) from )?"
    r"(?<![\d.:-])\b(?P<hundreds>[1-9])-(?P<tens>[1-9]\d)\b(?![-\d:])"
    r"(?P<unit>\s*(?:feet|foot|ft|meters|metres|yards|pounds|lbs|steps|words|calories|kcal)\b)?"
)


def _hundreds_hyphened(match: re.Match[str]) -> str:
    if not (match.group("lead") or match.group("unit")):
        return match.group(0)
    return "".join(
        (
            match.group("lead") or "",
            match.group("hundreds"),
            match.group("tens"),
            match.group("unit") or "",
        )
    )


def _hundreds(match: re.Match[str]) -> str:
    before = match.string[max(0, match.start() - 20) : match.start()]
    if _CLOCK_BEFORE.search(before):
        return match.group(0)
    return f"10{match.group('oh')}" if match.group("oh") else f"1{match.group('tens')}"


def _read_number(tokens: list[str], start: int) -> tuple[str, int]:
    """Parse number words from `start`; return (digits, tokens used) or ("", 0)."""
    total = current = 0
    seen = False
    i = start
    last_end = start
    last_kind = ""
    while i < len(tokens):
        tok = tokens[i]
        if tok.isspace() or (
            # "twenty-two": transcripts hyphenate compound numbers.
            tok == "-" and last_kind == "tens" and _UNITS.get(_next_word(tokens, i), 10) < 10
        ):
            i += 1
            continue
        if tok in _UNITS and last_kind not in ("unit", "teen"):
            current += _UNITS[tok]
            last_kind = "teen" if _UNITS[tok] >= 10 else "unit"
        elif tok in _TENS and last_kind in ("", "scale"):
            current += _TENS[tok]
            last_kind = "tens"
        elif tok in _UNITS and last_kind == "tens" and _UNITS[tok] < 10:
            current += _UNITS[tok]
            last_kind = "unit"
        elif tok == "hundred" and (seen or _is_a(tokens, start, i)):
            current = (current or 1) * 100
            last_kind = "scale"
        elif tok == "thousand" and (seen or _is_a(tokens, start, i)):
            total += (current or 1) * 1000
            current = 0
            last_kind = "scale"
        elif (tok == "and" and seen and last_kind == "scale") or (
            tok == "a" and not seen and _next_word(tokens, i) in ("hundred", "thousand")
        ):
            i += 1
            continue
        elif (
            tok == "point"
            and (seen or _leads_a_decimal(tokens, start))
            and (_next_word(tokens, i) in _UNITS)
        ):
            digits = []
            j = i + 1
            while j < len(tokens) and (tokens[j].isspace() or tokens[j] in _UNITS):
                if tokens[j] in _UNITS and _UNITS[tokens[j]] < 10:
                    digits.append(str(_UNITS[tokens[j]]))
                    last_end = j + 1
                elif not tokens[j].isspace():
                    break
                j += 1
            return f"{total + current}.{''.join(digits)}", last_end - start
        else:
            break
        seen = True
        i += 1
        last_end = i
    if not seen:
        return "", 0
    return str(total + current), last_end - start


# "Point eight meters per second": a decimal said without its zero, but not "at this point
# five of them" (a point in time or an argument takes a determiner).
_NOT_BEFORE_A_DECIMAL = frozenset(
    (
        "a",
        "the",
        "this",
        "that",
        "one",
        "which",
        "what",
        "any",
        "some",
        "no",
        "my",
        "your",
        "his",
        "her",
        "their",
        "our",
        "each",
        "every",
        "next",
        "first",
        "last",
        "good",
        "main",
        "key",
        "starting",
        "turning",
        "sore",
        "pressure",
        "trigger",
        "tender",
        "end",
    )
)


def _leads_a_decimal(tokens: list[str], start: int) -> bool:
    previous = next((t for t in reversed(tokens[:start]) if not t.isspace()), "")
    return previous not in _NOT_BEFORE_A_DECIMAL and not previous.isdigit()


def _is_a(tokens: list[str], start: int, index: int) -> bool:
    return any(tokens[k] == "a" for k in range(start, index))


def _next_word(tokens: list[str], index: int) -> str:
    for tok in tokens[index + 1 :]:
        if not tok.isspace():
            return tok
    return ""


_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
_TENS_WORDS = "|".join(sorted(_TENS, key=len, reverse=True))
# A number said in words: "seven", "twenty-two", "one-fifty", "one-forty-five", "one-oh-five".
_WORD_NUMBER = (
    r"(?:\d+(?:\.\d+)?|(?:" + "|".join(sorted([*_TENS, *_UNITS], key=len, reverse=True)) + r")"
    r"(?:[- ](?:oh[- ](?:"
    + _UNIT_WORDS
    + r")|(?:"
    + _TENS_WORDS
    + r")(?:[- ](?:"
    + _UNIT_WORDS
    + r"))?|(?:"
    + _UNIT_WORDS
    + r")))?)"
    r"(?:\s+and\s+a\s+half)?"
)
_CORRECTION = re.compile(
    rf"\b{_WORD_NUMBER}(?:\s*[.,]\s*|\s+)(?:well[\s,]+)?(?:(?:no|actually|sorry|i mean|make that|"
    r"or rather|wait)\b[\s,.]*)+"
    r"(?:more like\s+|like\s+|maybe\s+|it's\s+|i'd say\s+|(?:i'd )?call it\s+)?"
    rf"(?P<meant>{_WORD_NUMBER})\b",
    re.IGNORECASE,
)
_REFINED = re.compile(
    rf"\b(?P<said>{_WORD_NUMBER})\s*,\s*(?:maybe\s+|or\s+|more like\s+|probably\s+)?"
    r"(?P<meant>(?P=said)\s+and\s+a\s+half)\b",
    re.IGNORECASE,
)


# The correction marked after the new value: "thirty-one seconds. Hmm, thirty-two really".
_AMENDED = re.compile(
    rf"\b{_WORD_NUMBER}(?P<unit>\s+[a-z]+)?\s*[.,]\s*(?:(?:hmm+|um+|uh+|well|oh|okay)\W+)?"
    rf"(?P<meant>{_WORD_NUMBER})\s+(?:really|actually|rather|to be exact)\b(?=\s*[,.;!?]|\s*$)",
    re.IGNORECASE,
)


# A value taken back with a reason before the one meant: "one fifty over ninety... no, I'm
# misreading it, it's one-forty over ninety", "forty-one... no, hold on, I double-counted the
# stool item. Thirty-nine", "Five. Well, no. More like four." The slip and the retraction
# go; the sentence goes on with the value meant. A "no" that is not a retraction ("a
# three, no worse than last week") is neither followed by a reason nor by a number.
_RETRACTION_REASON = (
    r"(?:hold on|hang on|wait|sorry|actually|i'm misreading (?:it|that|this)|i misread (?:it|that)|"
    r"that's wrong|scratch that|let me (?:re)?check|my mistake|my bad|i (?:double[- ]counted|"
    r"miscounted|misscored|added (?:it )?wrong)[^.?!]*|i have it written here)"
)
_SLIP_NUMBER = rf"\b{_WORD_NUMBER}(?:[- ]{_WORD_NUMBER})*"
_SLIP = (
    rf"{_SLIP_NUMBER}(?:\s+(?:over|/)\s+{_SLIP_NUMBER})?"
    r"\s*(?:\.{2,}|\u2026|[.,])\s*(?:(?:well|oh|um+|uh+|hmm+)[\s,]+)?no\b[\s,.]*"
)
_RETRACTED = re.compile(
    rf"{_SLIP}"
    rf"(?:(?:{_RETRACTION_REASON})[\s,.]*)+",
    re.IGNORECASE,
)
# A value withdrawn, with what went wrong, and the one meant said first in the next
# sentence: "twenty-two... wait, I missed the recall points. Twenty-five out of thirty."
_WITHDRAWN = re.compile(
    rf"{_SLIP_NUMBER}\s*(?:\.{{2,}}|\u2026|[.,])\s*(?:wait|hold on|hang on|scratch that|"
    rf"my mistake|sorry(?=[\s,]+(?:i|that|let me)\b))\b[^.?!]*(?:\.{{2,}}|[.?!])\s*"
    rf"(?={_WORD_NUMBER}\b(?!\s+(?:days?|weeks?|months?|years?|times|people|of)\b))",
    re.IGNORECASE,
)
_RETRACTED_TO_NUMBER = re.compile(
    rf"{_SLIP}"
    rf"(?=(?:more like|like|maybe|it's|it is|make that|call it|i'd say)?\s*{_WORD_NUMBER}\b)",
    re.IGNORECASE,
)


def self_corrected(text: str) -> str:
    """A speaker's corrected number in place of the slip: "three. no, four" -> "four".

    People correct themselves mid-answer ("Three. No, four, there was a small one",
    "three, three and a half", "thirty-one seconds, hmm, thirty-two really"); the value
    meant is the last one said, with the unit said with the first.
    """
    text = _RETRACTED_TO_NUMBER.sub("", _RETRACTED.sub("", _WITHDRAWN.sub("", text)))
    text = _AMENDED.sub(lambda m: f"{m.group('meant')}{m.group('unit') or ''}", text)
    return _REFINED.sub(r"\g<meant>", _CORRECTION.sub(r"\g<meant>", text))
