"""Clinical language: what was said, rewritten the way a clinician documents it.

Notes are in the third person with the speaker's role ("Client reports ..."), numbers as
digits, filler and hedges dropped, one fact per entry. The client's own words are quoted
only where they matter clinically (risk statements). These are documentation conventions,
not the words of any one conversation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from therapy_notes.engine.composer.dialogue import IMPERATIVE
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.text import clean_sentence

_LEADING_FILLER = re.compile(
    r"^(?:\W*(?:well|so|um+|uh+|er+|oh|okay|ok|alright|all right|yeah|yes|yep|honestly|"
    r"actually|basically|i mean|you know|like|i guess|to be honest|i'd say|i would say|"
    r"i think|i feel like|i suppose|hmm+|mm-?hmm|and|but|right|now|anyway|anyways|thanks|"
    r"thank you|sure)\b\W*)+",
    re.IGNORECASE,
)
_INNER_FILLER = re.compile(
    r",?\s*\b(?:you know|i mean|kind of like|um+|uh+|er+|to be honest|if i'm honest|"
    r"i (?:have|'ve got|got) to (?:tell|say to) you|i (?:have|must) say|i have to say)\b,?",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|june|july|august|september|october|november|december|phq|gad|tylenol|advil|"
    r"ibuprofen|english|christmas|easter|thanksgiving)(s?)\b"
)

# First person -> third person, longest forms first. "They" keeps verb agreement simple:
# "I have" -> "they have"; only "am" and "was" change.
_CLIENT_PRONOUNS: tuple[tuple[str, str], ...] = (
    (r"\bi am\b", "they are"),
    (r"\bi'm\b", "they are"),
    (r"\bim\b", "they are"),
    (r"\bi was\b", "they were"),
    (r"\bi wasn't\b", "they weren't"),
    (r"\bi'm not\b", "they are not"),
    (r"\bi've\b", "they have"),
    (r"\bi'd\b", "they would"),
    (r"\bi'll\b", "they will"),
    (r"\bmyself\b", "themselves"),
    (r"\bmy\b", "their"),
    (r"\bmine\b", "theirs"),
    (r"\bme\b", "them"),
    (r"\bi\b", "they"),
)
# Second person in the clinician's words -> the client.
# The clinician's "you" is the client: named once in an entry ("client", "client's"), then
# "they", "them" and "their", so the verbs that follow still agree ("Client to practise the
# breathing whenever they climb the stairs", not "whenever client climb").
_YOU = re.compile(
    r"\b(you are|you're|you were|you've|you have|you'd|you'll|yourself|yours|your|you)\b"
)
_CLIENT_FORM = {
    "you are": "client is",
    "you're": "client is",
    "you were": "client was",
    "you've": "client has",
    "you have": "client has",
    "you'd": "client would",
    "you'll": "client will",
    "yourself": "themselves",
    "yours": "client's",
    "your": "client's",
    "you": "client",
}
_LATER_FORM = {
    "you are": "they are",
    "you're": "they are",
    "you were": "they were",
    "you've": "they have",
    "you have": "they have",
    "you'd": "they would",
    "you'll": "they will",
    "yourself": "themselves",
    "yours": "theirs",
    "your": "their",
}
# Words after which "you" is the object ("until the neurologist has seen you", "tell you").
_OBJECT_AFTER = frozenset(
    re.findall(
        r"\S+",
        "to for with at on by from about of into onto towards toward than seen see saw tell told "
        "call called give gave send sent ask asked help helped let make made get got bring "
        "brought show showed remind reminded meet met book booked email text phone ring refer "
        "referred take took keep kept put want need like expect encourage advise advised "
        "recommend see visit visited check checked making makes keeping keeps leaving leaves "
        "getting gets giving gives telling tells asking letting lets helping helps",
    )
)
_LAST_WORD = re.compile(r"([A-Za-z']+)\W*$")
_WE_AND_I: tuple[tuple[str, str], ...] = (
    (r"\bwe'll\b", "will"),
    (r"\bwe will\b", "will"),
    (r"\bi'll\b", "clinician will"),
    (r"\bi will\b", "clinician will"),
)


def _as_told(text: str, *, named: bool = False) -> str:
    """A clinician's words with "you" as the client, named once; `named`: already named."""
    said_before = named

    def form(match: re.Match[str]) -> str:
        nonlocal said_before
        said = match.group(1)
        if not said_before:
            said_before = True
            return _CLIENT_FORM[said]
        if said != "you":
            return _LATER_FORM[said]
        previous = _LAST_WORD.search(text, 0, match.start())
        after = text[match.end() :].lstrip()
        return (
            "them"
            if (previous and previous.group(1).lower() in _OBJECT_AFTER) or not after[:1].isalpha()
            else "they"
        )

    return _swap(_YOU.sub(form, text), _WE_AND_I)


