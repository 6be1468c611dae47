"""What happens next: the plan's items however they are said, and talk that only sounds like one.

A plan item is a step for after the session with someone to do it: homework, a frequency,
the next visit, a referral or a word with another professional, a safety plan. Clinicians
say these in many ways ("please use the chair until the rail is in", "for the dizziness,
try...", "I've got you down for Thursday at two", "I'll send her the referral"); a
client's question about their care and the clinician's answer make one. Future tense alone
is not a plan: "we'll come back to that" is the session's agenda, "it'll keep climbing"
a prognosis, and "we'll sort this out" names no step.
"""

from __future__ import annotations

import itertools
import re

from therapy_notes.engine.composer.dialogue import IMPERATIVE, is_homework, lead_and_directive
from therapy_notes.engine.composer.facts import Context, Entry
from therapy_notes.engine.composer.text import normalise

DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
# The next appointment, said as a booking: "I've got you down for Thursday at two",
# "Friday at nine again", "I have you Monday at nine-thirty".
_BOOKING = re.compile(
    rf"\b(?:i've got|i have|i got|got|we've got|we have)\s+you\s+(?:down\s+|booked\s+|"
    rf"scheduled\s+)?(?:for\s+|on\s+)?(?:next\s+)?(?:{DAY}|tomorrow|next week)\b|"
    rf"\b{DAY}\s+at\s+(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon)|"
    rf"^\W*(?:\w+\W+){{0,2}}?(?:next\s+)?{DAY}\b[^.?!]{{0,20}}\bagain\b|"
    # "Let's meet again in two weeks."
    r"\b(?:meet|see you|see each other|get together|check in)\s+(?:again\s+)?in\s+(?:\d+|a|an|"
    r"one|two|three|four|six|a couple of|a few)\s+(?:days?|weeks?|months?|fortnight)\b"
)
# A step for the client said as advice ("You should pick up a raised toilet seat"), and a
# word with another professional they are to have ("Ask your pharmacist whether...").
_ADVISED = re.compile(
    r"^(?:\W*(?:so|and|also|okay|ok)\W+)*(?:you should|you'll need to|you need to|"
    r"you might want to)\s+"
    r"(?:also\s+)?(?:pick up|get|buy|order|call|book|bring|wear|use|avoid|keep|try|see|ask|talk|"
    r"speak|stop|start|take|ring|phone|make)\b"
)
_ASK_SOMEONE = re.compile(
    r"^(?:\W*(?:so|and|also|okay|ok|please)\W+)*(?:ask|call|see|contact|phone|ring|book in with|"
    r"check with|talk to|speak to|tell)\b"
)
# A step of the session itself: "We'll do one more set and then rest."
_ONE_MORE = re.compile(
    r"\b(?:one more|another|a few more|two more)\s+(?:set|round|rep|go|try|time|minute|lap)s?\b"
)
# Talk about the session's own agenda: "we'll come back to that", "let's get back to your
# sleep in a minute".
_AGENDA = re.compile(
    r"^(?:\W*(?:okay|ok|all right|alright|so|and|but)\W+)*(?:we'll|we will|let's|let us|i'll|"
    r"i will|we can|we're going to|i want to|i'd like to)\s+(?:\w+\s+)?(?:come back to|get back to|"
    r"go back to|return to|circle back to|get to)\b"
)
# A prognosis: the future of a thing, not a step someone takes.
_PROGNOSIS = re.compile(
    r"^(?:\W*(?:okay|ok|so|and|but|well)\W+)*(?:it|that|this|things|everything|which)"
    r"(?:'ll| will| should| is going to|'s going to| are going to)\b"
)
# Words that name no step: "we're going to sort this out together", "do something about it".
_EMPTY_STEP = frozenset(
    re.findall(
        r"\S+",
        "we we'll will we're are going to let's let us i i'll i'm am do something about it "
        "this that sort out figure work on take care of handle deal with get there fix look "
        "into things make sure together today now soon later right away matters and the a "
        "all of plan",
    )
)
_PLEASE = re.compile(r"\bplease\b")
# What the client is cleared for or kept from, and the end of a course of care: "you can go
# back to swimming", "you're fine to drive", "hold off on the gym", "I'm discharging you
# today". Each says what happens after the session ("you can start when you're ready" is
# the room's).
_CLEARED = re.compile(
    r"\b(?:you can|you could|you're (?:ok|okay|fine|safe|clear|good) to|you are (?:ok|okay|fine|"
    r"safe|clear|good) to|(?:it's|it is) (?:ok|okay|fine|safe) (?:for you )?to)\s+(?:now\s+)?"
    r"(?:go back to|get back to|return to|start(?!\s+(?:when|whenever|now|again|over|off)\b)|"
    r"resume|drive|work|swim|run|jog|lift|play)\b|\bhold off on\b|"
    r"\bdischarg(?:e|ing)\s+(?:you|her|him|them)\b"
)
# A goal with a time to reach it is a target for the coming weeks: the plan of care.
_GOAL_AHEAD = re.compile(
    r"\b(?:for|over|in|within) the (?:next|coming) \w+|\bby (?:the end of|next|discharge|"
    r"the time)\b|\bwithin \w+ (?:weeks?|months?|sessions?|visits?)\b|"
    r"\bthis (?:coming )?(?:week|month)\b"
)
_GOAL_DONE = re.compile(r"\b(?:was|were|had been|did|met|reached|achieved)\b")
_PROFESSIONAL = re.compile(
    r"\b(?:dr\.?\s+[A-Z][a-zA-Z'-]+|(?:the|your|a|her|his)\s+(?:dietitian|dietician|neurologist|"
    r"psychiatrist|social worker|nurse|surgeon|pcp|primary care (?:doctor|physician)|prescriber|"
    r"counsell?or|physician|cardiologist|audiologist|pharmacist|case manager|orthopedist|"
    r"neurosurgeon|rheumatologist|oncologist|gp|family doctor|pulmonologist|psychologist|ot|"
    r"occupational therapist|pt|physio|physiotherapist|physical therapist|slt|slp|"
    r"speech (?:and language )?therapist|hand therapist|district nurse|health visitor))\b",
    re.IGNORECASE,
)
_TO_THEM = re.compile(
    r"\b(send|sending|email|e-mail|call|phone|text|message|tell|let|ask|write to|fax|update|copy|"
    r"forward|contact|ring|speak to|talk to|check with)\s+(her|him)\b"
)
# A client asking what to do: "Do I still need to ice it?", "Should I keep the brace on?",
# "Can I drive yet?". Asked in the room ("Can I use the cane?") it is a step of the test.
_CARE_QUESTION = re.compile(
    r"^(?:\W*(?:so|and|but|okay|ok|um|uh|also|then)\W+)*(?:(should|do|does|will|must|may|"
    r"can|could)\s+i\s+(.*)|am i\s+((?:supposed|allowed|meant)\s+to\s+.*)|"
    r"is it (?:ok|okay|alright|all right|safe|fine) (?:to|if i)\s+(.*)|"
    r"when can i\s+(.*))$"
)
_IN_THE_ROOM = re.compile(r"\b(?:yet|still|again|anymore|at home|go back|start|stop|return|keep)\b")


