"""Risk in the note: one flag per kind, its assessment line, and replies to a risk screen.

`risks` finds a risk in the words; this module decides what the note does with it. A
kind is flagged once a session, with a summary entry for the clinician's review; a "no"
to a screening question is a documented denial (once per kind), and any other reply to
one is flagged with the question and answer as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer import writing
from therapy_notes.engine.composer.dialogue import Utterance
from therapy_notes.engine.composer.facts import Context, Entry, Facts
from therapy_notes.engine.composer.risks import find_risks
from therapy_notes.engine.composer.text import clean_sentence, normalise

_RISK_PHRASES = {
    RiskKind.SELF_HARM: "suicidal ideation or self-harm",
    RiskKind.HARM_TO_OTHERS: "thoughts of harming others",
    RiskKind.ABUSE_OR_NEGLECT: "abuse or neglect",
    RiskKind.FALL_RISK: "falls",
}


# A screen that asks past the thought, for intent or a plan (C-SSRS items 3 to 5: "any
# thoughts of actually killing yourself, or of how you might do it?"). Its denial is of
# those, and sits beside a passive wish already told without contradicting it.
_ASKS_INTENT_OR_PLAN = re.compile(
    r"\b(?:plan|plans|planned|planning|how\s+you\s+(?:might|would|could|will)\s+do\s+it|method|"
    r"intent\w*|intend\w*|act(?:ed|ing)?\s+on|actually\s+(?:kill\w*|end\w*|do\w*|hurt\w*)|"
    r"going\s+to\s+(?:do\s+it|kill|end|act))\b"
)
_INTENT_OR_PLAN_PHRASES = {
    RiskKind.SELF_HARM: "active suicidal ideation, intent or a plan",
    RiskKind.HARM_TO_OTHERS: "intent or a plan to harm others",
}


def _denied_phrase(risk: RiskKind, question: str) -> str:
    """What a denial denies: what the screen asked (the thought, or intent and a plan)."""
    if risk in _INTENT_OR_PLAN_PHRASES and _ASKS_INTENT_OR_PLAN.search(question):
        return _INTENT_OR_PLAN_PHRASES[risk]
    return _RISK_PHRASES[risk]


_ASKS_SAFE = re.compile(r"\bsafe\b")
_FEELS_SAFE = re.compile(
    r"\b(?:feel|am|i'm|totally|completely|perfectly|very|quite)\s+(?:\w+\s+)?safe\b"
)
_NOT_SAFE = re.compile(
    r"\b(?:not|don't|do not|never|no longer|isn't|wouldn't)\s+(?:\w+\s+){0,2}safe\b|\bunsafe\b"
)


# What a reply to a screening question may open with before its answer: an exclamation or
# a hedge ("God, no.", "Honestly, no.", "Lord, no.").
_OPENER = (
    r"(?:(?:oh|ah|aw|och|ach|hmm+|mm+|oh my god|my god|god|gosh|lord|heavens|goodness|jeez|geez|"
    r"honestly|truthfully|"
    r"thankfully|luckily|fortunately|um+|uh+|er+m?|well|look|so|and|but|no|nope|ma'am|sir)"
    r"(?:\W+|$))*"
)
# A denial is said in many more ways than "no": a negative word first ("Nothing like that",
# "Nobody", "Not once", "Never"), an emphatic negative ("Absolutely not", "Of course not",
# "Hell no"), or a main clause whose verb is negated ("I would never", "I wouldn't do that to
# my kids", "It's never crossed my mind", "That's not me", "I'm not suicidal"). Screening
# guidance (C-SSRS, ASQ) scores any of these as a "no" to the item.
_DENIAL_FORM = re.compile(
    rf"^{_OPENER}(?:"
    r"(?:no|nope|nah|never|not|none|nothing|nobody|no one|noone|neither|nor|zero)\b|"
    r"(?:absolutely|definitely|certainly|of course|surely|hell|heck|god|gosh|lord|honestly)"
    r"\W+(?:not|no)\b|"
    r"(?:i|it|that|this|nobody|no one|he|she|they|we)(?:'s|'d|'ve|'m|'ll|'re|\s+would|"
    r"\s+could|\s+will|\s+have|\s+has|\s+am|\s+is|\s+do|\s+did|\s+does|\s+was)?"
    r"\s+(?:\w+\s+)?(?:never|not)\b|"
    r"(?:i|it|that|this|he|she|they|we)\s+(?:wouldn't|couldn't|won't|haven't|hasn't|hadn't|"
    r"don't|doesn't|didn't|isn't|wasn't|aren't|weren't|can't|cannot)\b"
    r")"
)
# Negative in form, yes in substance: uncertainty ("I'm not sure"), a thought that will not
# go away ("I can't stop thinking about it"), a yes with a limit ("Not that I'd act on",
# "Not every day", "Not as often"), or a disclosure kept secret ("I never told anyone").
_NOT_A_DENIAL = re.compile(
    r"\bnot\s+(?:really\s+)?(?:sure|certain)\b|\bdon't know\b|\bdo not know\b|"
    r"\b(?:can't|cannot|couldn't|won't|haven't been able to|not able to)\s+(?:\w+\s+)?"
    r"(?:stop|shake|quit|get (?:it|them|that|those) out)\b|"
    r"\bnot that (?:i|i'd|i would|i will|i'll|i'm)\b|"
    r"\bnot\s+(?:as|so)\s+(?:much|often|bad|strong|many)\b|"
    r"\bnot\s+(?:every|all the|each)\b|\bnot\s+(?:yet|until|right now|today)\b|"
    r"\bnever\s+(?:told|said|mentioned|admitted)\b|\bno (?:more|less|longer) than\b|"
    r"\bnot (?:anymore|any more) (?:than|since)\b|\bnot (?:only|just)\b|"
    # A no taken back in part: "Not really, I mean, maybe once or twice", "No, but the
    # thought is there", "Nothing I'd act on, but sometimes". Screening scores these as a yes
    # to be explored, not a denial.
    r"\b(?:maybe|perhaps|possibly|probably)\b(?![^.?!]{0,20}\b(?:not|never)\b)|"
    r"^\W*(?:no|nah|not really)\W+(?:well\W+)?(?:sometimes|occasionally)\b|"
    r"\b(?:once or twice|a few times|a couple (?:of )?times|now and (?:then|again)|"
    r"here and there|on and off|off and on|from time to time|every so often|occasionally|"
    r"kind of|kinda|sort of|sorta|a little|a bit|in a way|i guess|i suppose)\b|"
    r"\b(?:but|except|although|though)\b[^.?!]{0,60}?\b(?:sometimes|the thoughts?|"
    r"thought (?:about|of) it|think (?:about|of) it|thinking (?:about|of) it|crossed my mind|"
    r"crosses my mind|pops? (?:up|into)|comes? (?:up|back)|there are (?:times|days|nights)|"
    r"some (?:days|nights|times)|at times|lately|recently|last (?:week|night|month))\b"
)


def is_denial(sentence: str) -> bool:
    """Whether a reply says no to the question before it, in any of the ways people do."""
    text = normalise(sentence).strip()
    return _DENIAL_FORM.match(text) is not None and _NOT_A_DENIAL.search(text) is None


def is_screen_reply(sentence: str, kind: Utterance) -> bool:
    """Whether a sentence answers a risk screen: a yes or no, a risk, or safety."""
    return (
        kind in (Utterance.YES, Utterance.NO)
        or is_denial(sentence)
        or bool(find_risks(sentence, first_person=True))
        or _ASKS_SAFE.search(normalise(sentence)) is not None
    )


def new_risks(kinds: Sequence[RiskKind], context: Context) -> list[RiskKind]:
    """Risks not flagged before in this session (one flag per kind to acknowledge)."""
    fresh = [k for k in kinds if k not in context.flagged]
    context.flagged.update(fresh)
    return fresh


def flag_stated(
    sentence: str,
    ids: tuple[str, ...],
    context: Context,
    facts: Facts,
    stated: Sequence[RiskKind] | None = None,
) -> bool:
    """Flag the risks a client's sentence states, with the sentence quoted as evidence.

    Whatever else the sentence is (an answer to a rating, a yes or no), risk in it is never
    left for the rest of the sentence's reading to drop. `stated` is what the caller found,
    when it read more than the sentence (a thought owned by reference).
    """
    if stated is None:
        stated = find_risks(sentence, first_person=True, spoken_of=context.spoken_of)
    if not stated:
        return False
    quote = writing.client_quote(sentence, lead="Client states")
    for risk in new_risks(stated, context):
        facts.risks.append((risk, quote, ids))
        facts.entries.append(risk_summary(risk, ids))
    facts.entries.append(Entry("subjective", quote, ids))
    return True


def risk_summary(risk: RiskKind, ids: tuple[str, ...]) -> Entry:
    """The assessment entry that goes with a risk flag."""
    return Entry(
        "assessment",
        clean_sentence(
            f"Risk: client's statements indicate {_RISK_PHRASES[risk]}; flagged for clinician "
            "review and safety planning"
        ),
        ids,
    )


def screen_answer(
    sentence: str,
    kind: Utterance,
    screened: list[RiskKind],
    ids: tuple[str, ...],
    context: Context,
    facts: Facts,
) -> bool:
    """A reply to a risk screen: a denial is documented, anything else is flagged.

    A screen for safety at home asks the other way round ("Do you feel safe there?"): a
    yes, or "I feel safe", is the denial, and a no is what is flagged.
    """
    stated = find_risks(sentence, first_person=True)
    question = normalise(context.question[1]) if context.question else ""
    if RiskKind.ABUSE_OR_NEGLECT in screened and _ASKS_SAFE.search(question):
        text = normalise(sentence)
        unsafe = kind is Utterance.NO or _NOT_SAFE.search(text) is not None
        if not unsafe and (kind is Utterance.YES or _FEELS_SAFE.search(text)):
            kind = Utterance.NO
        elif unsafe:
            kind = Utterance.YES
    elif is_denial(sentence):
        # Safety first: a reply that says no in any words is documented as a denial, never
        # flagged; a risk it goes on to state ("No, but I've been cutting") is still flagged.
        kind = Utterance.NO
    elif kind is Utterance.NO and _NOT_A_DENIAL.search(normalise(sentence)):
        kind = Utterance.STATEMENT  # "I don't know, maybe.": not a no, so it is reviewed
    if kind is Utterance.NO and not stated:
        for risk in screened:
            if risk in context.denied:
                continue
            context.denied.add(risk)
            denied = _denied_phrase(risk, question)
            facts.entries.append(
                Entry("assessment", clean_sentence(f"Client denies {denied} when screened"), ids)
            )
        return True
    kinds = new_risks(stated or screened, context)
    question = context.question[1] if context.question else ""
    evidence = clean_sentence(f'Asked "{question.strip()}", client answered "{sentence.strip()}"')
    for risk in kinds:
        facts.risks.append((risk, evidence, ids))
        facts.entries.append(risk_summary(risk, ids))
    # The topic asked about, not "when screened": a follow-up such as "You fell, what
    # happened?" is no screen, and the note should read the way it was asked.
    topic = " and ".join(_RISK_PHRASES[risk] for risk in screened)
    lead = f"Asked about {topic}, client states" if topic else "Client states"
    facts.entries.append(Entry("subjective", writing.client_quote(sentence, lead=lead), ids))
    return True