# Words a speaker's sentence spells with capitals that the note keeps: initialisms ("GP",
# "A&E", "OT") and names said mid-sentence ("Dr. Okafor", "Sertraline" as transcribed).
_CASED_WORD = re.compile(r"(?<![\w&'-])[A-Za-z][A-Za-z0-9&'-]*")
_TITLE_BEFORE = re.compile(r"\b(?:dr|mr|mrs|ms|mx|st|prof)\.$", re.IGNORECASE)
_NOT_KEPT = frozenset({"i", "i'm", "i've", "i'll", "i'd", "ok", "okay"})


def _casing(text: str) -> dict[str, str]:
    """The source's capitalised words by their lower case, to restore after tidying."""
    kept: dict[str, str] = {}
    for word in _CASED_WORD.finditer(text):
        said = word.group(0)
        lower = said.lower()
        if lower in _NOT_KEPT or said == lower:
            continue
        initialism = len(said) > 1 and said.upper() == said
        before = text[: word.start()].rstrip()
        mid_sentence = bool(before) and (
            before[-1] not in ".!?\"'" or _TITLE_BEFORE.search(before) is not None
        )
        if initialism or (mid_sentence and said[0].isupper() and said[1:] == said[1:].lower()):
            kept[lower] = said
    return kept


@lru_cache(maxsize=16384)
def _tidy(text: str) -> str:
    casing = _casing(text)
    text = spoken_numbers_to_digits(text)
    text = _INNER_FILLER.sub(
        lambda m: "," if m.group(0).startswith(",") and m.group(0).endswith(",") else "", text
    )
    text = _LEADING_FILLER.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:-")
    text = _CAPITALISED.sub(lambda m: m.group(1).capitalize() + m.group(2), text)
    if casing:
        text = _CASED_WORD.sub(lambda m: casing.get(m.group(0), m.group(0)), text)
    return re.sub(r"\bphq\b|\bgad\b", lambda m: m.group(0).upper(), text, flags=re.IGNORECASE)


def _swap(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for pattern, replacement in table:
        text = re.sub(pattern, replacement, text)
    return text


def _sentence(text: str) -> str:
    if not text:
        return ""
    text = re.sub(r"\bi\b", "I", text)
    text = re.sub(r"\bdr\.?\s+(\w)", lambda m: f"Dr. {m.group(1).upper()}", text)
    # A report of two sentences: the second starts with a capital too.
    text = re.sub(r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)([.!?]\s+)([a-z])", _capital, text)
    return clean_sentence(text)


def _capital(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2).upper()}"


# A report said without its "I" ("Didn't take them at the weekend", "Went back on
# Monday"): the client is its subject. "Went well" and "got better" speak of a thing.
_NO_SUBJECT = re.compile(
    r"^(?:didn't|did not|couldn't|could not|can't|cannot|don't|won't|wasn't|haven't|hadn't|"
    r"wouldn't|went|got|had|took|came|made|lost|woke|slept|ate|drank|left|kept|found|tried|"
    r"managed|started|stopped|finished|walked|worked|missed|forgot|skipped|used|did|gave|"
    r"spent|called|saw|felt like|ended up|gone|been)\b"
    r"(?!\s+(?:well|okay|ok|fine|badly|great|alright|all right|better|worse|ok)\b)",
    re.IGNORECASE,
)


