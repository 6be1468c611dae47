"""Measured values stated in a sentence, as `record_measurement` arguments."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from therapy_notes.engine.composer.body import body_part, side_of
from therapy_notes.engine.composer.earlier import is_threshold
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.scales import NOT_A_RATING, OTHER_SCALE, PAIN_WORDS
from therapy_notes.engine.composer.series import as_listed
from therapy_notes.engine.composer.sleep import sleep_values
from therapy_notes.engine.composer.text import clauses

_NUM = r"(\d+(?:\.\d+)?)"
_FIM_LEVELS = (
    (
        re.compile(
            r"\b(total|dependent|maximal|max|moderate|mod|minimal|min|contact guard|"
            r"stand[- ]?by|supervision|set[- ]?up)\s+(assist(ance)?|a)\b"
        ),
        None,
    ),
    # "Contact guard" names its level without "assist" after it.
    (re.compile(r"\b(contact guard)\b"), None),
    # Needing no help is independence, however it is put.
    (
        re.compile(
            r"\b(?:(?:did not|didn't|does not|doesn't|do not|don't|no longer)\s+need(?:s|ed)?|"
            r"needed no|needs no|without)\s+(?:any\s+)?(?:help|assist(?:ance)?|physical assist)\b"
        ),
        7,
    ),
    (re.compile(r"\bmodified independen\w*"), 6),
    (re.compile(r"\bindependent(ly)?\s+(with|in|for)\b"), 7),
    (
        re.compile(
            r"\b(?:under|with|requires?|required|needs?|needed)\s+(?:close\s+|distant\s+)?"
            r"supervision\b|\bsupervision (?:only|level)\b"
        ),
        5,
    ),
)
_FIM_BY_WORD = {
    "total": 1,
    "dependent": 1,
    "maximal": 2,
    "max": 2,
    "moderate": 3,
    "mod": 3,
    "minimal": 4,
    "min": 4,
    "contact guard": 4,
    "stand-by": 5,
    "stand by": 5,
    "standby": 5,
    "supervision": 5,
    "set-up": 5,
    "set up": 5,
    "setup": 5,
}


def _value(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() else number


# Two values of one test, one per side, the second without its unit: "twenty-eight pounds
# on the right, forty-five on the left", "110 degrees on the left and 95 on the right".
_SIDE_PAIR = re.compile(
    rf"{_NUM}\s*(?:[a-z%]+\s+)?(?:on\s+(?:the\s+)?)?(left|right)\b[^\d]{{0,15}}?"
    rf"{_NUM}\s+(?:on\s+(?:the\s+)?)?(left|right)\b"
)

# The side said first: "right forty, left thirty-five", "right's a four, left a four".
_SIDE_FIRST_PAIR = re.compile(
    rf"\b(left|right)(?:'s|\s+is|\s+side)?\s+(?:a\s+|at\s+|about\s+)?{_NUM}\b[^\d]{{0,12}}?"
    rf"\b(left|right)(?:'s|\s+is|\s+side)?\s+(?:a\s+|at\s+|about\s+)?{_NUM}\b"
)


# A naming or listing task's count: "you named fourteen animals", "she listed nine words".
_NAMED_COUNT = re.compile(
    r"\b(?:named|listed|came up with|recalled|remembered|produced|generated|thought of)\s+"
    r"(\d+(?:\.\d+)?)\s+(?!of\b|out\b|more\b|times\b)([a-z]+)\b"
)
TEST_COUNT_UNITS = ("blocks", "pegs", "cubes", "coins", "beads", "words", "syllables", "errors")
"""What a timed dexterity or naming test counts: a value of the hand or the task tested."""
_TEST_COUNTS = "|".join(TEST_COUNT_UNITS)


def _bare_rating(clause: str, part: str) -> re.Match[str] | None:
    """A spoken pain rating without its scale: "pain's down to a two", "knee's about a five".

    Clinicians and clients drop "out of ten" once the scale is known; an unqualified
    number after "a", "at" or "to" that follows "pain" or a body part is that rating.
    """
    anchor = re.search(PAIN_WORDS, clause)
    if anchor is None and _MOTION_WORD.search(clause):
        return None  # "knee flexion is up to one twenty": a range of motion, not a rating
    if anchor is None and part and not OTHER_SCALE.search(clause):
        anchor = re.search(rf"\b{part}", clause)
    if anchor is None:
        return None
    rating = re.compile(rf"\b(?:a|an|at|to)\s+(?:an?\s+)?{_NUM}\b{NOT_A_RATING}")
    return rating.search(clause, anchor.end())


# What a manual muscle test grades: a muscle group, or a movement against resistance.
_MUSCLE_TEST = re.compile(
    r"\b(quad\w*|hamstrings?|glut\w*|deltoids?|biceps|triceps|abductors?|adductors?|"
    r"flexors?|extensors?|rotators?|rotator cuff|dorsiflexors?|plantarflexors?|calf|calves|"
    r"abduction|adduction|flexion|extension|dorsiflexion|plantarflexion|eversion|inversion|"
    r"(internal|external) rotation)\b"
)
_MOTION_WORD = re.compile(
    r"\b(?:flexion|extension|abduction|adduction|rotation|dorsiflexion|plantarflexion|"
    r"supination|pronation|eversion|inversion|deviation|side[- ]?bending)\b"
)
# A motion and its reading, with what people put between: a verb ("is", "measures"), a
# contraction ("rotation's sixty") or the side ("plantarflexion, right forty").
_MOTION_VALUE = re.compile(
    r"\b(?:flexion|extension|abduction|adduction|(?:internal|external|thoracic|trunk|cervical|"
    r"lumbar) rotation|rotation|dorsiflexion|plantarflexion|supination|pronation|eversion|"
    r"inversion|(?:radial|ulnar) deviation|side[- ]?bending)\b"
    r"(?:'s(?:\s+at)?|(?:(?:\s+\w+){0,5}?\s+(?:is|was|of|at|to|reaches|reached|measures|measured|"
    r"gets to|"
    r"got to))|,?\s+(?:on\s+the\s+)?(?:left|right)(?:\s+side)?(?:'s|\s+is)?)?"
    r"\W{0,2}\s*(?:up to\s+|about\s+|around\s+|only\s+|roughly\s+|just\s+)?(minus\s+|-)?(\d+)\b"
    r"(?!\s*(?:/|out of|over|%|percent|seconds?|minutes?|reps|times|pounds?|lbs?|kgs?|kilo\w*|"
    r"plus|minus|\.\d))"
)


# The value first and the motion after: "you got to ninety on the abduction".
_VALUE_THEN_MOTION = re.compile(
    r"\b(?:got|get|gets|getting|came|reached|reach|went|made\s+it)\s+(?:up\s+)?to\s+(?:about\s+|"
    r"around\s+)?(\d+)\s+(?:degrees\s+)?(?:on|of|with|in|for)\s+(?:the\s+|your\s+|that\s+)?(?:flexion|"
    r"extension|abduction|adduction|(?:internal|external)\s+rotation|rotation|dorsiflexion|"
    r"plantarflexion|supination|pronation|eversion|inversion)\b"
)


def without_test_names(text: str) -> str:
    """The text with a timed test's number joined to its name ("6-minute walk")."""
    return _TEST_NAME.sub(r"\1-\2 \3", text)


