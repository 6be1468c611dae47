"""Where in the body the conversation is: the joint, side and motion being examined.

A clinician names the joint once ("let's look at the right shoulder") and then gives bare
values ("flexion is 150", "the left side is twenty"); the place carries from sentence to
sentence in the context so those values are filed against the right joint and side. A
one-sided test instruction ("stand on your left leg") is kept apart, for the time or
distance reported next.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from therapy_notes.engine.composer.body import body_part, side_of
from therapy_notes.engine.composer.facts import Context
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.text import normalise

_MOTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("external rotation", re.compile(r"\b(external(ly)? rotat\w*|rotat\w* out\w*)\b")),
    (
        "internal rotation",
        re.compile(r"\b(internal(ly)? rotat\w*|rotat\w* in\w*|behind (your|the|my) back)\b"),
    ),
    ("dorsiflexion", re.compile(r"\bdorsi ?flex\w*|\btoes? up\b")),
    ("plantarflexion", re.compile(r"\bplantar ?flex\w*|\bpoint (your|the) toes?\b")),
    ("eversion", re.compile(r"\bever(sion|t\w*)\b")),
    ("inversion", re.compile(r"\binver(sion|t\w*)\b")),
    ("abduction", re.compile(r"\babduct\w*|\bout to the side\b|\bout sideways\b")),
    ("adduction", re.compile(r"\badduct\w*")),
    (
        "lateral flexion",
        re.compile(
            r"\blateral(ly)? flex\w*|\bside[- ]?bend\w*|\bear\s+(toward|towards|to|down to)\s+"
            r"(your|the)\b"
        ),
    ),
    ("extension", re.compile(r"\bextension\b|\bextend\w*|\bstraighten\w*")),
    ("flexion", re.compile(r"\bflexion\b|\bflex\b|\bbend\w*|\b(forward|in front)\b")),
    ("radial deviation", re.compile(r"\bradial(ly)? deviat\w*|\btoward (your|the) thumb\b")),
    ("ulnar deviation", re.compile(r"\bulnar(ly)? deviat\w*|\btoward (your|the) (little|pinky)\b")),
    ("supination", re.compile(r"\bsupinat\w*|\bpalm up\b")),
    ("pronation", re.compile(r"\bpronat\w*|\bpalm down\b")),
    ("rotation", re.compile(r"\brotat\w*|\bturn\w* (your|the) (head|neck|trunk|shoulders)\b")),
)
_SPINE = re.compile(r"\b(thoracic|lumbar|cervical|trunk)\b")
_SPINE_MOTIONS = frozenset({"rotation", "lateral flexion", "flexion", "extension"})
_SHOULDER_ROTATIONS = frozenset({"internal rotation", "external rotation", "rotation"})
# Body words that name no part being examined: "lie back", "come back to", "push against
# my hand" (the clinician's own hand).
_INCIDENTAL_PARTS = re.compile(
    r"\b(?:lie|lay|lying|laying|sit|sitting|lean|leaning|come|coming|go|going|get|bring|"
    r"put|step|roll|head|be|scoot|move|moving|lay it)\s+back\b|\bback\s+(?:to|in|on|up|down|"
    r"and|then|from|again|here|there|home|later|soon)\b|\bmy\s+(?:hand|hands|fingers?|arm|arms)\b|"
    r"\b(?:there|hallway|hall|room|line|door|wall|corner|chair)\s+and\s+back\b|"
    r"\b(?:weeks?|months?|days?|years?|while|ways)\s+back\b"
)
# A direction named by a body part ("bend it up toward your shoulder", "ear toward your
# right shoulder"): the part is where the movement goes, its side is the movement's side.
_TOWARD_A_PART = re.compile(
    r"\btowards?\s+(?:your|the|her|his)\s+(left\s+|right\s+|other\s+)?(?:shoulder|chest|nose|"
    r"face|mouth|head|hip|knee|bottom|back)s?\b(?!\s+(?:blade|joint))"
)
_SYMPTOM = re.compile(
    r"\b(pain\w*|ache|aches|aching|achy|hurts?|hurting|sore\w*|stiff\w*|numb\w*|tingl\w*|"
    r"swell\w*|swollen|throb\w*|burn\w*|weak\w*|tight\w*|out of \d+|\d+ out of)\b"
)
_ARM_RAISED = re.compile(
    r"\b(?:lift|raise|reach|bring)\w*\s+(?:your|the|her|his)\s+(?:left\s+|right\s+)?arms?\s+"
    r"(?:up|over|out|forward|in front|above|toward the ceiling)"
)
_FOREARM_TURN = re.compile(r"\b(?:supinat|pronat|turn|rotat|flip|twist)\w*")
_ANKLE_MOTIONS = frozenset({"dorsiflexion", "plantarflexion", "eversion", "inversion"})
_WRIST_MOTIONS = frozenset({"flexion", "extension", "radial deviation", "ulnar deviation"})
LIMBS = frozenset({"arm", "leg", "upper extremity", "lower extremity"})
"""Limbs named in passing ("lift your arm") while a joint of them is examined."""
# "The right side is twenty", "left's 95", "left arm, one-ten", "the other side gets to
# fifteen", "and 20 on the right", "twenty-five to the left": a bare value and a side.
_SIDE_NAMED = (
    r"(?:the\s+)?(?:left|right|other)(?:\s+(?:side|one|arm|leg|hand|foot|knee|hip|shoulder|"
    r"elbow|wrist|ankle))?"
)
_GRADE_SIGN = r"(?:\s*(?:plus|minus|\+|-)(?!\w))?"
# A remark after the value, with no number of its own: ", so a big difference".
_REMARK = r"(?:\s*,\s*(?:so|which|that's|and|but|nice|good|better|worse|a big|quite)\b[^\d]*)?"
BARE_SIDE_VALUE = re.compile(
    rf"^\W*(?:(?:yes|yeah|okay|ok|so|and|now)\W+)*(?:your\s+)?{_SIDE_NAMED}(?:'s|\s+is|\s+was|\s+at|"
    r"(?:\s+just)?\s+did|\s+does|\s*,|\s+(?:gets|got|goes|went|comes|came)\s+to|\s+reache?d?s?)\s+"
    rf"(?:a\s+|about\s+|around\s+|at\s+|only\s+)?\d+(?:\.\d+)?{_GRADE_SIGN}{_REMARK}\W*$|"
    rf"^\W*(?:and\s+)?\d+(?:\.\d+)?{_GRADE_SIGN}\s+(?:on|to|for)\s+the\s+(?:left|right|other)"
    r"(?:\s+side)?\W*$"
)


_ONE_SIDED = re.compile(
    r"\b(?:on|with|using|off)\s+(?:your|the|one)\s+(left|right)\s+(leg|foot|arm|hand)\b|"
    r"\b(left|right)\s+(leg|foot|arm|hand)\s+only\b|"
    r"^\W*(left|right)\s+(leg|foot)\s+(?:again|now|next|first|this\s+time)\b"
)
# Hop, jump and single-leg stance tests are done on a leg, named or not: "three hops
# forward on the left", "balance on the right".
_ON_A_LEG = re.compile(
    r"\b(?:hops?|hopping|jump\w*|bound\w*|stand\w*|balanc\w*|stance)\b[^.?!]*?"
    r"\bon\s+(?:the|your)\s+(left|right)\b(?!\s+(?:arm|hand|side of))"
)


def tested_limb(sentence: str) -> tuple[str, str] | None:
    """The limb a one-sided test is done on ("stand on your left leg", "hop on the right")."""
    text = normalise(sentence)
    match = _ONE_SIDED.search(text)
    if match is None:
        leg = _ON_A_LEG.search(text)
        return ("leg", leg.group(1)) if leg is not None else None
    groups = match.groups()
    side, limb = next((groups[i], groups[i + 1]) for i in range(0, len(groups), 2) if groups[i])
    if limb == "foot" and _ON_A_LEG.search(text.replace("foot", "leg")):
        return "leg", side  # single-leg stance, on either foot
    return limb, side


class _Said(NamedTuple):
    """What one sentence says of a place, read once: every response re-reads the history."""

    symptom: bool
    compares: bool
    part: str
    side: str
    motion: str
    arm_raised: bool
    forearm_turned: bool
    spine: str


@lru_cache(maxsize=16384)
def _said(sentence: str) -> _Said:
    text = _INCIDENTAL_PARTS.sub(" ", spoken_numbers_to_digits(normalise(sentence)))
    text = _TOWARD_A_PART.sub(lambda m: f" toward the {m.group(1) or ''}side ", text)
    spine = _SPINE.search(text)
    return _Said(
        _SYMPTOM.search(text) is not None,
        BARE_SIDE_VALUE.search(text) is not None,
        body_part(text),
        side_of(text),
        next((motion for motion, pattern in _MOTIONS if pattern.search(text)), ""),
        _ARM_RAISED.search(text) is not None,
        _FOREARM_TURN.search(text) is not None,
        spine.group(1) if spine is not None else "",
    )


def remember_place(sentence: str, context: Context, *, by_client: bool = False) -> None:
    """The joint, side and motion being talked about carry to sentences that omit them.

    The clinician's words set the place examined; the client's move it only to where
    they have a symptom ("my left shoulder aches"), not to a part named in passing ("I
    grabbed the rail with my left", "bruised my hip a little").
    """
    said = _said(sentence)
    if by_client and context.part and not said.symptom:
        return
    if said.compares:
        return  # "The right side is twenty": a comparison, the joint examined stays the same
    part = said.part
    if part in LIMBS and context.part and context.part not in LIMBS:
        part = ""
    if part:
        if part != context.part:
            context.motion = ""
        context.part = part
        context.side = said.side or (context.side if part == context.part else "")
    elif said.side:
        context.side = said.side
    if said.motion:
        context.motion = said.motion
    if context.part in ("head", "") and said.arm_raised:
        # An arm lifted forward, overhead or out to the side moves at the shoulder: that
        # is the joint a goniometer measures.
        context.part = "shoulder"
        context.motion = context.motion or "flexion"
    if context.motion in _ANKLE_MOTIONS and context.part in ("toe", "foot", ""):
        # Toes pulled up or pointed move the ankle: that is the joint measured.
        context.part = "ankle"
    if (
        context.motion in ("supination", "pronation")
        and context.part in ("hand", "wrist", "")
        and said.forearm_turned
    ):
        # The palm turned up or down turns the forearm: goniometry of forearm rotation (a
        # palm resting down while the hand lifts is the wrist's starting position).
        context.part = "forearm"
    # A motion names its joint where the words name a neighbour: the wrist deviates, a
    # shoulder rotates with the elbow bent, the neck bends the ear toward the shoulder.
    if context.motion in ("radial deviation", "ulnar deviation"):
        context.part = "wrist"
    elif said.spine and context.motion in _SPINE_MOTIONS:
        context.part = said.spine
    elif context.motion == "lateral flexion" and context.part in ("shoulder", "head", ""):
        context.part = "neck"
    elif context.motion in _SHOULDER_ROTATIONS and context.part in ("elbow", "arm", "hand"):
        context.part = "shoulder"
    elif context.motion in ("abduction", "adduction") and context.part in ("arm", "leg"):
        context.part = "shoulder" if context.part == "arm" else "hip"
    if context.motion in _WRIST_MOTIONS and context.part == "hand":
        # The hand bent back or down, or tipped to the side, moves at the wrist (goniometry
        # of the wrist); the fingers' own joints are named as fingers.
        context.part = "wrist"
