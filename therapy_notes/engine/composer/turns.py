"""One turn read sentence by sentence: who spoke, what kind of sentence, and where it goes.

A turn's text is split into sentences once (cached, since history is re-read every
response); the first sentence of a client's turn answers the open question, and each
sentence goes to the answer pairing or to the statements of its speaker, with the place
being examined carried along. The result is the turn's facts, not yet tool calls.
"""

from __future__ import annotations

import re
from functools import lru_cache

from therapy_notes.engine.composer.announced import hold_named, remember_announced
from therapy_notes.engine.composer.answers import answer_question
from therapy_notes.engine.composer.dialogue import (
    Speaker,
    Utterance,
    is_homework,
    split_speaker,
    utterance_kind,
)
from therapy_notes.engine.composer.earlier import said_when
from therapy_notes.engine.composer.facts import Context, Facts
from therapy_notes.engine.composer.numbers import self_corrected, spoken_numbers_to_digits
from therapy_notes.engine.composer.pairs import AGAINST, RESISTED
from therapy_notes.engine.composer.place import remember_place, tested_limb
from therapy_notes.engine.composer.plan import care_question, one_follow_up, remember_professional
from therapy_notes.engine.composer.risks import screened_risks
from therapy_notes.engine.composer.screening import is_screen_reply
from therapy_notes.engine.composer.social import is_clinical, is_courtesy_about_lateness
from therapy_notes.engine.composer.statements import (
    client_sentence,
    clinician_sentence,
    said_numbers,
    unlabelled_sentence,
)
from therapy_notes.engine.composer.text import normalise, split_sentences
from therapy_notes.engine.composer.values import asks_for_count

_ANCHOR_ONLY = re.compile(
    r"^\W*(?:on a scale of\s+)?(?:0|zero|1|one)\s+to\s+(?:10|ten|5|five)\W*$|"
    r"^\W*(?:out of (?:10|ten|5|five))\W*$"
)


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


# A screen asked second in a compound question: "Who helps you at home, and do you feel
# safe there?"
_COMPOUND = re.compile(r",?\s+(?:and|or)\s+(?=(?:do|does|did|are|is|has|have|had|any|would)\b)")


def _screen_answer_index(
    speaker: Speaker, sentences: tuple[tuple[str, Utterance], ...], context: Context
) -> int:
    """Which sentence of a client's reply answers the screen the question ends with.

    A compound question ("How are things with your partner, and has anyone hurt you?") is
    answered in order: the first sentence answers the first part, and the screen is
    answered by the first sentence that says yes, no, a risk or safety.
    """
    if speaker is not Speaker.CLIENT or context.question is None or len(sentences) < 2:
        return 0
    question = normalise(context.question[1])
    first, first_kind = sentences[0]
    if first_kind is Utterance.QUESTION and len(first.split()) <= 4 and screened_risks(question):
        return 1  # "Hurting someone? God, no.": the screen said back, then answered
    parts = _COMPOUND.split(question, maxsplit=1)
    if len(parts) < 2 or screened_risks(parts[0]) or not screened_risks(parts[1]):
        return 0
    if is_screen_reply(*sentences[0]):
        return 0
    return next((i for i, s in enumerate(sentences) if is_screen_reply(*s)), 0)


_FILLER = re.compile(r"^\W*(?:well|um+|er+m?|uh+|hmm+|i mean|so|like)\W*$")
_TAKEN_BACK = re.compile(
    r"^\W*(?:(?:well|i mean|um+|er+|ok|okay|actually|honestly)\W+)*(?:once or twice|a few times|"
    r"a couple of times|maybe(?:\s*[,.]|\s*$|\s+(?:once|a\s+little|a\s+bit|a\s+few|sometimes|"
    r"yes|yeah))|sometimes(?:\s*[,.]|\s*$|\s+(?:yes|yeah|i\s+do|i\s+have|it\s+does))|"
    r"occasionally|now and (?:then|again)|on (?:the )?(?:really )?(?:bad|worst) (?:days|nights)|"
    r"there (?:have|has) been (?:times|moments|days|nights))"
)
# Turns an announced measure waits for its value: the call-out, a reply, one more.
_ANNOUNCED_TURNS = 3