def find_measurements(sentence: str) -> list[dict[str, Any]]:
    """Measured values stated in one sentence, as `record_measurement` arguments."""
    return [dict(m) for m in _measurements_of(sentence)]


# The same score said again for today in the next clause: "three weeks ago your PHQ-9 was
# eighteen, today it's twelve".
_TODAYS_AGAIN = re.compile(
    r"^\W*(?:and\s+|but\s+)?(?:(?:today|now|this (?:week|time|session|visit))\b[^\d.;]{0,15}?"
    r"(\d+(?:\.\d+)?)\b|(?:it's|it is|you're at|you are at|she's at|he's at)\s+(?:a\s+)?"
    r"(\d+(?:\.\d+)?)\s+(?:today|now)\b)"
)


@lru_cache(maxsize=16384)
def _measurements_of(sentence: str) -> tuple[dict[str, Any], ...]:
    found: list[dict[str, Any]] = []
    for clause in clauses(spoken_numbers_to_digits(sentence)):
        values = as_listed(clause, _clause_measurements(clause))
        again = _TODAYS_AGAIN.match(clause)
        if not values and again is not None and found and "name" in found[-1]:
            values = [{**found[-1], "value": _value(again.group(1) or again.group(2))}]
        found.extend(values)
    unique: list[dict[str, Any]] = []
    for m in found:
        if m not in unique:
            unique.append(m)
    return tuple(unique)