@lru_cache(maxsize=16384)
def client_report(sentence: str, *, verb: str = "reports") -> str:
    """A client's statement as a report.

    "I've been sleeping badly" -> "Client reports they have been sleeping badly."
    """
    body = _swap(_tidy(sentence), _CLIENT_PRONOUNS)
    body = re.sub(r"^that\s+", "", body)
    if _NO_SUBJECT.match(body):
        body = f"they {body[:1].lower()}{body[1:]}"
    if not body:
        return ""
    return _sentence(f"Client {verb} {body}")


def client_phrase(phrase: str) -> str:
    """Part of a client's sentence in the third person ("when I walk" -> "when they walk")."""
    return _swap(_tidy(phrase), _CLIENT_PRONOUNS)


def client_quote(sentence: str, *, lead: str) -> str:
    """A clinically important statement in the client's own words."""
    words = re.sub(r"\s+", " ", sentence).strip().rstrip(".")
    return _sentence(f'{lead}: "{words}"')


# The reply a clinician's sentence opens with, when it answers the client's question ("It
# is, your knee bends to one-ten now", "You did, and you kept your back straight"): the
# finding after it is the entry.
_REPLY_OPENING = re.compile(
    r"^(?:yes|yeah|yep|it is|it does|it did|it has|they are|you did|you do|you are|you were|"
    r"you have|that's right|that is right|definitely|absolutely|correct|exactly)\s*,\s*"
    r"(?:and\s+|so\s+)?(?=\S+\s+\S+)",
    re.IGNORECASE,
)
# A finding told as what the clinician did not see, hear or feel ("I didn't hear any
# hoarseness today"): documented as its absence, "No hoarseness noted today."
_NOT_FOUND = re.compile(
    r"^i (?:didn't|did not|don't|do not|can't|cannot|couldn't|could not) (?:hear|see|notice|"
    r"feel|find|palpate|observe|detect|spot)\s+(?:any\s+|a\s+|an\s+|the\s+)?"
    r"(?P<found>[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,3}?)"
    r"(?P<rest>\s+(?:today|now|anymore|this time|at all|on|in|around|when|with|during|after|"
    r"over|at|across|along|behind|under)\b[^,;]*|)\W*$",
    re.IGNORECASE,
)
# Not a finding's absence: "I don't see any reason to change the plan", "I can't see you
# doing that at home".
_NOT_A_FINDING = re.compile(
    r"^(?:reason|need|point|way|problem|issue|difference|change|you|your|him|her|them|it|that|"
    r"this|why|how|what|where|when|us|me|myself)\b"
)


@lru_cache(maxsize=16384)
def clinician_statement(sentence: str) -> str:
    """A clinician's observation or judgement about the client, in the third person."""
    text = _REPLY_OPENING.sub("", _tidy(sentence))
    text = re.sub(
        r"^(?:i (?:can )?(?:see|notice|noticed|noted)|it (?:looks|seems|sounds) like|"
        r"looks like|seems like|sounds like|i'm seeing)\s+(?:that\s+)?",
        "",
        text,
    )
    absent = _NOT_FOUND.match(text)
    if absent is not None and not _NOT_A_FINDING.match(absent.group("found")):
        rest = re.sub(r"^\s*at all\b", "", absent.group("rest")).rstrip(" .")
        return _sentence(_as_told(f"No {absent.group('found')} noted{rest}"))
    return _sentence(_as_told(text))


