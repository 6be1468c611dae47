"""The local stand-in for the cloud model: transcript turns -> note tool calls, by rules.

It reads only what a model would see: the new transcript turns and the session's tools
(the `section` enum of `add_note_entries`) and instructions (each section's guidance). So it
works for any note template without knowing template names: each sentence gets a clinical
role (what the patient reports, what was measured, what the clinician did, how the patient
responded, the clinician's assessment, the plan, the goals) from general documentation
language, and each role is matched to the template section whose key and guidance describe
it best. Stated measurements and risks become `record_measurement` and `flag_risk` calls;
a denied risk is written into the note but never flagged.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from therapy_notes.domain.notes import RiskKind
from therapy_notes.domain.tools import ADD_NOTE_ENTRIES, FLAG_RISK, RECORD_MEASUREMENT


@dataclass(frozen=True, slots=True)
class ComposerTurn:
    """One finished transcript turn (a user conversation item) and its text."""

    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class NoteSection:
    """A section key from the tool schema, with its guidance when the instructions give it."""

    key: str
    guidance: str = ""


@dataclass(frozen=True, slots=True)
class ToolCallSpec:
    """One tool call the composer wants made, and the turns it came from."""

    name: str
    arguments: dict[str, Any]
    source_item_ids: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- sections


def sections_from_session(
    tools: Iterable[Mapping[str, Any]], instructions: str
) -> list[NoteSection]:
    """The note sections a session offers: the `section` enum of `add_note_entries`.

    Guidance comes from instruction lines of the form `- key (Title): guidance`, the way
    the app writes them; without them, sections are matched on their keys alone.
    """
    keys: list[str] = []
    for tool in tools:
        if tool.get("name") != ADD_NOTE_ENTRIES:
            continue
        try:
            enum = tool["parameters"]["properties"]["entries"]["items"]["properties"]["section"][
                "enum"
            ]
        except (KeyError, TypeError):
            continue
        if isinstance(enum, list):
            keys = [k for k in enum if isinstance(k, str)]
    guidance: dict[str, str] = {}
    for match in re.finditer(r"^\s*-\s*(\S+)\s*\(([^)]*)\):\s*(.*)$", instructions, re.MULTILINE):
        guidance[match.group(1)] = f"{match.group(2)} {match.group(3)}"
    return [NoteSection(key, guidance.get(key, "")) for key in keys]


def tool_names(tools: Iterable[Mapping[str, Any]]) -> set[str]:
    """Names of the function tools a session declares."""
    return {t["name"] for t in tools if isinstance(t.get("name"), str)}


_ROLE_KEYS: dict[str, frozenset[str]] = {
    "subjective": frozenset({"subjective", "s", "data", "behavior", "behaviour", "history"}),
    "objective": frozenset({"objective", "o", "data", "behavior", "behaviour", "findings"}),
    "intervention": frozenset({"intervention", "interventions", "treatment"}),
    "response": frozenset({"response", "responses"}),
    "assessment": frozenset({"assessment", "a", "impression", "impressions"}),
    "plan": frozenset({"plan", "p", "recommendations"}),
    "goals": frozenset({"goals", "goal", "g"}),
}
_ROLE_GUIDANCE_WORDS: dict[str, frozenset[str]] = {
    "subjective": frozenset(
        {
            "reports",
            "report",
            "says",
            "said",
            "symptoms",
            "concerns",
            "words",
            "history",
            "complaint",
            "presentation",
        }
    ),
    "objective": frozenset(
        {
            "observed",
            "measured",
            "measurements",
            "tests",
            "vital",
            "range",
            "strength",
            "behaviour",
            "behavior",
            "performed",
        }
    ),
    # Words that name what the clinician did; "treatment" and "clinician" are left out
    # because assessment and plan guidance use them too ("response to treatment").
    "intervention": frozenset(
        {
            "techniques",
            "exercises",
            "exercise",
            "education",
            "did",
            "performed",
            "interventions",
            "intervention",
        }
    ),
    "response": frozenset({"responded", "response", "progress", "tolerated"}),
    "assessment": frozenset({"interpretation", "impression", "assessment", "progress"}),
    "plan": frozenset({"next", "homework", "follow", "referrals", "appointment", "steps", "plan"}),
    # Guidance mentions goals in passing ("progress toward goals"); only a section whose
    # key names goals holds them, otherwise they are part of the plan.
    "goals": frozenset(),
}
_ROLE_FALLBACK: dict[str, tuple[str, ...]] = {
    "subjective": ("objective",),
    "objective": ("subjective",),
    "intervention": ("objective", "subjective"),
    "response": ("assessment", "objective", "subjective"),
    "assessment": ("response", "objective"),
    "plan": (),
    "goals": ("plan", "assessment"),
}


def section_for_role(role: str, sections: Sequence[NoteSection]) -> str | None:
    """The section that best fits a clinical role, by key first, then by guidance words."""
    if not sections:
        return None
    for candidate in (role, *_ROLE_FALLBACK[role]):
        best, best_score = None, 0
        for section in sections:
            score = _section_score(candidate, section)
            if score > best_score:
                best, best_score = section.key, score
        if best is not None:
            return best
    return sections[0].key


def _section_score(role: str, section: NoteSection) -> int:
    key = section.key.lower()
    # A key of several words ("treatment_goals") names its role by any of its words.
    key_words = {key, *re.findall(r"[a-z]{2,}", key)}
    if key_words & _ROLE_KEYS[role]:
        return 100
    words = set(re.findall(r"[a-z]+", f"{key} {section.guidance}".lower()))
    return len(words & _ROLE_GUIDANCE_WORDS[role])


# --------------------------------------------------------------------------- roles

# Future tense and the words of a plan. The noun "plan" counts only where the sentence is
# about the plan ("Plan is to...", "the plan for next week"), not where someone merely has
# one ("has a plan to overdose", "has plans for the weekend", "went through her safety plan").
_PLAN = re.compile(
    r"^\W*(the\s+|our\s+)?plans?\b|\b(the|our)\s+plan\s+(is|was|for|will)\b|"
    r"\b(homework|follow[- ]?up|continue|continues|will|scheduled?|"
    r"refer|referral|referred|recommend\w*|discharged?|"
    r"next (session|visit|appointment|week|time))\b|"
    r"\w'll\b|\b(we're|we are) going to\b|"
    r"\bi(?:'d| would)? (like|want)\s+(him|her|them|you)\s+to\b"
)
# A clinician's judgement in the first person ("I think she's...", "I'd say her mood...",
# "I'm not worried about..."): an assessment when the rest of the sentence is about
# someone else. When it goes on in the first person ("I think I overdid it"), the speaker
# is the client and the sentence is what they report.
_OPINION = re.compile(
    r"\b(i think|i'd say|i would say|i feel like|i believe|i suspect|"
    r"i'm (?:not |a (?:bit|little) )?(?:worried|concerned)|i am (?:not )?(?:worried|concerned)|"
    r"my impression)\b"
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself)\b")
_SUBJECTIVE = re.compile(
    r"\b(reports?|reported|reporting|states?|stated|says|said|complains?|complained|"
    r"describes?|described|endorses?|endorsed|denies|denied|feels|felt|feeling|"
    r"mentions?|mentioned|tells|told|telling|admits|admitted|worried|worries)\b"
)
_ASSESSMENT = re.compile(
    r"\b(progress\w*|improv\w*|impression|assessment|consistent with|suggest\w*|"
    r"indicat\w*|worsen\w*|declin\w*|regress\w*|prognosis|likely)\b"
)
_GOALS = re.compile(r"\b(goals?|objective is|aim is)\b")
_RESPONSE = re.compile(
    r"\b(responded|response|tolerated|completed|(was|were) able to|identified|demonstrated|"
    r"verbalized|verbalised|fatigue|engaged)\b"
)
# What the clinician did, in the clinician's words: "introduced...", "we practiced...",
# "we went through...".
_INTERVENTION_ACT = re.compile(
    r"\b(introduced|reviewed|practiced|practised|taught|educated|instructed|provided|trained|"
    r"discussed|explored|administered|applied|facilitated|modeled|modelled|guided|"
    r"demonstrated to)\b|"
    r"\bwe (did|do|worked|work|went through|tried|talked|used|spent|started|focused|focussed)\b"
)
_INTERVENTION_NOUN = re.compile(r"\b(education|techniques?|exercises?|interventions?)\b")
# What was observed: examination words and the mental status examination's vocabulary.
_OBJECTIVE = re.compile(
    r"\b(measured|observed|noted|degrees|flexion|extension|abduction|adduction|rotation|"
    r"strength|gait|range of motion|rom|within normal limits|wnl|blood pressure|heart rate|"
    r"tested|test|score|grade|assist\w*|independent\w*|posture|balance|affect|oriented|alert|"
    r"appeared|appears|presented|tearful|cried|crying|smiled|smiling|laughed|laughing|"
    r"eye contact|fidget\w*|restless|guarded|labile|speech was|intelligib\w*|accura\w*)\b"
)
# Values the client rates for themselves belong with what they report, not with findings.
_SELF_RATED = frozenset({"pain_score", "mood_score"})


def sentence_role(sentence: str) -> str:
    """The clinical role of one sentence; reported speech when nothing else fits.

    The order matters: a plan or a judgement can mention a measurement or a report, a
    report can mention what was done, and a sentence that states a measured value is a
    finding unless it says it is the client's report, the clinician's view or a plan.
    """
    text = sentence.lower().replace("\u2019", "'")
    if _PLAN.search(text):
        return "plan"
    opinion = _OPINION.search(text)
    if opinion is not None and not _FIRST_PERSON.search(text[opinion.end() :]):
        return "assessment"
    if _SUBJECTIVE.search(text) or (opinion is None and _FIRST_PERSON.search(text)):
        return "subjective"
    for role, pattern in (
        ("assessment", _ASSESSMENT),
        ("goals", _GOALS),
        ("intervention", _INTERVENTION_ACT),
    ):
        if pattern.search(text):
            return role
    if any(m["kind"] not in _SELF_RATED for m in find_measurements(sentence)):
        return "objective"
    for role, pattern in (
        ("response", _RESPONSE),
        ("intervention", _INTERVENTION_NOUN),
        ("objective", _OBJECTIVE),
    ):
        if pattern.search(text):
            return role
    return "subjective"


# --------------------------------------------------------------------------- numbers

_UNITS = {
    "zero": 0,
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
    return "".join(out)


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
        elif tok == "point" and seen and _next_word(tokens, i) in _UNITS:
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


def _is_a(tokens: list[str], start: int, index: int) -> bool:
    return any(tokens[k] == "a" for k in range(start, index))


def _next_word(tokens: list[str], index: int) -> str:
    for tok in tokens[index + 1 :]:
        if not tok.isspace():
            return tok
    return ""


# --------------------------------------------------------------------------- measurements

_NUM = r"(\d+(?:\.\d+)?)"
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
    "forearm",
    "arm",
    "leg",
    "grip",
    "pinch",
)
_SIDE = re.compile(r"\b(left|right|bilateral|bilaterally|both sides|both)\b")
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
    (re.compile(r"\bunder supervision\b|\brequires supervision\b"), 5),
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


def _body_part(clause: str) -> str:
    for part in _BODY_PARTS:
        if re.search(rf"\b{part}s?\b", clause):
            return "hand" if part in ("grip", "pinch") else part
    return ""


def _side(clause: str) -> str:
    match = _SIDE.search(clause)
    if match is None:
        return ""
    word = match.group(1)
    return word if word in ("left", "right") else "bilateral"


def _value(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() else number


# Words that say a number out of ten rates something other than pain.
_OTHER_SCALE = re.compile(
    r"\b(mood|anxiety|anxious|stress|confiden\w*|energy|fatigue|tired\w*|sleep|motivation|"
    r"effort|exertion|borg|trials?|correct\w*|accura\w*|tasks?|items?|score|words?|"
    r"sentences?|questions?)\b"
)
_NOT_A_RATING = (
    r"(?!\s*(?:degrees?|°|%|percent|out\b|/|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|"
    r"weeks?|months?|years?|times|feet|foot|ft|meters?|metres?|yards?|miles?|blocks?|steps?|"
    r"reps|repetitions|sets?|pounds?|lbs?|kilo\w*|kgs?|o'clock|am\b|pm\b|\.\d))"
)


def _bare_rating(clause: str, part: str) -> re.Match[str] | None:
    """A spoken pain rating without its scale: "pain's down to a two", "knee's about a five".

    Clinicians and clients drop "out of ten" once the scale is known; an unqualified
    number after "a", "at" or "to" that follows "pain" or a body part is that rating.
    """
    anchor = re.search(r"\bpain\b", clause)
    if anchor is None and part and not _OTHER_SCALE.search(clause):
        anchor = re.search(rf"\b{part}", clause)
    if anchor is None:
        return None
    rating = re.compile(rf"\b(?:a|at|to)\s+(?:a\s+)?{_NUM}\b{_NOT_A_RATING}")
    return rating.search(clause, anchor.end())


def find_measurements(sentence: str) -> list[dict[str, Any]]:
    """Measured values stated in one sentence, as `record_measurement` arguments."""
    found: list[dict[str, Any]] = []
    for clause in _clauses(spoken_numbers_to_digits(sentence)):
        found.extend(_clause_measurements(clause))
    unique: list[dict[str, Any]] = []
    for m in found:
        if m not in unique:
            unique.append(m)
    return unique


def _clause_measurements(clause: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    part, side = _body_part(clause), _side(clause)

    def add(kind: str, value: str, unit: str, *, located: bool = True) -> None:
        entry: dict[str, Any] = {"kind": kind, "value": _value(value), "unit": unit}
        if located and part:
            entry["body_part"] = part
        if located and side:
            entry["side"] = side
        out.append(entry)

    for m in re.finditer(rf"{_NUM}\s*(?:out of|/|over)\s*(10|5)\b", clause):
        value, scale = m.group(1), m.group(2)
        if float(value) > float(scale):
            continue
        if scale == "10" and ("pain" in clause or (part and not _OTHER_SCALE.search(clause))):
            # A body part rated out of ten is its pain ("her knee's a six out of ten").
            add("pain_score", value, "/10")
        elif scale == "10" and re.search(r"\bmood\b", clause):
            add("mood_score", value, "/10", located=False)
        elif scale == "5" and re.search(r"\b(strength|mmt|grade|muscle|manual muscle)\b", clause):
            add("strength_grade", value, "/5")
        else:
            add("other", value, f"/{scale}", located=False)
    if not out:
        # "Five of the eight sentences", "four of five trials correct": accuracy on a task.
        for m in re.finditer(
            rf"{_NUM}\s+(?:of|out of)\s+(?:the\s+)?{_NUM}\b(?=(?:\s+\w+){{0,2}}?\s+"
            r"(?:trials?|items?|words?|sentences?|attempts?|opportunities|questions?|targets?|"
            r"tries|times|correct\w*|accurate\w*)\b)",
            clause,
        ):
            if float(m.group(1)) <= float(m.group(2)):
                add("other", m.group(1), f"/{m.group(2)}", located=False)
    if not out:
        pain = re.search(
            rf"\bpain\b(?:\s+(?:score|level|rating))?\s+(?:is|was|of|at|as|rated)\s+"
            rf"(?:a\s+)?{_NUM}\b(?!\s*(?:degrees|%|percent|out|/))",
            clause,
        ) or _bare_rating(clause, part)
        if pain is not None and float(pain.group(1)) <= 10:
            add("pain_score", pain.group(1), "/10")
    for m in re.finditer(rf"{_NUM}\s*(?:%|percent\b|per cent\b)", clause):
        add("other", m.group(1), "%", located=False)
    for m in re.finditer(
        rf"\b(?:heart rate|pulse)\b\D{{0,30}}?{_NUM}(?!\s*(?:%|percent|degrees|/|out))"
        rf"|{_NUM}\s*(?:bpm|beats per minute)\b",
        clause,
    ):
        add("other", m.group(1) or m.group(2), "bpm", located=False)
    for m in re.finditer(rf"{_NUM}\s*(?:degrees?|°)(?!\s*(?:fahrenheit|celsius|f\b|c\b))", clause):
        add("range_of_motion", m.group(1), "degrees")
    if re.search(r"\b(grip|pinch|strength|dynamometer)\b", clause):
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
    for m in re.finditer(rf"{_NUM}\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?)\b", clause):
        unit = {"s": "seconds", "m": "minutes", "h": "hours"}[m.group(2)[0]]
        add("duration", m.group(1), unit, located=False)
    for m in re.finditer(rf"{_NUM}\s*(feet|foot|ft|meters?|metres?|yards?|miles?)\b", clause):
        unit = {"f": "feet", "m": "meters" if m.group(2)[1] == "e" else "miles", "y": "yards"}[
            m.group(2)[0]
        ]
        add("distance", m.group(1), unit, located=False)
    for pattern, level in _FIM_LEVELS:
        match = pattern.search(clause)
        if match is None:
            continue
        fim = level if level is not None else _FIM_BY_WORD[match.group(1)]
        add("assistance_level", str(fim), "FIM level", located=False)
        break
    return out


# --------------------------------------------------------------------------- risks

# People a client may speak of: the objects of threats and the authors of abuse.
_PERSON = (
    r"(?:ex|wife|husband|spouse|partner|fianc\w*|boyfriend|girlfriend|mother|father|mom|mum|"
    r"dad|parents?|step(?:mom|mum|dad|father|mother)|son|daughter|child|children|kids?|baby|"
    r"brother|sister|siblings?|cousin|uncle|aunt|grand\w+|nephew|niece|family|friends?|"
    r"roommates?|flatmates?|boss|manager|supervisor|co-?workers?|colleagues?|neighbou?rs?|"
    r"landlord|teacher|classmates?|teammates?|caregiver|carer|doctor|nurse|therapist|"
    r"stranger|guy|man|woman|girl|boy)"
)
_OTHERS = (
    rf"(?:him|them|someone|somebody|anyone|anybody|others|other people|people|"
    rf"(?:my|his|her|their|a|the|that)\s+(?:ex-|own\s+|former\s+)?{_PERSON})"
)
_VIOLENT_VERB = (
    r"(?:kill|hurt|harm|attack|assault|shoot|shot|stab|hit|punch|beat|kick|choke|strangle|"
    r"push|shove|slap)(?:s|es|ed|ing|ten|bed|bing|ting)?"
)
# Controlling or violent acts done to the client, as the client or a carer tells them.
_ABUSE_VERB = (
    r"(?:hits|hit|beats|beat|kicks|kicked|chokes|choked|slaps|slapped|pushes|pushed|shoves|"
    r"shoved|grabs|grabbed|punches|punched|strangles|strangled|threatens|threatened|locks|"
    r"locked|burns|burned|burnt)"
)
_INJURY = r"(?:bruis\w*|black eyes?|welts?|marks|injur\w*|fractur\w*|burns|cuts|scratches)"
_RISK_CUES: dict[RiskKind, re.Pattern[str]] = {
    RiskKind.SELF_HARM: re.compile(
        r"\bsuicid\w*|\bself[- ]?harm\w*|\bself[- ]?injur\w*|"
        r"\b(kill|hurt|harm|cut|hang|shoot|shot|stab|burn|poison|drown|strangle|choke)"
        r"(ing|s|ed|t|ted|bed|bing)?\s+(myself|himself|herself|themselves|themself)\b|"
        r"\bjump(s|ed|ing)?\s+(off|from|in front of)\s+(a|the)\s+"
        r"(bridge|building|roof|balcony|train|car|cliff)\b|"
        r"\bend(ing|s)?\s+(my|his|her|their)\s+(own\s+)?life\b|"
        r"\b(want|wants|wanted|wish|wishes|wished)\s+to\s+(die|be dead)\b|\boverdos\w*|"
        # Passive ideation, in the words clients use for it.
        r"\bbetter off (dead|without (me|him|her|them))\b|"
        r"\b(don't|do not|doesn't|does not|didn't|did not)\s+want\s+to\s+"
        r"(be (here|alive|around)|live|wake up)\b|"
        r"\bno (reason|point) (to|in) (live|living|going on)\b|"
        # Self-injury named by its method: "been cutting again", "scratching her arms".
        r"\b(been|started|start|starting|back to|keeps?|kept)\s+(cutting|burning)\b|"
        r"\bcutting\s+again\b|"
        r"\b(cut|cutting|cuts|burn(s|ed|t|ing)?|scratch(es|ed|ing)?)\s+(on\s+)?"
        r"(my|his|her|their)\s+(arms?|wrists?|legs?|thighs?|skin|stomach|body)\b"
    ),
    RiskKind.HARM_TO_OTHERS: re.compile(
        r"\bhomicid\w*|"
        rf"\b{_VIOLENT_VERB}\s+{_OTHERS}\b|"
        rf"\bi\s+(?:\w+\s+)?{_ABUSE_VERB}\s+(?:her|him|them)\b|"
        r"\bviolen\w*\s+(toward|towards|against)\b|\bthreaten\w*\s+to\s+(kill|hurt|harm)\b"
    ),
    RiskKind.ABUSE_OR_NEGLECT: re.compile(
        r"\babus\w*|\bneglect\w*|\bdomestic violence\b|\bunsafe at home\b|"
        rf"(?<!\bi )\b{_ABUSE_VERB}\s+(me|her|him|them)\b|"
        rf"\b(afraid|scared|frightened|terrified)\s+of\s+(my|his|her|their)\s+{_PERSON}\b|"
        rf"\b(he|she|they|{_PERSON})\s+(scares|frightens|terrifies)\s+(me|her|him|them)\b|"
        # An injury put down to someone close: "bruises her partner caused", "a black eye
        # from her boyfriend".
        rf"\b{_INJURY}\b[^.;]{{0,60}}?\b(?:(?:caused|given|done|made|left)\s+by\s+|from\s+)?"
        rf"(?:my|his|her|their)\s+(?:ex-)?{_PERSON}\b(?:\s+\w+){{0,2}}?\s+"
        r"(?:caused|gave|did|made|left)\b|"
        rf"\b{_INJURY}\b[^.;]{{0,60}}?\b(?:(?:caused|given|done|made|left)\s+by|from)\s+"
        rf"(?:my|his|her|their)\s+(?:ex-)?{_PERSON}\b"
    ),
    RiskKind.FALL_RISK: re.compile(
        r"\bfell\b(?!\s+asleep)|\bfalls?\b(?!\s+asleep)|\bfalling\b(?!\s+asleep)|"
        r"\bnear[- ]falls?\b|\blos(t|es|ing)\s+(my\s+|his\s+|her\s+|their\s+)?balance\b|"
        r"\btripped\b|\bunsteady\b"
    ),
}
_NOT_ABUSE = re.compile(r"\b(substance|alcohol|drug|opioid|cannabis|marijuana|steroid)\s+abus")
_DENIAL = re.compile(r"\b(denies|denied|deny|denying|negative for|rules? out|ruled out)\b")
_NEGATOR = re.compile(r"\b(no|not|never|without|free of|absence of|nor|none)\b|n't\b")
_POST_NEGATION = re.compile(r"^\W*(\w+\W+){0,3}?(denied|absent|ruled out|none)\b")


def find_risks(sentence: str) -> list[RiskKind]:
    """Risks stated (not denied) in one sentence."""
    found: list[RiskKind] = []
    for clause in _clauses(sentence.lower()):
        for kind, pattern in _RISK_CUES.items():
            for match in pattern.finditer(clause):
                if kind is RiskKind.ABUSE_OR_NEGLECT and _NOT_ABUSE.search(
                    clause[max(0, match.start() - 12) : match.end()]
                ):
                    continue
                if _is_negated(clause, match.start(), match.end()):
                    continue
                if kind not in found:
                    found.append(kind)
                break
    return found


# Where a new clause starts inside a sentence: a conjunction that brings its own subject
# or finite verb ("..., and she reports she fell"), so a negation before it does not reach
# past it ("not sleeping and has been thinking of killing himself").
_CLAUSE_START = re.compile(
    r"(?:\b(?:and|or|so|then|because|since|while|when|after|until|unless|if)|,)\s+"
    r"(?:(?:i|i'm|i've|he|he's|she|she's|they|they're|we|his|her|my|their)\b|"
    r"(?:has|have|had|is|was|says|said|reports|reported|admits|admitted|wants|wanted|tells|"
    r"told|feels|felt|started|keeps|kept)\b)"
)


def _is_negated(clause: str, start: int, end: int) -> bool:
    if _DENIAL.search(clause[start:end]):
        return True
    before = clause[:start]
    starts = list(_CLAUSE_START.finditer(before))
    if starts:
        before = before[starts[-1].start() :]
    if _DENIAL.search(before):
        return True
    window = " ".join(before.split()[-5:])
    if _NEGATOR.search(window):
        return True
    return bool(_POST_NEGATION.search(clause[end:]))


def _clauses(text: str) -> list[str]:
    """Split at sentence ends and contrast words, the usual limits of a negation's scope."""
    parts = re.split(r"\.(?!\d)|[;!?]+|\b(?:but|however|although|though|except|yet)\b", text)
    return [p.strip() for p in parts if p and p.strip()]