def _reply_sentences(
    sentences: tuple[tuple[str, Utterance], ...], question: str
) -> tuple[tuple[str, Utterance], ...]:
    """A client's reply with its answer as one sentence, however the recogniser split it.

    "About. Six." is one answer; so is a no taken back in the next sentence ("Not really...
    well. Once or twice, maybe."), which is then not a no. A screen said back first
    ("Hurting someone? No.") stays apart from its answer.
    """
    first, kind = sentences[0]
    screen = bool(screened_risks(question))
    fillers = 1
    while fillers < len(sentences) - 1 and _FILLER.match(normalise(sentences[fillers][0])):
        fillers += 1
    if screen and _TAKEN_BACK.match(normalise(sentences[fillers][0])):
        merged = ", ".join(s.rstrip(".!") for s, _ in sentences[: fillers + 1])
        rest = sentences[fillers + 1 :]
    elif len(first.split()) <= 3 and kind not in (Utterance.YES, Utterance.NO):
        if screen and kind is Utterance.QUESTION:
            return sentences
        merged, rest = f"{first.rstrip('.!')}, {sentences[1][0]}", sentences[2:]
    else:
        return sentences
    return ((merged, utterance_kind(merged, Speaker.CLIENT)), *rest)


def turn_facts(item_id: str, text: str, context: Context) -> Facts:
    """What one turn (its item id and text) adds to the note; the context moves on."""
    speaker, sentences = _sentences(text)
    if speaker is Speaker.CLIENT and context.question is not None and len(sentences) > 1:
        sentences = _reply_sentences(sentences, context.question[1])
    facts = Facts()
    answered = False
    answer_at = _screen_answer_index(speaker, sentences, context)
    if speaker is Speaker.CLIENT and context.small_talk:
        context.question = None  # "How was the drive in?" is answered, not documented
    for index, (sentence, kind) in enumerate(sentences):
        if speaker is Speaker.CLIENT:
            context.small_talk = context.small_talk or is_courtesy_about_lateness(sentence)
            if context.small_talk and not is_clinical(sentence):
                continue
        remember_place(sentence, context, by_client=speaker is Speaker.CLIENT)
        if speaker is Speaker.CLINICIAN:
            remember_announced(sentence, context)
            hold = hold_named(sentence)
            if hold or kind is Utterance.INSTRUCTION:
                context.timed_test = hold
        if speaker is Speaker.CLINICIAN and kind is Utterance.INSTRUCTION:
            context.tested = tested_limb(sentence)
            context.resisted = RESISTED.search(normalise(sentence)) is not None
            context.against = AGAINST.search(normalise(sentence)) is not None
        elif speaker is Speaker.CLINICIAN and kind is not Utterance.QUESTION:
            # "Three hops forward on the left, as far as you can.": a one-sided test set up
            # in a statement as much as in an imperative.
            context.tested = tested_limb(sentence) or context.tested
        if speaker is Speaker.CLINICIAN and asks_for_count(sentence) and not is_homework(sentence):
            context.counting = True
        if speaker is Speaker.CLIENT and kind is Utterance.QUESTION:
            context.asked = care_question(sentence) or context.asked
        if speaker is Speaker.CLIENT:
            if context.question is not None and not answered and index >= answer_at:
                answered = True
                if answer_question(sentence, kind, item_id, context, facts):
                    continue
            client_sentence(sentence, kind, item_id, context, facts)
        elif speaker is Speaker.CLINICIAN:
            clinician_sentence(sentence, kind, item_id, context, facts)
            context.lead_in = sentence
        else:
            unlabelled_sentence(sentence, kind, item_id, context, facts)
        remember_professional(sentence, context)
    context.lead_in = ""
    context.risk_named = ()
    context.medicine_withheld = False
    context.spoken_of = ""
    if context.announced is not None:
        context.announced_turns += 1
        if context.announced_turns > _ANNOUNCED_TURNS:
            context.announced, context.announced_turns = None, 0
    if speaker is Speaker.CLIENT and sentences:
        context.question = None
        context.small_talk = False
        context.said = frozenset()
        context.topic = ""
        # "Last week you had to do most of it, didn't you?": the reply tells of that time.
        context.earlier_frame = next(
            (
                said_when(spoken_numbers_to_digits(normalise(s)))
                for s, k in sentences
                if k is Utterance.QUESTION and said_when(spoken_numbers_to_digits(normalise(s)))
            ),
            "",
        )
    elif speaker is Speaker.CLINICIAN:
        context.earlier_frame = ""
        context.asked = ""
        asked = any(k is Utterance.QUESTION for _, k in sentences)
        context.said = frozenset() if asked else said_numbers([s for s, _ in sentences])
    facts.entries = one_follow_up(facts.entries)
    return facts