_PLAN_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(?:i've got|i have|i got|got|we've got|we have)\s+(?:you|client)\s+(?:down\s+|"
            r"booked\s+|scheduled\s+)?(?:for\s+|on\s+)?(.*)$"
        ),
        "Follow up {0}",
    ),
    (
        re.compile(
            r"^((?:same time\b|(?:next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
            r"sunday)s?\b).*)$",
            re.IGNORECASE,
        ),
        "Follow up {0}",
    ),
    (
        re.compile(
            r"^(?:so\s+)?(?:i(?:'d| would)? (?:also |really |just |still )*(?:like|want) you to|"
            r"i (?:also )?need you to|you should|"
            r"you'll want to|make sure (?:that )?you|remember to|try to|please|you're going to|"
            r"your homework is to|for homework,?)\s+(.*)$"
        ),
        "Client to {0}",
    ),
    (
        re.compile(
            r"^(?:for home|at home|for homework|homework|home program|(?:here's|here is) "
            r"(?:the|your) (?:homework|home program))\s*[,:]?\s*"
            r"(?:(?:i want|i'd like|i would like|i need)\s+(?:you to\s+)?)?(.*)$"
        ),
        "Home program: {0}",
    ),
    # "Keep the heel slides going, twice a day": continue them.
    (re.compile(r"^keep\s+(?:going|at\s+it)\s+with\s+(.*)$"), "Client to continue with {0}"),
    (re.compile(r"^keep\s+(.+?)\s+going\b(.*)$"), "Client to continue {0}{1}"),
    (re.compile(r"^(?:keep|continue)\s+(.*)$"), "Client to continue {0}"),
    (
        re.compile(r"^(?:i'm|i am|we're|we are)\s+(?:going to\s+)?discharg\w*\s+you\s+(.*)$"),
        "Discharged {0}",
    ),
    (
        re.compile(
            r"^(?:(?:i'm|i am|we're|we are)\s+(?:also\s+|then\s+)?going to|i'll|i will|we'll|"
            r"we will|let's|let me)\s+(?:also\s+|then\s+|just\s+)?(?:go ahead and\s+)?"
            r"(?:refer|send|set) (?:you|client)\s+"
            r"(?:up\s+)?(?:to|with)\s+(.*)$"
        ),
        "Refer to {0}",
    ),
    (
        re.compile(
            r"^(?:i'll|i will|we'll|we will|i'm going to|we're going to)\s+"
            r"(?:see you|meet|get together|check in)\s+(.*)$"
        ),
        "Follow up {0}",
    ),
    (
        re.compile(
            r"^(?:we'll|we will|i'll|i will|let's)\s+(?:do|meet|have you back|book)\s+(?:again\s+)?"
            r"(.*\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|next week|"
            r"same time|in \d+ (?:days?|weeks?|months?)|in a (?:week|fortnight|month))\b.*)$",
            re.IGNORECASE,
        ),
        "Follow up {0}",
    ),
    (
        re.compile(
            r"^(?:see you|i'll see you|we'll see you)\s+((?:on\s+|next\s+|in\s+|again\s+)?"
            r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|\d+|two|three|"
            r"a week|next)\b.*)$",
            re.IGNORECASE,
        ),
        "Follow up {0}",
    ),
    (
        re.compile(
            r"^(?:i'm|i am)\s+(?:also\s+)?going to\s+(ask|call|contact|send|email|talk|speak|"
            r"write|let|book|schedule|order|get)\b(.*)$"
        ),
        "Clinician to {0}{1}",
    ),
    (
        re.compile(
            r"^(?:next (?:time|session|visit|week)),?\s+(?:we'll|we will|we're going to|"
            r"i'll|i want to|i'd like to|let's)\s+(.*)$"
        ),
        "Next session: {0}",
    ),
    (
        re.compile(r"^(?:we'll|we will|we're going to|let's|i'll|i will|i'm going to)\s+(.*)$"),
        "Plan to {0}",
    ),
)


# "Until the rail goes in, please use the shower chair": the condition said first.
_PLAN_LEAD = re.compile(
    r"^((?:when|whenever|if|until|till|once|before|after|each time|every time|any ?time|while|"
    r"for (?:the|your|that|those|any)|between|over the|at (?:night|home|work|school))\b[^,]{0,60}),"
    r"\s*(please\s+|just\s+)?(.*)$",
    re.IGNORECASE,
)