# Standardised instruments, as clinicians name them, and their scores.
_INSTRUMENTS = (
    ("PHQ-9", r"phq[- ]?9|phq|patient health questionnaire"),
    ("GAD-7", r"gad[- ]?7|gad"),
    ("PCL-5", r"pcl[- ]?5"),
    ("BDI-II", r"bdi(?:[- ]?ii)?|beck depression inventory"),
    ("MoCA", r"moca|montreal cognitive"),
    ("MMSE", r"mmse|mini[- ]mental"),
    ("Berg", r"berg(?: balance)?"),
    ("TUG", r"tug|timed up and go"),
    ("Oswestry", r"oswestry|odi"),
    ("DASH", r"quick ?dash|dash"),
    ("KOOS", r"koos"),
    ("HOOS", r"hoos"),
    ("LEFS", r"lefs|lower extremity functional scale"),
    ("DGI", r"dgi|dynamic gait index"),
    ("FGA", r"fga|functional gait assessment"),
    ("ABC", r"abc(?: scale)?|activities[- ]specific balance confidence"),
    ("NDI", r"ndi|neck disability index"),
    ("SPADI", r"spadi"),
    ("EAT-10", r"eat[- ]?10"),
    ("VHI", r"vhi(?:[- ]?10)?|voice handicap index"),
    ("ISI", r"isi|insomnia severity index"),
    ("AUDIT", r"audit(?:[- ]c)?"),
    ("EPDS", r"epds|edinburgh(?: postnatal)?(?: depression scale)?"),
    ("DASS-21", r"dass(?:[- ]?21)?"),
    ("CAT", r"copd assessment test"),
    ("MLU", r"mlu|mean length of utterance"),
    ("SUDS", r"suds"),
    ("RPE", r"rpe|borg(?: scale)?|rate of perceived exertion"),
)
_INSTRUMENT = re.compile(
    r"\b(" + "|".join(p for _, p in _INSTRUMENTS) + r")\b(?:\s+(?:score|total))?"
    r"[^.;]{0,25}?(?:\b(?:is|was|of|at|came out at|came back at|came in at|scored?|=|totals?|"
    r"total of|comes to|came to|(?:went|gone|moved|improved|rose|dropped|fell|come|came)?\s*from\s+"
    r"\d+(?:\.\d+)?\s+(?:up\s+|down\s+)?to)|\s+(?:today|now|this (?:week|time|visit))\s*,?|\s*,|"
    r"(?<=\bscore)|(?<=\btotal))"
    r"\s+(?:(?:down|up|back)\s+(?:to\s+)?|dropped to\s+|rose to\s+)?"
    r"(?:a |an |about |around )?(\d+(?:\.\d+)?)\b"
)


# The score said first: "you scored nineteen on the PHQ-9".
_SCORED_ON = re.compile(
    r"(?:\bscored?\s+(?:a |an |about |around )?|^\W*|\b(?:got|get|is|was)\s+)(\d+(?:\.\d+)?)"
    r"(?:\s*%|\s+percent|\s*(?:out of|/)\s*(?P<total>\d+))?\s+(?:on|in)\s+"
    r"(?:the|your|her|his|their)?\s*(" + "|".join(p for _, p in _INSTRUMENTS) + r")\b"
)


