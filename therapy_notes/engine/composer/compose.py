"""Transcript turns -> note tool calls: a note written from the conversation.

The composer is a pure function of the conversation so far: the turns already composed
(`history`, read only for context: the question a new turn answers, the joint being
examined, earlier values to compare with, risks already flagged) and the new turns, which
get calls. Composing the same turns twice gives the same calls, so a response cut short by
`max_output_tokens` can be composed again and only its unsent calls follow.

Risk calls lead every result, so they are never the ones a token limit cuts off.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from therapy_notes.domain.notes import RiskKind
from therapy_notes.domain.tools import ADD_NOTE_ENTRIES, FLAG_RISK, RECORD_MEASUREMENT
from therapy_notes.engine.composer import writing
from therapy_notes.engine.composer.dialogue import (
    Speaker,
    Utterance,
    answer_content,
    has_value,
    is_homework,
    split_speaker,
    utterance_kind,
)
from therapy_notes.engine.composer.measurements import (
    TEST_COUNT_UNITS,
    body_part,
    find_measurements,
    side_of,
)
from therapy_notes.engine.composer.numbers import self_corrected, spoken_numbers_to_digits
from therapy_notes.engine.composer.risks import find_risks, screened_risks
from therapy_notes.engine.composer.roles import sentence_role
from therapy_notes.engine.composer.sections import NoteSection, section_for_role
from therapy_notes.engine.composer.text import clean_sentence, normalise, split_sentences


@dataclass(frozen=True, slots=True)
class ComposerTurn:
    """One finished transcript turn (a user conversation item) and its text.

    The text may start with the speaker's role ("Clinician: ...", "Client: ..."), the way
    the app hands labelled turns to either engine.
    """

    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallSpec:
    """One tool call the composer wants made, and the turns it came from."""

    name: str
    arguments: dict[str, Any]
    source_item_ids: tuple[str, ...] = field(default=())


# Words that name a self-rated scale in a question ("where's your mood, zero to ten?").
_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pain", re.compile(r"\b(pain|hurt\w*|sore\w*|\w*aches?|aching|discomfort)\b")),
    ("mood", re.compile(r"\bmood\b")),
    ("anxiety", re.compile(r"\b(anxiety|anxious|worry|worried|stress\w*|nervous)\b")),
    ("sleep", re.compile(r"\b(sleep\w*|slept|night|nights|bed)\b")),
    ("energy", re.compile(r"\b(energy|fatigue|tired\w*)\b")),
    ("appetite", re.compile(r"\b(appetite|eating|meals?)\b")),
    ("swallowing", re.compile(r"\b(swallow\w*|chok\w*|cough\w* (when|while) (you )?eat)\b")),
    ("exercises", re.compile(r"\b(exercises?|home program|homework|stretches)\b")),
)
_SCALE = re.compile(r"\b(scale|out of (10|ten)|(0|zero) to (10|ten)|rate|rating)\b")
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
    ("extension", re.compile(r"\bextension\b|\bextend\w*|\bstraighten\w*")),
    ("flexion", re.compile(r"\bflexion\b|\bflex\b|\bbend\w*|\b(forward|in front)\b")),
    ("supination", re.compile(r"\bsupinat\w*|\bpalm up\b")),
    ("pronation", re.compile(r"\bpronat\w*|\bpalm down\b")),
)
_EARLIER_TIME = re.compile(
    r"\b(last (week|session|time|visit|month|appointment)|the (week|session|visit) before|"
    r"(\d+|a|two|three|few) (weeks?|months?|days?) ago|at (the|your) (initial |first )?"
    r"(eval\w*|assessment|intake|start)|when (we|you) (started|began|first came)|"
    r"initially|at intake|previously|before (surgery|the surgery|treatment))\b"
)
_EARLIER_BEFORE = re.compile(
    r"(\b(up|down|improved|increased|decreased|went|came|gone) from|\bfrom|\bcompared (to|with)|"
    r"\bversus|\bvs\.?|\bused to be|\bused to (get|have|sleep)|"
    r"\bwas (only |just )?(at |about |around )?|\bwere (only |just )?(at |about |around )?|"
    r"\bhad been)\s*(a |an |about |around |only )?$"
)
_PAST = re.compile(r"\b(was|were|had been|used to|last|ago|before|previously)\b")
_BARE_COPULA = re.compile(r"^\s*\b(was|were)\b")
_POINTS_BACK = re.compile(r"\b(that|it|this|you|she|he|they|i|we)\s*$")
"""A pronoun before "was" points back to what was said before ("that was moderate
assist"): an earlier value; a noun ("the longest block was") is what was just measured."""
_LATER_FROM = re.compile(r"\b(up|down|improved|increased|decreased|better|worse)?\s*from\s+\d")
""""You were 82 percent intelligible, up from 68": the value compared with comes after."""
# The clinician telling what the client did or said, not what they are to do.
_REPORTS_PAST = re.compile(
    r"\b(you've been|you have been|you were|you did|you said|you told|you mentioned|"
    r"last week|earlier)\b"
)
_ANCHOR_ONLY = re.compile(
    r"^\W*(?:on a scale of\s+)?(?:0|zero|1|one)\s+to\s+(?:10|ten|5|five)\W*$|"
    r"^\W*(?:out of (?:10|ten|5|five))\W*$"
)
_DOSE = re.compile(
    r"\b(sets?|reps?|repetitions|times|minutes?|seconds?|a day|daily|each|every|twice|"
    r"after|before|morning|night|evening|hold)\b"
)
# Body words that name no part being examined: "lie back", "come back to", "push against
# my hand" (the clinician's own hand).
_INCIDENTAL_PARTS = re.compile(
    r"\b(?:lie|lay|lying|laying|sit|sitting|lean|leaning|come|coming|go|going|get|bring|"
    r"put|step|roll|head|be|scoot|move|moving|lay it)\s+back\b|\bback\s+(?:to|in|on|up|down|"
    r"and|then|from|again|here|there|home|later|soon)\b|\bmy\s+(?:hand|hands|fingers?|arm|arms)\b|"
    r"\b(?:there|hallway|hall|room|line|door|wall|corner|chair)\s+and\s+back\b"
)
_ANKLE_MOTIONS = frozenset({"dorsiflexion", "plantarflexion", "eversion", "inversion"})
_FORCE_UNITS = ("lb", "kg")
_JOINTS = frozenset(
    {"shoulder", "elbow", "wrist", "hand", "finger", "thumb", "hip", "knee", "ankle", "foot"}
)
"""Places a timed or distance test is done on one side of; not the back or the neck."""
_SIDED_KINDS = frozenset(
    {"range_of_motion", "strength_grade", "pain_score", "duration", "distance", "repetitions"}
)
"""Values measured on one side that the other side is compared with; a count of blocks or
a level of assistance said "on the left" is found by its own words."""
_GOAL = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:goal|goals|target|aim)\b|\b(?:goal|target) (?:is|for)\b"
)
"""A dynamometer's units: a strength reading of a hand or a limb, so it has a place."""
_LIMBS = frozenset({"arm", "leg", "upper extremity", "lower extremity"})
"""Limbs named in passing ("lift your arm") while a joint of them is examined."""
_HOW_IS_IT = re.compile(
    r"\b(feel\w*|been|doing|treating|holding up|behaving|bothering|giving you)\b"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RATING = re.compile(
    r"(?:^|\b(?:a|at|to|about|around|like|maybe|probably|say|call it)\s+(?:a\s+)?)"
    r"(\d+(?:\.\d+)?)\b(?!\s*(?:degrees?|%|percent|seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|years?|times|feet|foot|meters?|yards?|miles?|blocks?|steps?|reps|sets?|pounds?|"
    r"kilos?|o'clock|am\b|pm\b|\.\d|/|out of (?!10|ten)))"
)
# "The right side is twenty", "left's 95", "and 20 on the right": a bare value and a side.
_BARE_SIDE_VALUE = re.compile(
    r"^\W*(?:and\s+)?(?:the\s+)?(?:left|right)(?:\s+side)?(?:'s|\s+is|\s+was|\s+at)\s+"
    r"(?:about\s+|around\s+|at\s+)?\d+(?:\.\d+)?\W*$|"
    r"^\W*(?:and\s+)?\d+(?:\.\d+)?\s+on\s+the\s+(?:left|right)(?:\s+side)?\W*$"
)
_PRESENT = re.compile(r"\b(today|now|this (week|time|session|morning))\b")
_HEDGE_OPEN = re.compile(r"^(i think|i'd say|i would say|i feel like|it seems|i believe)\b")
_RISK_PHRASES = {
    RiskKind.SELF_HARM: "suicidal ideation or self-harm",
    RiskKind.HARM_TO_OTHERS: "thoughts of harming others",
    RiskKind.ABUSE_OR_NEGLECT: "abuse or neglect",
    RiskKind.FALL_RISK: "falls",
}


@dataclass(slots=True)
class _Entry:
    role: str
    text: str
    item_ids: tuple[str, ...]


@dataclass(slots=True)
class _Facts:
    """What one turn adds to the note."""

    entries: list[_Entry] = field(default_factory=list)
    measurements: list[tuple[dict[str, Any], tuple[str, ...]]] = field(default_factory=list)
    risks: list[tuple[RiskKind, str, tuple[str, ...]]] = field(default_factory=list)


@dataclass(slots=True)
class _Context:
    """What the conversation so far says about the next turn."""

    question: tuple[str, str] | None = None
    """The clinician's last unanswered question: (item id, sentence)."""
    part: str = ""
    side: str = ""
    motion: str = ""
    values: dict[tuple[str, str, str, str], tuple[float, str]] = field(default_factory=dict)
    """Latest value per (kind, body part, side, motion), and when it was taken."""
    last: tuple[dict[str, Any], tuple[str, ...]] | None = None
    """The value measured last, which a following "last week it was 90" compares with."""
    flagged: set[RiskKind] = field(default_factory=set)
    denied: set[RiskKind] = field(default_factory=set)
    tested: tuple[str, str] | None = None
    """Limb and side the clinician's last instruction named ("stand on your left leg"), for
    the time or distance reported next; a one-sided test, not the joint talked about."""
    rating: dict[str, Any] | None = None
    """The rating the client is giving ("stairs it's a two, jogging maybe a four"): later
    bare numbers of the same reply rate the same thing."""


def compose(
    turns: Sequence[ComposerTurn],
    sections: Sequence[NoteSection | str],
    *,
    available_tools: Collection[str] | None = None,
    history: Sequence[ComposerTurn] = (),
) -> list[ToolCallSpec]:
    """Note tool calls for the turns since the last response.

    Args:
        turns: new transcript turns, oldest first.
        sections: the template's sections (keys from the tool schema, guidance if known).
        available_tools: names of the tools the session declares; calls to other tools
            are never made. None allows all three note tools.
        history: turns composed by earlier responses, oldest first, read for context only.

    Returns:
        One `flag_risk` per newly stated risk first, then one `add_note_entries` per turn
        with note content, then one `record_measurement` per stated value.
    """
    tools = (
        set(available_tools)
        if available_tools is not None
        else {ADD_NOTE_ENTRIES, RECORD_MEASUREMENT, FLAG_RISK}
    )
    note_sections = [s if isinstance(s, NoteSection) else NoteSection(s) for s in sections]
    context = _Context()
    for turn in history:
        _turn_facts(turn, context)
    risk_calls: list[ToolCallSpec] = []
    entry_calls: list[ToolCallSpec] = []
    measure_calls: list[ToolCallSpec] = []
    for turn in turns:
        facts = _turn_facts(turn, context)
        for kind, evidence, ids in facts.risks:
            risk_calls.append(
                ToolCallSpec(
                    FLAG_RISK,
                    {"kind": kind.value, "evidence": evidence, "source_item_ids": list(ids)},
                    ids,
                )
            )
        entries: list[dict[str, Any]] = []
        cited: list[str] = []
        for entry in facts.entries:
            section = section_for_role(entry.role, note_sections)
            if section is None or not entry.text:
                continue
            if any(e["section"] == section and e["text"] == entry.text for e in entries):
                continue
            entries.append(
                {"section": section, "text": entry.text, "source_item_ids": list(entry.item_ids)}
            )
            cited.extend(i for i in entry.item_ids if i not in cited)
        if entries:
            entry_calls.append(ToolCallSpec(ADD_NOTE_ENTRIES, {"entries": entries}, tuple(cited)))
        for arguments, ids in facts.measurements:
            measure_calls.append(
                ToolCallSpec(RECORD_MEASUREMENT, {**arguments, "source_item_ids": list(ids)}, ids)
            )
    calls: list[ToolCallSpec] = []
    if FLAG_RISK in tools:
        calls.extend(risk_calls)
    if ADD_NOTE_ENTRIES in tools:
        calls.extend(entry_calls)
    if RECORD_MEASUREMENT in tools:
        calls.extend(measure_calls)
    return calls


# --------------------------------------------------------------------------- one turn


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[Speaker, tuple[tuple[str, Utterance], ...]]:
    """A turn's speaker and its sentences with their kinds (cached: history is re-read)."""
    speaker, body = split_speaker(text)
    body = self_corrected(body)
    sentences: list[str] = []
    for sentence in split_sentences(body):
        if sentences and _ANCHOR_ONLY.match(normalise(sentence)):
            # "Pain in the right knee right now. Zero to ten.": the anchors finish the ask.
            sentences[-1] = f"{sentences[-1].rstrip('.!?')}, {sentence}"
        else:
            sentences.append(sentence)
    return speaker, tuple((s, utterance_kind(s, speaker)) for s in sentences)


def _turn_facts(turn: ComposerTurn, context: _Context) -> _Facts:
    speaker, sentences = _sentences(turn.text)
    if speaker is Speaker.CLIENT and context.question is not None and len(sentences) > 1:
        first, kind = sentences[0]
        if len(first.split()) <= 3 and kind not in (Utterance.YES, Utterance.NO):
            merged = f"{first.rstrip('.!')}, {sentences[1][0]}"
            sentences = ((merged, utterance_kind(merged, speaker)), *sentences[2:])
    facts = _Facts()
    answered = False
    for sentence, kind in sentences:
        _remember_place(sentence, context)
        if speaker is Speaker.CLINICIAN and kind is Utterance.INSTRUCTION:
            context.tested = _tested_limb(sentence)
        if speaker is Speaker.CLIENT:
            if context.question is not None and not answered:
                answered = True
                if _answer(sentence, kind, turn.item_id, context, facts):
                    continue
            _client_sentence(sentence, kind, turn.item_id, context, facts)
        elif speaker is Speaker.CLINICIAN:
            _clinician_sentence(sentence, kind, turn.item_id, context, facts)
        else:
            _unlabelled_sentence(sentence, kind, turn.item_id, context, facts)
    if speaker is Speaker.CLIENT and sentences:
        context.question = None
    return facts


_ONE_SIDED = re.compile(
    r"\b(?:on|with|using|off)\s+(?:your|the|one)\s+(left|right)\s+(leg|foot|arm|hand)\b|"
    r"\b(left|right)\s+(leg|foot|arm|hand)\s+only\b"
)


def _tested_limb(sentence: str) -> tuple[str, str] | None:
    """The limb a one-sided test is done on ("stand on your left leg", "hop on the right")."""
    match = _ONE_SIDED.search(normalise(sentence))
    if match is None:
        return None
    side, limb = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    return limb, side


def _remember_place(sentence: str, context: _Context) -> None:
    """The joint, side and motion being talked about carry to sentences that omit them."""
    text = _INCIDENTAL_PARTS.sub(" ", spoken_numbers_to_digits(normalise(sentence)))
    if _BARE_SIDE_VALUE.search(text):
        return  # "The right side is twenty": a comparison, the joint examined stays the same
    part = body_part(text)
    if part in _LIMBS and context.part and context.part not in _LIMBS:
        part = ""
    if part:
        if part != context.part:
            context.motion = ""
        context.part = part
        context.side = side_of(text) or (context.side if part == context.part else "")
    elif side_of(text):
        context.side = side_of(text)
    for motion, pattern in _MOTIONS:
        if pattern.search(text):
            context.motion = motion
            break
    if context.motion in _ANKLE_MOTIONS and context.part in ("toe", "foot", ""):
        # Toes pulled up or pointed move the ankle: that is the joint measured.
        context.part = "ankle"


# --------------------------------------------------------------------------- speakers


def _client_sentence(
    sentence: str, kind: Utterance, item_id: str, context: _Context, facts: _Facts
) -> None:
    if kind in (Utterance.QUESTION, Utterance.GREETING, Utterance.ACKNOWLEDGEMENT):
        return
    if kind in (Utterance.YES, Utterance.NO) and len(sentence.split()) <= 4:
        return  # "Nothing like that." after the answer: the answer already said it
    ids = (item_id,)
    stated = find_risks(sentence, first_person=True)
    if stated:
        for risk in _new_risks(stated, context):
            facts.risks.append((risk, writing.client_quote(sentence, lead="Client states"), ids))
            facts.entries.append(_risk_summary(risk, ids))
        facts.entries.append(
            _Entry("subjective", writing.client_quote(sentence, lead="Client states"), ids)
        )
        return
    found = _measurements(sentence, context, ids, facts)
    if not found and context.rating is not None:
        number = _bare_rating_number(spoken_numbers_to_digits(normalise(sentence)))
        if number is not None and float(number.group(0)) <= 10:
            m = {**context.rating, "value": _value(number.group(0))}
            _record(m, ids, context, facts)
            found = [m]
    if len(sentence.split()) < 3 and not found:
        return
    role = "response" if sentence_role(sentence) == "response" else "subjective"
    if found and len(sentence.split()) <= 8 and all(m["kind"] != "other" for m in found):
        for m in found:
            facts.entries.append(
                _Entry(
                    role, writing.measurement_text(m, self_rated=True, motion=context.motion), ids
                )
            )
        return
    facts.entries.append(_Entry(role, writing.client_report(sentence), ids))


def _clinician_sentence(
    sentence: str, kind: Utterance, item_id: str, context: _Context, facts: _Facts
) -> None:
    ids = (item_id,)
    if kind is Utterance.QUESTION:
        context.question = (item_id, sentence)
        context.rating = None
        return
    if context.question is not None and context.question[0] == item_id and _is_reply(sentence):
        # A quick reply run into the clinician's turn ("How are you sleeping? Five hours,
        # maybe."): the answer is the client's, whatever the turn's label says.
        reply_kind = utterance_kind(sentence, Speaker.CLIENT)
        handled = _answer(sentence, reply_kind, item_id, context, facts)
        context.question = None
        if handled:
            return
    if kind in (Utterance.GREETING, Utterance.ACKNOWLEDGEMENT, Utterance.INSTRUCTION):
        return
    # Risk is read from every statement, whoever the label says spoke: a label can be
    # wrong, and a clinician's own account ("she marked better off dead") states it too.
    stated = find_risks(sentence)
    if stated:
        for risk in _new_risks(stated, context):
            facts.risks.append((risk, clean_sentence(sentence), ids))
            facts.entries.append(_risk_summary(risk, ids))
    role = sentence_role(sentence)
    if role != "plan" and is_homework(sentence) and not _REPORTS_PAST.search(normalise(sentence)):
        role = "plan"
    last = facts.entries[-1] if facts.entries else None
    if (
        last is not None
        and last.role == "plan"
        and last.item_ids == ids
        and len(sentence.split()) <= 8
        and _DOSE.search(normalise(sentence))
    ):
        # "Keep the heel slides going. Two sets of fifteen. Twice a day.": the dose of the
        # plan just given, not a measurement of today.
        joint = ": " if ":" not in last.text else "; "
        last.text = f"{last.text.rstrip('.')}{joint}{writing.dose(sentence)}."
        return
    if role == "plan":
        facts.entries.append(_Entry("plan", writing.plan_item(sentence), ids))
        return
    found = _measurements(sentence, context, ids, facts, timed=True) or _other_side(
        sentence, context, ids, facts
    )
    if not found and (
        _earlier_bare_value(sentence, context, ids, facts)
        or _earlier_only(sentence, context, ids, facts)
    ):
        return
    if found:
        for m in found:
            if m["kind"] in ("pain_score", "mood_score"):
                text = writing.measurement_text(m, self_rated=True)
            else:
                text = writing.measurement_text(m, motion=context.motion)
            facts.entries.append(_Entry("objective", text, ids))
        return
    if len(sentence.split()) < 6:
        return  # "That is a big deal.": a remark to the client, not a finding
    if role == "intervention":
        facts.entries.append(_Entry("intervention", writing.intervention(sentence), ids))
    elif role in ("assessment", "response", "goals"):
        facts.entries.append(_Entry(role, writing.clinician_statement(sentence), ids))
    elif _HEDGE_OPEN.match(normalise(sentence)):
        facts.entries.append(_Entry("assessment", writing.clinician_statement(sentence), ids))
    else:
        facts.entries.append(_Entry("objective", writing.clinician_statement(sentence), ids))


def _unlabelled_sentence(
    sentence: str, kind: Utterance, item_id: str, context: _Context, facts: _Facts
) -> None:
    """Dictation, or a voice not yet told apart: the words are kept as they were said."""
    if kind in (Utterance.QUESTION, Utterance.GREETING, Utterance.ACKNOWLEDGEMENT):
        return
    ids = (item_id,)
    role = sentence_role(sentence)
    measurements = [] if role == "plan" else find_measurements(sentence)
    risks = _new_risks(find_risks(sentence), context)
    if len(sentence.split()) < 3 and not measurements and not risks:
        return
    for risk in risks:
        facts.risks.append((risk, clean_sentence(sentence), ids))
    for m in measurements:
        facts.measurements.append(({k: v for k, v in m.items() if k != "name"}, ids))
    last = facts.entries[-1] if facts.entries else None
    if last is not None and last.role == role and last.item_ids == ids:
        last.text = f"{last.text} {clean_sentence(sentence)}"
    else:
        facts.entries.append(_Entry(role, clean_sentence(sentence), ids))


def _is_reply(sentence: str) -> bool:
    """A yes/no, or a short sentence with a value: what an answer sounds like.

    A scale's anchors ("Zero to ten.") after the question are still the question.
    """
    words = sentence.split()
    kind = utterance_kind(sentence, Speaker.CLIENT)
    if kind in (Utterance.YES, Utterance.NO):
        return True
    return len(words) <= 9 and has_value(normalise(sentence))


# --------------------------------------------------------------------------- answers


def _answer(sentence: str, kind: Utterance, item_id: str, context: _Context, facts: _Facts) -> bool:
    """Turn the clinician's question and this first sentence of the reply into one fact.

    Returns False when the reply does not answer the question as a fact (the sentence is
    then written as an ordinary statement).
    """
    assert context.question is not None
    question_id, question = context.question
    ids = (question_id, item_id)
    answer = normalise(sentence)
    screened = screened_risks(question)
    if screened:
        return _screen_answer(sentence, kind, screened, ids, context, facts)
    q = normalise(question)
    topic = next((name for name, pattern in _TOPICS if pattern.search(q)), "")
    how_many = _HOW_MANY.search(q)
    if how_many is not None and how_many.group(1) not in ("hours", "minutes"):
        topic = ""  # "How many headaches...?" counts them; it does not rate the pain
    number = re.search(r"\d+(?:\.\d+)?", spoken_numbers_to_digits(answer))
    if not topic and body_part(spoken_numbers_to_digits(q)) and _HOW_IS_IT.search(q):
        # "How's the left ankle feeling?": a number the client gives it is how much it
        # hurts, if it is said as a rating ("like a two"), not a count or a distance.
        topic = "pain"
        number = _bare_rating_number(spoken_numbers_to_digits(answer))
    if (
        number is not None
        and topic in ("pain", "mood", "anxiety", "energy")
        and (_SCALE.search(q) or topic == "pain")
    ):
        value = _value(number.group(0))
        if value <= 10:
            m: dict[str, Any] = {"kind": "pain_score", "value": value, "unit": "/10"}
            if topic == "pain":
                part = (
                    body_part(spoken_numbers_to_digits(q))
                    or ("head" if "headache" in q else "")
                    or context.part
                )
                side = side_of(spoken_numbers_to_digits(q)) or (context.side if part else "")
                if part:
                    m["body_part"] = part
                if side:
                    m["side"] = side
            elif topic == "mood":
                m = {"kind": "mood_score", "value": value, "unit": "/10"}
            else:
                m = {"kind": "other", "value": value, "unit": "/10", "name": topic}
            _record(m, ids, context, facts)
            if m["kind"] == "pain_score":
                context.rating = m
            text = (
                writing.measurement_text(m, self_rated=True)
                if m["kind"] != "other"
                else writing.client_report(f"{topic} is {value} out of 10")
            )
            facts.entries.append(_Entry("subjective", text, ids))
            rest = _after_number(sentence)
            earlier = _earlier_number(rest)
            if earlier is not None and m["kind"] != "other":
                progress = writing.progress_text(m, earlier, when=_when(normalise(rest)))
                facts.entries.append(_Entry("assessment", progress, ids))
            elif m["kind"] == "pain_score" and _more_ratings(rest, m, ids, context, facts):
                pass  # "a three in the morning, a five by evening": each is a rating
            elif len(rest.split()) >= 4:
                facts.entries.append(_Entry("subjective", writing.client_report(rest), ids))
            return True
    if number is not None and not topic and kind is not Utterance.NO:
        counted = _counted(sentence, q, number, ids, context, facts)
        if counted:
            return True
    if number is not None and topic == "sleep" and re.search(r"\bhours?\b|^\W*\w+\W*\d", answer):
        m = {"kind": "duration", "value": _value(number.group(0)), "unit": "hours"}
        _record(m, ids, context, facts)
        facts.entries.append(_Entry("subjective", _topic_report("sleep", sentence), ids))
        return True
    if kind in (Utterance.YES, Utterance.NO) and _is_yes_no(q):
        phrase = _question_phrase(question)
        if not phrase:
            return False
        extra = answer_content(sentence)
        extra = re.sub(
            r"^(?:i do|i have|i am|i did|i don't|i haven't|i'm not|i didn't)\b\W*",
            "",
            extra,
            flags=re.IGNORECASE,
        )
        if kind is Utterance.NO:
            text = clean_sentence(f"Client denies {phrase}")
        else:
            text = clean_sentence(f"Client reports {phrase}")
        if len(extra.split()) >= 2:
            detail = writing.client_report(extra)[len("Client reports ") :].rstrip(".")
            text = clean_sentence(f"{text.rstrip('.')}: {detail}")
        _measurements(sentence, context, ids, facts)
        facts.entries.append(_Entry("subjective", text, ids))
        return True
    words = answer.split()
    if topic and len(words) <= 5 and number is None and kind is Utterance.STATEMENT:
        detail = writing.client_report(sentence)[len("Client reports ") :].rstrip(".")
        if detail:
            facts.entries.append(
                _Entry("subjective", clean_sentence(f"Client describes {topic} as {detail}"), ids)
            )
            return True
    return False


_HOW_MANY = re.compile(r"\bhow many\s+(\w+)")
_RATED_THING = re.compile(
    r"\bhow\s+(?:strong|bad|intense|severe|big|high|loud|hard|much)\s+(?:was|is|were|are|did)\s+"
    r"((?:the|your)\s+[\w ]+?)(?:\s*,|\s+(?:on|from|zero|0)\b|\?|$)"
)
_PERIOD = re.compile(
    r"\b(this week|this past week|last week|since (?:last time|we last met|our last session)|"
    r"per week|a week|each week|last night|a night|per night|today|this month)\b"
)


def _counted(
    sentence: str,
    question: str,
    number: re.Match[str],
    ids: tuple[str, ...],
    context: _Context,
    facts: _Facts,
) -> bool:
    """An answer to "how many ...?" or to a zero-to-ten rating of anything: one value.

    Clinicians count what they track (panic attacks, nights with nightmares, drinks, words
    found) and rate what the client feels on the same scale; the number the client gives is
    the fact, the question names it.
    """
    digits = spoken_numbers_to_digits(normalise(sentence))
    rating = _bare_rating_number(digits) or number
    how_many = _HOW_MANY.search(question)
    if how_many is not None:
        value = _value(number.group(0))
        noun = how_many.group(1)
        m: dict[str, Any] = {"kind": "other", "value": value, "unit": noun}
        _record(m, ids, context, facts)
        period = _PERIOD.search(question)
        when = f" {period.group(1)}" if period is not None else ""
        text = clean_sentence(f"Client reports {_number_text(value)} {noun}{when}")
        facts.entries.append(_Entry("subjective", text, ids))
        return True
    value = _value(rating.group(0))
    if _SCALE.search(question) and float(value) <= 10:
        rated = _RATED_THING.search(question)
        thing = rated.group(1) if rated is not None else "it"
        thing = re.sub(r"\byour\b", "their", thing.strip())
        m = {"kind": "other", "value": value, "unit": "/10", "name": thing}
        _record(m, ids, context, facts)
        text = clean_sentence(f"Client rates {thing} {_number_text(value)}/10")
        facts.entries.append(_Entry("subjective", text, ids))
        return True
    return False


def _number_text(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _topic_report(topic: str, sentence: str) -> str:
    """An answer that leaves its subject to the question ("Not great, maybe four hours")."""
    report = writing.client_report(sentence)
    if re.match(r"^Client reports (they|their|the|it|its|this|that|she|he)\b", report):
        return report
    detail = report[len("Client reports ") :]
    return clean_sentence(f"{topic.capitalize()}: client reports {detail}")


def _screen_answer(
    sentence: str,
    kind: Utterance,
    screened: list[RiskKind],
    ids: tuple[str, ...],
    context: _Context,
    facts: _Facts,
) -> bool:
    """A reply to a risk screen: a denial is documented, anything else is flagged."""
    stated = find_risks(sentence, first_person=True)
    if kind is Utterance.NO and not stated:
        for risk in screened:
            if risk in context.denied:
                continue
            context.denied.add(risk)
            facts.entries.append(
                _Entry(
                    "assessment",
                    clean_sentence(f"Client denies {_RISK_PHRASES[risk]} when screened"),
                    ids,
                )
            )
        return True
    kinds = _new_risks(stated or screened, context)
    question = context.question[1] if context.question else ""
    evidence = clean_sentence(f'Asked "{question.strip()}", client answered "{sentence.strip()}"')
    for risk in kinds:
        facts.risks.append((risk, evidence, ids))
        facts.entries.append(_risk_summary(risk, ids))
    facts.entries.append(
        _Entry(
            "subjective", writing.client_quote(sentence, lead="When screened, client states"), ids
        )
    )
    return True


def _is_yes_no(question: str) -> bool:
    return bool(
        re.match(
            r"^(?:\W*(?:okay|ok|so|and|now|alright|right)\W+)*(?:do|does|did|are|is|was|were|"
            r"have|has|had|can|could|would|will|any|anything|been)\b",
            question,
        )
    )


def _question_phrase(question: str) -> str:
    """A yes/no question as the thing asked about.

    "Any numbness or tingling?" -> "numbness or tingling"; "Have you been doing your
    exercises?" -> "doing their exercises".
    """
    text = normalise(question).strip().rstrip("?.! ")
    text = re.sub(r"^(?:\W*(?:okay|ok|so|and|now|alright|right)\W+)*", "", text)
    text = re.sub(
        r"^(?:do|does|did|are|is|was|were|have|has|had|can|could|would|will)\s+"
        r"(?:you|it|that|there|things|anything|anyone)\s+(?:been\s+|ever\s+|still\s+|also\s+)*",
        "",
        text,
    )
    text = re.sub(r"^(?:any|anything|been)\s+", "", text)
    text = re.sub(r"^(?:get|got|have|had)\s+a\s+chance\s+to\s+", "", text)
    text = re.sub(r"^(?:have|get|got|notice|noticed|feel|had)\s+(?:any\s+)?", "", text)
    text = re.sub(r",?\s*(?:at all|lately|recently|this week|since (?:last|we) \w+)$", "", text)
    text = re.sub(r"\byour\b", "their", text)
    text = re.sub(r"\byourself\b", "themselves", text)
    text = re.sub(r"\byou\b", "they", text)
    return spoken_numbers_to_digits(text).strip()


def _earlier_number(text: str) -> float | None:
    """The value in "last week it was around a six", if the text gives one."""
    digits = spoken_numbers_to_digits(normalise(text))
    number = re.search(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
    if number is None or not _EARLIER_TIME.search(digits):
        return None
    return float(number.group(0))


def _after_number(sentence: str) -> str:
    text = spoken_numbers_to_digits(sentence)
    match = re.search(r"\d+(?:\.\d+)?(?:\s*(?:out of|/)\s*\d+)?", text)
    if match is None:
        return ""
    return text[match.end() :].strip(" ,.;-")


# --------------------------------------------------------------------------- values


def _measurements(
    sentence: str,
    context: _Context,
    ids: tuple[str, ...],
    facts: _Facts,
    *,
    timed: bool = False,
) -> list[dict[str, Any]]:
    """Today's values in a sentence (context filled in); earlier ones only remembered.

    With `timed` (the clinician reporting a result), a time or distance takes the limb and
    side of the test just given.
    """
    digits = spoken_numbers_to_digits(normalise(sentence))
    if _GOAL.search(digits):
        return []  # "Goal for the next two weeks: eight out of ten": not today's value
    found = find_measurements(sentence)
    today: list[dict[str, Any]] = []
    for i, m in enumerate(found):
        last = context.last[0] if context.last is not None else None
        if (
            m["kind"] == "other"
            and m.get("unit") == "/5"
            and last is not None
            and last["kind"] == "strength_grade"
        ):
            # "The left is five out of five", after a grip grade: the same test.
            m = {**m, "kind": "strength_grade", "body_part": last.get("body_part", "")}
            side = side_of(digits)
            if side:
                m["side"] = side
            found[i] = m
        located = m["kind"] in ("range_of_motion", "strength_grade", "pain_score") or m.get(
            "unit"
        ) in (*_FORCE_UNITS, *TEST_COUNT_UNITS)
        if located and not m.get("body_part") and context.part:
            m = {**m, "body_part": context.part}
        if timed and m["kind"] in ("duration", "distance") and not m.get("body_part"):
            # "Stand on your left leg... Eleven seconds.": the limb and side the test
            # instruction just named, or the joint being examined.
            if context.tested is not None:
                part, side = context.tested
                m = {**m, "body_part": part, "side": side}
            elif context.part in _JOINTS:
                m = {**m, "body_part": context.part}
                located = True
        if located and m.get("body_part") == context.part and context.side and not m.get("side"):
            # The side was said once for the joint ("on the right"), not with every value.
            m = {**m, "side": context.side}
        if _is_earlier(m, digits, _count_numbers(digits)):
            context.values[_key(m, context)] = (float(m["value"]), _when(digits))
            continue
        today.append(m)
    for m in today:
        _record(m, ids, context, facts)
    if today:
        # "..., down from 19", "you were at 30 last visit": the earlier value said with
        # today's, as a bare number.
        values = {float(m["value"]) for m in found}
        first = today[0]
        for said in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits):
            value = float(said.group(0))
            if value in values:
                continue
            before = digits[max(0, said.start() - 30) : said.start()]
            after = digits[said.end() : said.end() + 40]
            if _EARLIER_BEFORE.search(before) or _EARLIER_TIME.match(after.strip(" ,")):
                progress = writing.progress_text(
                    first, value, motion=_motion(first, context), when=_when(digits)
                )
                facts.entries.append(_Entry("assessment", progress, ids))
                break
    return today


def _more_ratings(
    rest: str, m: dict[str, Any], ids: tuple[str, ...], context: _Context, facts: _Facts
) -> bool:
    """Further ratings of the same thing later in the answer, each recorded; any found?"""
    digits = spoken_numbers_to_digits(normalise(rest))
    if _PAST.search(digits):
        return False  # "it was more like a five when I came in": not today's
    found = False
    for said in _RATING.finditer(digits):
        value = _value(said.group(1))
        if float(value) <= 10:
            again = {**m, "value": value}
            _record(again, ids, context, facts)
            facts.entries.append(
                _Entry("subjective", writing.measurement_text(again, self_rated=True), ids)
            )
            found = True
    return found


def _bare_rating_number(digits: str) -> re.Match[str] | None:
    """The number of a spoken rating ("like a two", "maybe a four", "about 3"), if any."""
    rating = _RATING.search(digits)
    return None if rating is None else _NUMBER.search(digits, rating.start(1))


def _other_side(
    sentence: str, context: _Context, ids: tuple[str, ...], facts: _Facts
) -> list[dict[str, Any]]:
    """The same test on the other side, said without its unit ("The right side is twenty.")."""
    if context.last is None:
        return []
    digits = spoken_numbers_to_digits(normalise(sentence))
    numbers = re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
    side = side_of(digits)
    last = context.last[0]
    if len(numbers) != 1 or side not in ("left", "right") or side == last.get("side"):
        return []
    if last["kind"] not in _SIDED_KINDS and last.get("unit") not in (
        *_FORCE_UNITS,
        *TEST_COUNT_UNITS,
    ):
        return []
    if _EARLIER_TIME.search(digits) or not _BARE_SIDE_VALUE.search(digits):
        return []
    m = {**last, "value": _value(numbers[0]), "side": side}
    _record(m, ids, context, facts)
    return [m]


def _earlier_bare_value(
    sentence: str, context: _Context, ids: tuple[str, ...], facts: _Facts
) -> bool:
    """An earlier value of what was just measured ("last week you were at ninety")."""
    digits = spoken_numbers_to_digits(normalise(sentence))
    number = re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", digits)
    if len(number) != 1 or not _EARLIER_TIME.search(digits) or context.last is None:
        return False
    last, last_ids = context.last
    earlier = float(number[0])
    facts.entries.append(
        _Entry(
            "assessment",
            writing.progress_text(
                {**last, "value": earlier},
                float(last["value"]),
                motion=context.motion if last["kind"] == "range_of_motion" else "",
                when=_when(digits),
                reverse=True,
            ),
            (*last_ids, *ids),
        )
    )
    return True


def _earlier_only(sentence: str, context: _Context, ids: tuple[str, ...], facts: _Facts) -> bool:
    """The comparison said after today's value ("two weeks ago you were at 50 percent")."""
    if context.last is None:
        return False
    last, last_ids = context.last
    found = find_measurements(sentence)
    same = [m for m in found if m["kind"] == last["kind"] and m.get("unit") == last.get("unit")]
    digits = spoken_numbers_to_digits(normalise(sentence))
    if len(same) != 1 or not _EARLIER_TIME.search(digits):
        return False
    progress = writing.progress_text(
        {**last, "value": same[0]["value"]},
        float(last["value"]),
        motion=_motion(last, context),
        when=_when(digits),
        reverse=True,
    )
    facts.entries.append(_Entry("assessment", progress, (*last_ids, *ids)))
    return True


def _record(m: dict[str, Any], ids: tuple[str, ...], context: _Context, facts: _Facts) -> None:
    key = _key(m, context)
    earlier = context.values.get(key)
    facts.measurements.append(({k: v for k, v in m.items() if k != "name"}, ids))
    if earlier is not None and m["kind"] in (
        "range_of_motion",
        "strength_grade",
        "pain_score",
        "mood_score",
        "assistance_level",
    ):
        facts.entries.append(
            _Entry(
                "assessment",
                writing.progress_text(
                    m,
                    earlier[0],
                    motion=context.motion if m["kind"] == "range_of_motion" else "",
                    when=earlier[1],
                ),
                ids,
            )
        )
    context.values[key] = (float(m["value"]), "")
    context.last = (m, ids)


def _key(m: dict[str, Any], context: _Context) -> tuple[str, str, str, str]:
    motion = context.motion if m["kind"] == "range_of_motion" else ""
    return (str(m["kind"]), str(m.get("body_part", "")), str(m.get("side", "")), motion)


def _count_numbers(text: str) -> int:
    return len(re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", text))


def _motion(m: dict[str, Any], context: _Context) -> str:
    return context.motion if m["kind"] == "range_of_motion" else ""


def _is_earlier(m: dict[str, Any], text: str, count: int) -> bool:
    """A value said for comparison ("up from 90 last week") is not today's."""
    value = m["value"]
    number = str(int(value)) if float(value).is_integer() else str(value)
    for match in re.finditer(rf"(?<![\d.]){re.escape(number)}(?![\d])", text):
        before = text[max(0, match.start() - 30) : match.start()]
        after = text[match.end() : match.end() + 40]
        earlier = _EARLIER_BEFORE.search(before)
        said = earlier.group(0) if earlier is not None else ""
        bare = _BARE_COPULA.search(said) is not None
        points_back = (
            bare
            and not _PRESENT.search(text)
            and _POINTS_BACK.search(before[: len(before) - len(said)]) is not None
        )
        if earlier is not None and not (
            bare
            and (
                _LATER_FROM.search(text[match.end() :])
                or not (_EARLIER_TIME.search(text) or points_back)
            )
        ):
            # "was 90" is earlier only if the sentence says when; "the longest block was
            # about three seconds" is today's.
            return True
        if re.match(r"^\s*(degrees?|/\s*\d+|out of \d+|%|percent|hours?|feet)?\W*", after) and (
            _EARLIER_TIME.match(
                re.sub(
                    r"^\s*(degrees?|/\s*\d+|out of \d+|%|percent|hours?|feet)?"
                    r"\W*",
                    "",
                    after,
                )
            )
        ):
            return True
    return count == 1 and bool(_EARLIER_TIME.search(text)) and not _PRESENT.search(text)


def _when(text: str) -> str:
    match = _EARLIER_TIME.search(text)
    return match.group(0) if match is not None else ""


def _value(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() else number


# --------------------------------------------------------------------------- risks


def _new_risks(kinds: Sequence[RiskKind], context: _Context) -> list[RiskKind]:
    """Risks not flagged before in this session (one flag per kind to acknowledge)."""
    fresh = [k for k in kinds if k not in context.flagged]
    context.flagged.update(fresh)
    return fresh


def _risk_summary(risk: RiskKind, ids: tuple[str, ...]) -> _Entry:
    return _Entry(
        "assessment",
        clean_sentence(
            f"Risk: client's statements indicate {_RISK_PHRASES[risk]}; flagged for clinician "
            "review and safety planning"
        ),
        ids,
    )