# The session's next step run into a plan or goal ("..., so let's see how today goes"):
# what happens in the room now, not after it.
_SESSION_TAIL = re.compile(
    r",?\s*(?:so|and|but)\s+(?:(?:let's|let us)\s+(?:see|start|get|begin|try|go|do|have|look|"
    r"check|work|find out)\b|(?:we'll|we will|i'll)\s+(?:start|try|begin)\b(?=[^.]*\b(?:today|now|"
    r"first)\b))(?![^.]*\b(?:next|tomorrow|weeks?|months?|visit|appointment|follow|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday)\b)[^.]*\.?$",
    re.IGNORECASE,
)
# A goal said as one ("Your goal for this month is to walk to the shops"), written as one.
_GOAL = re.compile(
    r"^(?:your|the|our|client's|his|her|their)\s+(?:main\s+|big\s+|long-term\s+|short-term\s+|"
    r"next\s+)?goal(?:\s+(?P<when>for\s+[^,]+?))?\s+(?:is|was)\s+(?:to\s+|that\s+)?(?P<goal>.+)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=16384)
def plan_item(sentence: str) -> str:
    """A clinician's statement of what happens next, as a plan entry.

    A directive becomes the client's step ("Client to use the shower chair until the rail
    goes in"), the clinician's own steps and the next visit keep who does them.
    """
    text = _SESSION_TAIL.sub("", _tidy(sentence)).rstrip(" ,")
    goal = _GOAL.match(text)
    if goal is not None:
        when = f" {goal.group('when')}" if goal.group("when") else ""
        return _sentence(f"Goal{when}: {_as_told(goal.group('goal').rstrip('.!'), named=True)}")
    lead = _PLAN_LEAD.match(text)
    if lead is not None and (lead.group(2) or IMPERATIVE.match(lead.group(3).lower())):
        step = _as_told(lead.group(3).strip().rstrip(".!"), named=True)
        condition = _as_told(lead.group(1).strip(), named=True)
        return _sentence(f"Client to {step} {condition}")
    for pattern, form in _PLAN_FORMS:
        match = pattern.match(text)
        if match is not None:
            named = form.startswith("Client")
            parts = [
                _as_told(g.strip() if i == 0 else g, named=named)
                for i, g in enumerate(match.groups())
            ]
            return _sentence(form.format(*parts))
    if IMPERATIVE.match(text.lower()):
        return _sentence(
            f"Client to {_as_told(text, named=True)[:1].lower()}{_as_told(text, named=True)[1:]}"
        )
    return _sentence(_as_told(text))


def asked_and_advised(asked: str, reply: str) -> str:
    """A client's question about their care and the clinician's answer, as one plan item."""
    question = _swap(_tidy(asked), _CLIENT_PRONOUNS)
    return _sentence(f"Client asked whether {question}; advised: {dose(reply)}")


def prognosis(sentence: str) -> str:
    """What the clinician expects to happen ("It'll keep climbing"), as their judgement."""
    text = _as_told(_tidy(sentence))
    text = re.sub(r"^(it|that|this|things)'ll\b", r"\1 will", text)
    return _sentence(f"Clinician expects {text[:1].lower()}{text[1:]}")


def dose(sentence: str) -> str:
    """The dose that follows a plan item ("Two sets of fifteen." -> "2 sets of 15")."""
    return _as_told(_tidy(sentence)).rstrip(".!")


def intervention(sentence: str) -> str:
    """What the clinician did in the session: "Today we practiced X" -> "Practiced X."""
    text = _tidy(sentence)
    text = re.sub(r"^(?:today|this session|so far)\s*,?\s*", "", text)
    text = re.sub(r"^(?:we|i)\s+(?:have\s+|'ve\s+)?(?:also\s+)?", "", text)
    # "Today we work on balance" -> "Session focused on balance", not the imperative "Work on".
    text = re.sub(
        r"^(?:are\s+|were\s+)?(?:going\s+to\s+)?(?:work|worked|working|focus|focused|focusing)\s+"
        r"on\b",
        "Session focused on",
        text,
    )
    return _sentence(_as_told(text))


# --------------------------------------------------------------------------- measurements

_LOWER_IS_BETTER = frozenset({"PHQ-9", "GAD-7", "PCL-5", "BDI-II", "Oswestry", "DASH", "TUG"})
"""Instruments where a lower score means fewer symptoms (or, for TUG, seconds)."""
_NAMES = {
    "phq9": "PHQ-9",
    "phq-9": "PHQ-9",
    "gad7": "GAD-7",
    "gad-7": "GAD-7",
    "pcl5": "PCL-5",
    "bdiii": "BDI-II",
    "moca": "MoCA",
    "mmse": "MMSE",
    "berg": "Berg",
    "tug": "TUG",
    "oswestry": "Oswestry",
    "dash": "DASH",
}


# Holds timed for as long as they last: longer is better.
_HOLDS = {
    "mpt": "Maximum phonation time",
    "tandem_stance": "Tandem stance",
    "single_leg_stance": "Single-leg stance",
    "plank": "Plank hold",
    "wall_sit": "Wall sit",
}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _where(m: Mapping[str, Any]) -> str:
    side = str(m.get("side") or "")
    part = str(m.get("body_part") or "")
    side = "bilateral" if side == "bilateral" else side
    return " ".join(w for w in (side, part) if w)


def _since(when: str) -> str:
    """When the earlier value was taken, as the span of a change ("since last week").

    The words said for the time ("at your assessment", "two weeks ago", "when you came out
    of hospital", "initially") read as a span: "since your assessment", "over 2 weeks",
    "since client came out of hospital"; a time with no point to count from says nothing.
    """
    when = when.strip()
    ago = re.fullmatch(r"(.+?) (?:ago|back)", when)
    if ago is not None:
        return f" over {ago.group(1)}"
    if when in ("initially", "previously"):
        return ""
    if re.fullmatch(r"when we (?:started|began)", when):
        return " since the start of treatment"
    when = re.sub(r"^(?:at|on) (?=the |your |intake|admission)|^(?:back )?in ", "", when)
    when = re.sub(r"^when you\b", "client", re.sub(r"^when (?=she|he|they)", "", when))
    when = re.sub(r"^your\b", "the", re.sub(r"^before (?=(?:the )?surgery)", "", when))
    if when in _MONTHS:
        when = when.capitalize()
    return f" since {when}" if when else ""


_MONTHS = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)