def plan_role(sentence: str, role: str) -> str:
    """The role of a clinician's sentence once plan talk is told from a plan item.

    Returns "plan", another role, or "" when the sentence is no entry at all (the
    session's agenda, a step that names nothing).
    """
    text = normalise(sentence).strip()
    if _AGENDA.match(text) and not _BOOKING.search(text):
        return ""
    if _ONE_MORE.search(text) and not is_homework(text):
        return ""
    if role == "plan" and _PROGNOSIS.match(text):
        return "assessment"
    if role == "goals" and _GOAL_AHEAD.search(text) and not _GOAL_DONE.search(text):
        return "plan"
    if role != "plan" and (
        _PLEASE.search(text)
        or _BOOKING.search(text)
        or _CLEARED.search(text)
        or _ADVISED.match(text)
        or (_ASK_SOMEONE.match(text) and _PROFESSIONAL.search(sentence))
        or lead_and_directive(re.sub(r"^\W*(?:and|so|okay|ok|now)\W+", "", text)) == "daily"
    ):
        return "plan"
    if role == "plan" and _names_no_step(text):
        return ""
    return role


def _names_no_step(text: str) -> bool:
    words = re.findall(r"[a-z']+", text)
    return bool(words) and all(w in _EMPTY_STEP for w in words)


def is_directive(sentence: str) -> bool:
    """A bare imperative ("Write a new ending and read it every night")."""
    return IMPERATIVE.match(normalise(sentence).strip()) is not None


def remember_professional(sentence: str, context: Context) -> None:
    """The last professional named, whom a later "her" or "him" in a plan item stands for."""
    found = list(_PROFESSIONAL.finditer(sentence))
    if found:
        name = found[-1].group(0)
        context.professional = re.sub(r"^(?:your|a|her|his)\s+", "the ", name, flags=re.I)


def with_professional(sentence: str, context: Context) -> str:
    """A pronoun for the professional named before: "send her" -> "send Dr. Okonkwo".

    A plan item is read on its own in the note, so it names who is contacted.
    """
    if not context.professional or _PROFESSIONAL.search(sentence):
        return sentence
    return _TO_THEM.sub(
        lambda m: f"{m.group(1)} {context.professional}", sentence.replace("\u2019", "'"), 1
    )


def care_question(sentence: str) -> str:
    """A client's question about their own care, as "they still need to ice it", or ""."""
    match = _CARE_QUESTION.match(normalise(sentence).strip().rstrip("?.! "))
    if match is None:
        return ""
    aux, rest = match.group(1), match.group(2)
    if aux is not None:
        if aux in ("can", "could", "do") and not _IN_THE_ROOM.search(rest):
            return ""  # "Can I use the cane?", "Do I hold it here?": a step of the test
        modal = {"do": "", "does": "", "am": "are "}.get(aux, f"{aux} ")
        return f"they {modal}{rest}"
    if match.group(3) is not None:
        return f"they are {match.group(3)}"
    if match.group(4) is not None:
        return f"it is all right to {match.group(4)}"
    return f"when they can {match.group(5)}"


_FOLLOW_UP = "Follow up "
_NOT_THE_VISIT = frozenset({"follow", "up", "again", "then", "same", "time"})


def one_follow_up(entries: list[Entry]) -> list[Entry]:
    """A turn's entries with the next visit once: "Thursday again. Thursday at ten." is one.

    The recogniser splits a booking said in pieces; each piece that the next one repeats
    and completes is left out, so the plan names the visit once, fully.
    """
    visits = [
        i for i, e in enumerate(entries) if e.role == "plan" and e.text.startswith(_FOLLOW_UP)
    ]
    dropped: set[int] = set()
    for i, j in itertools.pairwise(visits):
        said = set(re.findall(r"[a-z0-9]+", entries[i].text.lower())) - _NOT_THE_VISIT
        fuller = set(re.findall(r"[a-z0-9]+", entries[j].text.lower()))
        if said <= fuller:
            dropped.add(i)
    return [e for i, e in enumerate(entries) if i not in dropped]
