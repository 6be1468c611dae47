"""Small talk and courtesies: the conversation around a session that is no part of its note.

Documentation guidance keeps a progress note to what bears on the client's condition and
care; the drive in, the weather, last night's game, an apology for running late and the
thanks and reassurance around the clinical talk are the rapport a session is built on,
not facts for the record. A reply to small talk is kept only when it says something
clinical ("Rough, my neck was aching the whole way").
"""

from __future__ import annotations

import re

from therapy_notes.engine.composer.body import body_part
from therapy_notes.engine.composer.measurements import find_measurements
from therapy_notes.engine.composer.risks import find_risks
from therapy_notes.engine.composer.text import normalise

# What a greeting's question is about when it is small talk: getting there, the weather,
# sport and pastimes, something worn, a drink offered.
_SMALL_TALK = re.compile(
    r"\b(?:the|your) (?:drive|ride|trip|commute|journey|flight|weekend|holiday|vacation|game|"
    r"match|team)\b|\b(?:drive|ride|trip|commute|walk) (?:over|in|here|up|down)\b|"
    r"\btraffic\b|\bparking\b|\bpark(?:ed)? (?:all right|ok|okay|close)\b|"
    r"\bfind (?:a|the|us|a good) (?:spot|space|place|office|building)\b|\bfind (?:us|parking)\b|"
    r"\bweather\b|"
    r"\b(?:rain|raining|pouring|snow|snowing|cold|hot|windy) (?:out|outside|out there)\b|"
    r"\bcatch the (?:game|match|race|show)\b|\b(?:new|nice) (?:hat|shirt|shoes|haircut|glasses|"
    r"jacket|coat|bag)\b|\b(?:want|like) (?:some|a) (?:water|coffee|tea|drink|glass)\b|"
    r"\bget you (?:some|a) (?:water|coffee|tea|drink)\b"
)
# Arriving late or keeping someone waiting, and the reply to it.
_LATE = re.compile(
    r"^\W*(?:(?:oh|hi|hello|um|so|and)\W+)*(?:i'm |i am |so |really |very )*(?:sorry|apologies)\b"
    r"[^.?!]{0,40}\b(?:late|behind|wait|waiting|keeping you|running over|ran over)\b|"
    r"^\W*(?:(?:oh|so|well)\W+)*(?:no worries|don't worry about it|no problem at all)\b"
)
# What makes a sentence bear on the client's condition or care, whatever else it is about.
_CLINICAL = re.compile(
    r"\b(?:pain\w*|ache\w*|aching|hurt\w*|sore\w*|stiff\w*|numb\w*|tingl\w*|swell\w*|swollen|"
    r"throb\w*|weak\w*|dizz\w*|lightheaded|faint\w*|fell|fall\w*|balance|trip\w*|slipp\w*|"
    r"breath\w*|cough\w*|chok\w*|swallow\w*|voice|hoarse|speech|stutter\w*|memory|forget\w*|"
    r"confus\w*|headaches?|migraines?|nause\w*|sleep\w*|slept|insomnia|nightmares?|tired|"
    r"exhausted|fatigue\w*|mood|sad\w*|depress\w*|anxi\w*|panic\w*|worr\w*|scared|afraid|"
    r"fear\w*|stress\w*|cry\w*|cried|tears?|angry|anger|irritab\w*|lonely|alone|hopeless\w*|"
    r"appetite|eating|drinking|drunk|beers?|alcohol|avoid\w*|medic\w*|pills?|meds|dose\w*|"
    r"doctor|hospital|er\b|surgery|injur\w*|exercis\w*|stretch\w*|brace|splint|cane|walker|"
    r"therapy|stairs|shower\w*|bath\w*|dress\w*|cook\w*|work|job|school|practice|"
    r"hands?|legs?|arms?|feet|foot)\b"
)


def is_small_talk(sentence: str) -> bool:
    """A question or greeting whose subject is the talk around the session."""
    text = normalise(sentence)
    if _LATE.search(text) is not None:
        return True
    # "Did you manage the exercises over the weekend?" asks about care, not the weekend.
    return _SMALL_TALK.search(text) is not None and _CLINICAL.search(text) is None


def is_courtesy_about_lateness(sentence: str) -> bool:
    """An apology for arriving late or for the wait, or the reply that waves it off."""
    return _LATE.search(normalise(sentence)) is not None


def is_clinical(sentence: str) -> bool:
    """Whether a sentence says anything about the client's condition or care."""
    text = normalise(sentence)
    return bool(
        _CLINICAL.search(text)
        or find_risks(sentence, first_person=True)
        or find_measurements(sentence)
        or body_part(text)
    )