# --------------------------------------------------------------------------- compose


def split_sentences(text: str) -> list[str]:
    """Sentences of a transcript turn, without filler fragments of one or two words."""
    pieces = re.split(r"(?<=[.!?])\s+", text.strip())
    return [p.strip() for p in pieces if p.strip()]


def _clean(sentence: str) -> str:
    sentence = re.sub(r"\s+", " ", sentence).strip()
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if sentence[-1:] in ".!?" else f"{sentence}."


def compose(
    turns: Sequence[ComposerTurn],
    sections: Sequence[NoteSection | str],
    *,
    available_tools: Collection[str] | None = None,
) -> list[ToolCallSpec]:
    """Note tool calls for the turns since the last response.

    Args:
        turns: new transcript turns, oldest first.
        sections: the template's sections (keys from the tool schema, guidance if known).
        available_tools: names of the tools the session declares; calls to other tools
            are never made. None allows all three note tools.

    Returns:
        One `add_note_entries` call per turn that has note content, then one
        `record_measurement` per stated value and one `flag_risk` per stated risk.
    """
    tools = (
        set(available_tools)
        if available_tools is not None
        else {ADD_NOTE_ENTRIES, RECORD_MEASUREMENT, FLAG_RISK}
    )
    note_sections = [s if isinstance(s, NoteSection) else NoteSection(s) for s in sections]
    entry_calls: list[ToolCallSpec] = []
    measure_calls: list[ToolCallSpec] = []
    risk_calls: list[ToolCallSpec] = []
    flagged: set[RiskKind] = set()
    for turn in turns:
        entries: list[dict[str, Any]] = []
        for sentence in split_sentences(turn.text):
            role = sentence_role(sentence)
            measurements = [] if role == "plan" else find_measurements(sentence)
            risks = find_risks(sentence)
            if len(sentence.split()) < 3 and not measurements and not risks:
                continue
            section = section_for_role(role, note_sections)
            if section is not None:
                if entries and entries[-1]["section"] == section:
                    entries[-1]["text"] = f"{entries[-1]['text']} {_clean(sentence)}"
                else:
                    entries.append(
                        {
                            "section": section,
                            "text": _clean(sentence),
                            "source_item_ids": [turn.item_id],
                        }
                    )
            for m in measurements:
                arguments = {**m, "source_item_ids": [turn.item_id]}
                measure_calls.append(ToolCallSpec(RECORD_MEASUREMENT, arguments, (turn.item_id,)))
            for kind in risks:
                if kind in flagged:
                    continue
                flagged.add(kind)
                risk_calls.append(
                    ToolCallSpec(
                        FLAG_RISK,
                        {
                            "kind": kind.value,
                            "evidence": _clean(sentence),
                            "source_item_ids": [turn.item_id],
                        },
                        (turn.item_id,),
                    )
                )
        if entries:
            entry_calls.append(
                ToolCallSpec(ADD_NOTE_ENTRIES, {"entries": entries}, (turn.item_id,))
            )
    calls: list[ToolCallSpec] = []
    if ADD_NOTE_ENTRIES in tools:
        calls.extend(entry_calls)
    if RECORD_MEASUREMENT in tools:
        calls.extend(measure_calls)
    if FLAG_RISK in tools:
        calls.extend(risk_calls)
    return calls


__all__ = [
    "ComposerTurn",
    "NoteSection",
    "ToolCallSpec",
    "compose",
    "find_measurements",
    "find_risks",
    "section_for_role",
    "sections_from_session",
    "sentence_role",
    "spoken_numbers_to_digits",
    "tool_names",
]