_AUDIT_SCORE = re.compile(r"(?:[- ]c)?(?:\s+(?:score|total|came|is|was|today|this)\b|,)")


_INSTRUMENT_NAMED = re.compile(r"\b(" + "|".join(p for _, p in _INSTRUMENTS) + r")\b")


def instrument_named(text: str) -> str:
    """The standard instrument a lower-case text names ("let's do the berg" -> "Berg"), or ""."""
    match = _INSTRUMENT_NAMED.search(text)
    if match is None or (match.group(1).startswith("audit") and "audit" in text.split()):
        return ""  # "an audit of your week": the everyday word
    return _instrument(match)


def _instrument(match: re.Match[str], group: int = 1) -> str:
    said = match.group(group)
    return next(name for name, pattern in _INSTRUMENTS if re.fullmatch(pattern, said))


def _clause_measurements(clause: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in _INSTRUMENT.finditer(clause):
        name = _instrument(m)
        if name == "AUDIT" and not _AUDIT_SCORE.match(clause, m.end(1)):
            continue  # "an audit of your week": the everyday word, not the test
        if name == "TUG":
            # A timed test's result is its time: "TUG 12.4 seconds".
            tug = {
                "kind": "duration",
                "value": _value(m.group(2)),
                "unit": "seconds",
                "name": "tug",
            }
            out.append(tug)
            continue
        score = {"kind": "other", "unit": name, "name": name.lower().replace("-", "")}
        out.append({**score, "value": _value(m.group(2))})
        for piece in re.split(r"[,;]", clause[m.end() :])[1:]:
            again = _TODAYS_AGAIN.match(piece)
            if again is not None:
                out.append({**score, "value": _value(again.group(1) or again.group(2))})
    for m in _SCORED_ON.finditer(clause):
        name = _instrument(m, 3)
        out.append(
            {
                "kind": "other",
                "value": _value(m.group(1)),
                # "Twenty-six out of thirty on the MoCA": the total, as said, is the unit.
                "unit": f"/{m.group('total')}" if m.group("total") else name,
                "name": name.lower().replace("-", ""),
            }
        )
    if out:
        return out
    # A timed test's name carries a number that is no value: "six minute walk", "ten meter
    # walk", "thirty second sit to stand" (their results are the distance, time or count).
    clause = without_test_names(clause)
    part, side = body_part(clause), side_of(clause)

    def add(kind: str, value: str, unit: str, *, located: bool = True, at: int = -1) -> None:
        if at >= 0 and is_threshold(clause, at):
            return
        entry: dict[str, Any] = {"kind": kind, "value": _value(value), "unit": unit}
        if located and part:
            entry["body_part"] = part
        if located and side:
            entry["side"] = side
        out.append(entry)

    for m in _VITALS.finditer(clause):
        # Respiratory rate and temperature, the vital signs beside pressure and pulse.
        if m.group(1).startswith("temp"):
            unit = "°F" if float(m.group(2)) >= 50 else "°C"
            out.append({"kind": "other", "value": _value(m.group(2)), "unit": unit})
        else:
            breaths = {"kind": "other", "value": _value(m.group(2)), "unit": "breaths per minute"}
            out.append(breaths)
    for m in re.finditer(rf"{_NUM}\s*(?:inches|inch)\b", clause):
        add("other", m.group(1), "inches", at=m.start())  # fingertip to floor, a girth
    for m in _BLOOD_PRESSURE.finditer(clause):
        # "One thirty over eighty-five": systolic over diastolic, the one reading said as
        # two numbers over each other (a scale's "over ten" or "over five" is not one).
        systolic, diastolic = int(m.group(1)), int(m.group(2))
        if 70 <= systolic <= 260 and 30 <= diastolic <= 160 and systolic > diastolic:
            out.append({"kind": "other", "value": systolic, "unit": f"/{diastolic} mmHg"})
    for m in _PLUS_MINUS_GRADE.finditer(clause):
        # A manual muscle test grade with its plus or minus ("four minus", "3+/5"): the
        # grade, with the sign kept in the unit as it is documented ("4-/5").
        if re.search(r"\b(strength|mmt|grade|muscle)\b", clause) or _MUSCLE_TEST.search(clause):
            sign = "+" if m.group(2) in ("plus", "+") else "-"
            add("strength_grade", m.group(1), f"{sign}/5")
            after = re.match(r"\s+(?:on\s+the\s+)?(left|right)\b", clause[m.end() :])
            if after is not None and out and out[-1]["kind"] == "strength_grade":
                out[-1]["side"] = after.group(1)  # "3/5 on the left, 2- on the right"
    for m in re.finditer(rf"{_NUM}\s*(?:out of|/|over)\s*(10|5)\b", clause):
        value, scale = m.group(1), m.group(2)
        if float(value) > float(scale):
            continue
        if scale == "10" and ("pain" in clause or (part and not OTHER_SCALE.search(clause))):
            # A body part rated out of ten is its pain ("her knee's a six out of ten").
            add("pain_score", value, "/10")
        elif scale == "10" and re.search(r"\bmood\b", clause):
            add("mood_score", value, "/10", located=False)
        elif scale == "5" and (
            re.search(r"\b(strength|mmt|grade|muscle|manual muscle|grip|pinch)\b", clause)
            or _MUSCLE_TEST.search(clause)
        ):
            # A grade out of five on a muscle or a movement is a manual muscle test grade.
            add("strength_grade", value, "/5")
        else:
            add("other", value, f"/{scale}", located=False)
    for m in re.finditer(rf"{_NUM}\s*(?:out of|/)\s*(\d+)\b", clause):
        # A score out of anything else (a MoCA's 30, a list of 20 words): the score as said.
        if m.group(2) not in ("5", "10") and float(m.group(1)) <= float(m.group(2)):
            add("other", m.group(1), f"/{m.group(2)}", located=False, at=m.start())
    for m in re.finditer(rf"{_NUM}\s+points?\b", clause):
        if not re.search(
            r"\b(by|dropped|fell|rose|gained|lost|down|up|improved)\s+$", clause[: m.start()]
        ):
            add("other", m.group(1), "points", located=False, at=m.start())  # not a change
    if not out:
        # "Five of the eight sentences", "four of five trials correct": accuracy on a task.
        for m in re.finditer(
            rf"{_NUM}\s+(?:of|out of)\s+(?:the\s+)?{_NUM}\b(?=(?:\s+\w+){{0,2}}?\s+"
            r"(?:trials?|items?|words?|sentences?|attempts?|opportunities|questions?|targets?|"
            r"tries|times|correct\w*|accurate\w*|objects?|pictures?|cards?|photos?|phrases?|"
            r"names?|nouns?|verbs?|steps?|directions?|commands?)\b)",
            clause,
        ):
            if float(m.group(1)) <= float(m.group(2)):
                add("other", m.group(1), f"/{m.group(2)}", located=False)
    if not out and re.search(r"\bmood\b", clause):
        # "My mood's been around a three": a mood rating once the scale is known.
        mood = re.search(
            rf"\bmood\b.*?\b(?:a|at|to|around|about)\s+(?:a\s+)?{_NUM}\b{NOT_A_RATING}", clause
        )
        if mood is not None and float(mood.group(1)) <= 10:
            add("mood_score", mood.group(1), "/10", located=False)
    if not out:
        pain = re.search(
            rf"\bpain\b(?:\s+(?:score|level|rating))?\s+(?:is|was|of|at|as|rated)\s+"
            rf"(?:a\s+)?{_NUM}\b(?!\s*(?:degrees|%|percent|out|/))",
            clause,
        ) or _bare_rating(clause, part)
        if pain is not None and float(pain.group(1)) <= 10:
            add("pain_score", pain.group(1), "/10")
    for m in re.finditer(rf"{_NUM}\s*(?:%|percent\b|per cent\b)", clause):
        add("other", m.group(1), "%", located=False, at=m.start())
    for m in re.finditer(
        rf"\b(?:heart rate|pulse)\b\D{{0,30}}?{_NUM}(?!\s*(?:%|percent|degrees|/|out))"
        rf"|{_NUM}\s*(?:bpm|beats (?:per|a) minute)\b",
        clause,
    ):
        add("other", m.group(1) or m.group(2), "bpm", located=False)
    for m in re.finditer(rf"{_NUM}\s*(?:degrees?|°)(?!\s*(?:fahrenheit|celsius|f\b|c\b))", clause):
        add("range_of_motion", m.group(1), "degrees", at=m.start())
    # Goniometry said without its unit once the motion is named: "flexion is up to one
    # twenty", "external rotation is sixty" (degrees; a grade would be out of five).
    joined = re.sub(r"\b1 ([1-9]\d)\b", r"1\1", clause)
    for m in _MOTION_VALUE.finditer(joined):
        # A motion short of neutral is said with its sign ("extension is minus five").
        said = f"-{m.group(2)}" if m.group(1) else m.group(2)
        taken = any(
            e["kind"] == "range_of_motion" and abs(e["value"]) == _value(m.group(2)) for e in out
        )
        big = float(m.group(2)) >= 10 or m.group(1)
        if big and not taken and not is_threshold(joined, m.start()):
            add("range_of_motion", said, "degrees")
    for m in _VALUE_THEN_MOTION.finditer(joined):
        if not any(
            e["kind"] == "range_of_motion" and e["value"] == _value(m.group(1)) for e in out
        ):
            add("range_of_motion", m.group(1), "degrees")
    if (
        re.search(r"\b(grip|pinch|strength|dynamometer|force)\b", clause)
        or _SIDE_PAIR.search(clause)
        or _SIDE_FIRST_PAIR.search(clause)
    ):
        # A force in pounds or kilograms with a side is a strength reading, not a weight.
        for m in re.finditer(rf"{_NUM}\s*(kilograms?|kilos?|kgs?|pounds?|lbs?)\b", clause):
            unit = "kg" if m.group(2).startswith("k") else "lb"
            add("strength_grade", m.group(1), unit)
    sets_reps = re.search(rf"{_NUM}\s*(?:sets?\s+of|x)\s*{_NUM}", clause)
    if sets_reps:
        add("sets", sets_reps.group(1), "sets", located=False)
        add("repetitions", sets_reps.group(2), "repetitions", located=False)
    else:
        for m in re.finditer(rf"{_NUM}\s*sets?\b", clause):
            add("sets", m.group(1), "sets", located=False)
        for m in re.finditer(rf"{_NUM}\s*(?:reps|repetitions)\b", clause):
            add("repetitions", m.group(1), "repetitions", located=False)
    for m in _DID_COUNT.finditer(clause):
        # "You did ten stands", "she completed twelve": what was done, counted.
        add("repetitions", m.group(1), "repetitions", located=False, at=m.start(1))
    for m in _NAMED_COUNT.finditer(clause):
        # "In one minute you named fourteen animals": how many a naming task produced.
        if m.group(2) not in TEST_COUNT_UNITS:
            add("other", m.group(1), m.group(2), located=False, at=m.start(1))
    for m in re.finditer(rf"{_NUM}\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?)\b", clause):
        if (_DID_COUNT.search(clause) or _NAMED_COUNT.search(clause)) and re.search(
            r"\b(?:in|within|over)\s+$", clause[: m.start()]
        ):
            continue  # "in thirty seconds you did ten stands": the count's time window
        if re.match(
            r"\s+(?:left|to go|remaining|more|in (?:the|this) session|early|late)\b",
            clause[m.end() :],
        ):
            continue  # "about ten minutes left": the session's clock, not a value measured
        if re.match(r"\s*[,.]?\s*(?:go|start|begin|ready|starting now)\b", clause[m.end() :]):
            continue  # "one minute, go": the time a test is given, not its result
        unit = {"s": "seconds", "m": "minutes", "h": "hours"}[m.group(2)[0]]
        add("duration", m.group(1), unit, located=False, at=m.start())
    for m in re.finditer(rf"{_NUM}\s*(feet|foot|ft|meters?|metres?|yards?|miles?)\b", clause):
        if _RATE_AFTER.match(clause, m.end()) or _CONDITION_BEFORE.search(clause[: m.start()]):
            continue  # a speed ("0.8 meters per second"), or where it was measured from
        unit = {"f": "feet", "m": "meters" if m.group(2)[1] == "e" else "miles", "y": "yards"}[
            m.group(2)[0]
        ]
        add("distance", m.group(1), unit, located=False, at=m.start())
    pairs = [(p.group(1), p.group(2), p.group(3), p.group(4)) for p in _SIDE_PAIR.finditer(clause)]
    pairs += [
        (p.group(2), p.group(1), p.group(4), p.group(3)) for p in _SIDE_FIRST_PAIR.finditer(clause)
    ]
    for first_said, first_side, second_said, second_side in pairs:
        first = next((e for e in out if e["value"] == _value(first_said)), None)
        if first is None:
            continue
        first["side"] = first_side
        second_value = _value(second_said)
        second = next(
            (e for e in out if e["value"] == second_value and e["kind"] == first["kind"]), None
        )
        if second is None:
            unit = "/5" if first["unit"] in ("+/5", "-/5") else first["unit"]
            out.append({**first, "value": second_value, "side": second_side, "unit": unit})
        else:
            second["side"] = second_side
    for m in re.finditer(rf"{_NUM}\s+({_TEST_COUNTS})\b", clause):
        # What a timed dexterity or naming test counts: "38 blocks", "14 pegs", "12 words"
        # (not the total of "six of the ten blocks", which is a share).
        share = re.search(
            r"\b(of|out of)\s+(the\s+)?$|\b(first|last|next|other|another|these|those)\s+$",
            clause[: m.start()],
        )  # nor "the first five words", which picks the items to work on
        rate = re.match(r"\s+(per|a|an)\s+(second|minute)\b", clause[m.end() :])
        if share is None and rate is None:
            add("other", m.group(1), m.group(2), at=m.start())
    for m in re.finditer(rf"{_NUM}\s+(?:(\w+)\s+)?(?:per|a|an)\s+(second|minute)\b", clause):
        # A rate: syllables per second, breaths a minute; a speed keeps its length unit.
        if m.group(2) == "beats":
            continue  # the heart rate, read above
        length = m.group(2) if m.group(2) in ("meters", "metres", "feet") else ""
        unit = f"{'meters' if length == 'metres' else length} per {m.group(3)}".strip()
        add("other", m.group(1), unit, located=False, at=m.start())
    for m in re.finditer(
        rf"\b(?:oxygen|o2|spo2|sats?|saturation)\b\D{{0,25}}?{_NUM}\b(?!\s*(?:%|percent))", clause
    ):
        # Oxygen saturation said without "percent": "oxygen dipped to 89".
        if 50 <= float(m.group(1)) <= 100:
            add("other", m.group(1), "%", located=False, at=m.start(1))
    for m in re.finditer(rf"{_NUM}\s*(?:decibels?|db)\b", clause):
        # Loudness as a voice clinician measures it: a sound level meter's dB.
        add("other", m.group(1), "dB", located=False, at=m.start())
    for m in re.finditer(rf"{_NUM}\s*(millimet(?:er|re)s?|mm|centimet(?:er|re)s?|cm)\b", clause):
        # Jaw opening is measured in millimetres between the incisors: the jaw's range of
        # motion. Other lengths (a wound, a swelling) are values of their own.
        if out and _CONDITION_BEFORE.search(clause[: m.start()]):
            continue  # "78 dB at 30 centimeters": the distance the meter was held at
        unit = "millimeters" if m.group(2).startswith("m") else "centimeters"
        opening = part in ("jaw", "mouth") or re.search(r"\b(open\w*|jaw|trismus)\b", clause)
        add("range_of_motion" if opening else "other", m.group(1), unit, at=m.start())
    for pattern, level in _FIM_LEVELS:
        match = pattern.search(clause)
        if match is None:
            continue
        if level == 7 and re.search(rf"{_NUM}\s+(?:out of|of)\s+{_NUM}", clause):
            break  # "seven out of ten without any help": a task's score, not a FIM level
        fim = level if level is not None else _FIM_BY_WORD[match.group(1)]
        add("assistance_level", str(fim), "FIM level", located=False)
        break
    for value in sleep_values(clause):
        # "Forty minutes to fall asleep", "a two-hour nap": the time read above as a bare
        # duration is the sleep history's, named for what it is of.
        same = next((e for e in out if _same_time(e, value)), None)
        if same is not None:
            out.remove(same)
        out.append(value)
    share = _ASSIST_SHARE.search(clause)
    if share is not None:
        # "Minimal assist, about 25 percent help from me": one level of assistance, said
        # as the share of the task the clinician did (the more exact of the two).
        value = _value(share.group(1) or share.group(2))
        out = [
            e
            for e in out
            if e["kind"] != "assistance_level" and not (e["unit"] == "%" and e["value"] == value)
        ]
        out.append({"kind": "assistance_level", "value": value, "unit": "%"})
    return out


def _same_time(found: dict[str, Any], sleep: dict[str, Any]) -> bool:
    return found["kind"] == sleep["kind"] and (found["value"], found["unit"]) == (
        sleep["value"],
        sleep["unit"],
    )


_TEST_NAME = re.compile(
    r"\b(\d+)[\s-]+(minute|min|meter|metre|m|second|sec|foot|yard|hole|times?|point)\s+"
    r"(walk|step|chair|sit|stand|peg|run|push|hop|shuttle|discrimination)"
)
_VITALS = re.compile(
    r"\b(respiratory rate|resp rate|breathing rate|respirations|temperature|temp)\b"
    r"(?:'s|\s+(?:is|are|was|were|of|at|today))*\s+(?:about\s+)?(\d+(?:\.\d+)?)\b"
)
_DID_COUNT = re.compile(
    r"\b(?:did|completed|managed|got through|performed)\s+(\d+)\s+(?!(?:seconds?|minutes?|"
    r"hours?|feet|foot|meters?|metres?|yards?|miles?|degrees|percent|pounds?|lbs?|kilos?|days?|"
    r"weeks?|months?|years?|times a|out of|of|sessions?|visits?|sets?|reps|repetitions)\b)"
    r"[a-z][a-z-]*"
)
_BLOOD_PRESSURE = re.compile(r"\b(\d{2,3})\s*(?:over|/)\s*(\d{2,3})\b(?!\s*(?:%|percent|degrees))")
_PLUS_MINUS_GRADE = re.compile(
    r"\b([0-5])\s*(plus|minus|\+|-)(?!\s*\d)(?:\s*(?:/|out of|over)\s*5\b)?"
)
_RATE_AFTER = re.compile(r"\s*(?:per|a|an|each)\s+(?:second|minute|hour)\b")
_CONDITION_BEFORE = re.compile(r"\b(?:at|from)\s+(?:a distance of\s+)?(?:about\s+)?$")
_ASSIST_SHARE = re.compile(
    rf"{_NUM}\s*(?:%|percent\b|per cent\b)\s+(?:of\s+(?:the\s+)?)?(?:physical\s+)?"
    rf"(?:help|assist\w*|from me\b|from us\b)|\b(?:assist\w*|help)\s*,?\s+(?:(?:of|at|with|or|"
    rf"about|around|roughly|so|maybe|probably|like|approximately)\s+)*{_NUM}\s*(?:%|percent\b|"
    r"per cent\b)"
)