def earlier_rating_text(m: Mapping[str, Any], when: str) -> str:
    """A rating the client gives for an earlier time ("Client rated knee pain 7/10 last week.")."""
    rated = measurement_text(m, self_rated=True).replace("Client rates ", "Client rated ", 1)
    return _sentence(f"{rated.rstrip('.')} {when}".rstrip())


def measurement_text(m: Mapping[str, Any], *, motion: str = "", self_rated: bool = False) -> str:
    """A measured value as a note states it ("Right shoulder flexion 110 degrees.")."""
    kind, value, unit = str(m.get("kind")), _number(m.get("value")), str(m.get("unit") or "")
    where = _where(m)
    if kind == "pain_score":
        subject = f"{where} pain" if where else "pain"
        return _sentence(f"Client rates {subject} {value}{unit or '/10'}")
    if kind == "mood_score":
        return _sentence(f"Client rates mood {value}{unit or '/10'}")
    if kind == "range_of_motion":
        if unit in ("millimeters", "centimeters"):
            subject = "jaw opening" if str(m.get("body_part")) in ("jaw", "mouth", "") else where
            return _sentence(f"{subject} {value} {unit}")
        return _sentence(
            " ".join(w for w in (where, motion or "range of motion") if w) + f" {value} degrees"
        )
    if unit in ("kg", "lb"):
        return _sentence(f"{where + ' ' if where else ''}strength {value} {unit}")
    if kind == "strength_grade":
        subject = where or "strength"
        return _sentence(f"{subject} strength {value}{unit}")
    if kind == "repetitions":
        return _sentence(f"{value} repetitions")
    if kind == "sets":
        return _sentence(f"{value} sets")
    if kind == "assistance_level":
        if unit == "%":
            return _sentence(f"Assistance level {value}% (share of the task assisted)")
        return _sentence(f"Assistance level FIM {value}")
    if kind == "distance":
        return _sentence(f"Distance {value} {unit}")
    if kind == "duration":
        if self_rated:
            return _sentence(f"Client reports {value} {unit}")
        held = _HOLDS.get(str(m.get("name") or ""), "")
        if held:
            return _sentence(f"{held} {value} {unit}" + (f" ({where})" if where else ""))
        timed = _NAMES.get(str(m.get("name") or "").lower(), "")
        return _sentence(f"{timed + ' time' if timed else 'Duration'} {value} {unit}")
    name = _NAMES.get(str(m.get("name") or "").lower(), "")
    if name:
        return _sentence(f"{name} score {value}{unit if unit.startswith('/') else ''}")
    if unit == "dB":
        return _sentence(f"Loudness {value} dB")  # a sound level in therapy is the voice's
    return _sentence(f"{value}{unit if unit.startswith('/') or unit == '%' else ' ' + unit}")


