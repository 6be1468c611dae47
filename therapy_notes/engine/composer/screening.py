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


_ASKS_SAFE = re.compile(r"\bsafe\b")
_FEELS_SAFE = re.compile(
    r"\b(?:feel|am|i'm|totally|completely|perfectly|very|quite)\s+(?:\w+\s+)?safe\b"
)
_NOT_SAFE = re.compile(
    r"\b(?:not|don't|do not|never|no longer|isn't|wouldn't)\s+(?:\w+\s+){0,2}safe\b|\bunsafe\b"
)


def is_screen_reply(sentence: str, kind: Utterance) -> bool:
    """Whether a sentence answers a risk screen: a yes or no, a risk, or safety."""
    return (
        kind in (Utterance.YES, Utterance.NO)
        or bool(find_risks(sentence, first_person=True))
        or _ASKS_SAFE.search(normalise(sentence)) is not None
    )


def new_risks(kinds: Sequence[RiskKind], context: Context) -> list[RiskKind]:
    """Risks not flagged before in this session (one flag per kind to acknowledge)."""
    fresh = [k for k in kinds if k not in context.flagged]
    context.flagged.update(fresh)
    return fresh


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
    if kind is Utterance.NO and not stated:
        for risk in screened:
            if risk in context.denied:
                continue
            context.denied.add(risk)
            facts.entries.append(
                Entry(
                    "assessment",
                    clean_sentence(f"Client denies {_RISK_PHRASES[risk]} when screened"),
                    ids,
                )
            )
        return True
    kinds = new_risks(stated or screened, context)
    question = context.question[1] if context.question else ""
    evidence = clean_sentence(f'Asked "{question.strip()}", client answered "{sentence.strip()}"')
    for risk in kinds:
        facts.risks.append((risk, evidence, ids))
        facts.entries.append(risk_summary(risk, ids))
    facts.entries.append(
        Entry(
            "subjective", writing.client_quote(sentence, lead="When screened, client states"), ids
        )
    )
    return True