def progress_text(
    m: Mapping[str, Any],
    earlier: float,
    *,
    motion: str = "",
    when: str = "",
    reverse: bool = False,
) -> str:
    """An Assessment line comparing today's value with an earlier one.

    With `reverse`, `m` holds the earlier value and `earlier` today's (the comparison was
    said after the measurement).
    """
    kind, value = str(m.get("kind")), float(m.get("value") or 0)
    if reverse:
        value, earlier = earlier, value
    where = _where(m)
    name = _NAMES.get(str(m.get("name") or "").lower(), str(m.get("unit") or ""))
    unit = str(m.get("unit") or "")
    # Less pain, fewer symptoms on an instrument, and a smaller share of the task done by
    # the clinician are all better.
    lower_is_better = (
        kind == "pain_score"
        or (kind in ("other", "duration") and name in _LOWER_IS_BETTER)
        or (kind == "assistance_level" and unit == "%")
    )
    held = _HOLDS.get(str(m.get("name") or ""), "") if kind == "duration" else ""
    if value == earlier:
        trend = "unchanged at"
    elif held:
        trend = "improved from" if value > earlier else "declined from"
    elif kind == "duration" and name not in _LOWER_IS_BETTER:
        # A time is better shorter for a timed task and longer for a hold or a walk, which
        # the words do not always say: the change is stated, not judged.
        trend = "decreased from" if value < earlier else "increased from"
    elif (value < earlier) == lower_is_better:
        trend = "improved from"
    else:
        trend = "declined from" if kind != "pain_score" else "increased from"
    unit_text = unit if unit.startswith("/") or unit == "%" else ""
    if kind in ("duration", "distance") and unit:
        unit_text = f" {unit}"
    if kind == "range_of_motion":
        unit_text = f" {unit}" if unit in ("millimeters", "centimeters") else " degrees"
    if unit in ("kg", "lb"):
        unit_text = f" {unit}"
        kind = "strength_grade"
    subject = {
        "pain_score": f"{where} pain" if where else "Pain",
        "range_of_motion": " ".join(w for w in (where, motion or "range of motion") if w),
        "strength_grade": f"{where} strength" if where else "Strength",
        "mood_score": "Mood",
        "other": f"{name} score" if name and name[0].isalpha() else "Score",
        "duration": held or (f"{name} time" if name in _NAMES.values() else "Time"),
    }.get(kind, kind.replace("_", " ").capitalize())
    since = _since(when)
    if trend == "unchanged at":
        return _sentence(f"{subject} unchanged at {_number(value)}{unit_text}{since}")
    return _sentence(
        f"{subject} {trend} {_number(earlier)}{unit_text} to {_number(value)}{unit_text}{since}"
    )
