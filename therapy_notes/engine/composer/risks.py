"""Risks stated (never denied) in a sentence, with negation scoped to its clause."""

from __future__ import annotations

import re
from functools import lru_cache

from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer.risk_cues import (
    NOT_A_FALL,
    PERSON,
    RISK_CUES,
    VIOLENT_VERB,
    cue_spans,
    rejoined,
)
from therapy_notes.engine.composer.text import clauses

# Someone other than the speaker does the act: "himself", "herself", or a relative as the
# subject ("my brother tried to..."). Only consulted for a client speaking of themselves.
_OTHER_EXPERIENCER = re.compile(
    r"\b(himself|herself|themselves|themself)\b|"
    rf"\b(my|our)\s+{PERSON}\s+((?!it\b|like\b)\w+\s+){{0,3}}?(tried|attempted|has|had|was|is|wants|"
    r"said)\b"
)
# A client's cue with "he" or "she" inside it ("I think about when she died") tells of
# someone else; in a clinician's dictation the same pronoun is the client.
_THIRD_PERSON = re.compile(r"\b(?:he|she|they|he'd|she'd|they'd|he's|she's|they're)\b")
_THIRD_PERSON_SUBJECT = re.compile(
    r"\b(?:he|she|they)\s+(?:\w+\s+)?(?:(?:has|have|had|is|was|keeps?|kept)\s+)?$"
)
# "My brother overdosed", "my friend self harms": a relative or friend just before the cue.
_RELATIVE_SUBJECT = re.compile(
    rf"\b(?:my|our|his|her|their|a)\s+(?:\w+\s+)?{PERSON}(?:'s\s+\w+)?\s+"
    r"(?:(?!i\b|i'\w+|me\b)\w+\s+){0,2}$"
)
_SELF = re.compile(r"\b(?:i|me|myself|my|i'm|i'd|i've|i'll)\b")
# Who is spoken of last before a cue: the speaker ("I"), or someone else ("she's", "my
# flatmate", "one of the residents"). "My flatmate told me she's been thinking about
# suicide" is the flatmate's risk; "my mum found me after I took an overdose" the client's.
_SUBJECT = re.compile(
    r"\b(?:(?P<self>i|i'm|i've|i'd|i'll)|(?P<other>he|she|they|we|he's|she's|they're|they've|"
    r"we've|we're|he'd|she'd|they'd)|(?P<person>(?:my|our|his|her|their|the|one\s+of\s+(?:the|my|"
    rf"our))\s+(?:\w+\s+)?{PERSON}|\w+'s\s+{PERSON}|(?<!i'm )(?<!i am )(?:a|an|this|some)\s+"
    rf"(?:\w+\s+)?{PERSON}\s+who))\b"
)


# Means in the house are the client's access whoever owns them: "my dad's got a gun".
_MEANS = re.compile(r"\b(?:gun|guns|firearm|rifle|shotgun|pistol|rope|pills|tablets)\b")


def _spoken_of_last_is_other(before: str) -> bool:
    mentions = list(_SUBJECT.finditer(before))
    return bool(mentions) and mentions[-1].group("self") is None


def _someone_else(before: str, cue: str) -> bool:
    """Whether another person, not the client speaking, is the one in a self-harm cue."""
    if _THIRD_PERSON_SUBJECT.search(before):
        return True
    if _RELATIVE_SUBJECT.search(before) and _SELF.search(cue) is None:
        return True
    return _THIRD_PERSON.search(cue) is not None and _SELF.search(cue) is None


# A clinician's reasoning about falls is no fall: "these help prevent falls", "lower your
# risk of a fall", "in the range where I'd worry about falls".
_FALL_REASONING = re.compile(
    r"\b(?:prevent\w*|avoid\w*|reduc\w*|lower\w*|lessen\w*|minimi[sz]\w*|cut\w* down(?: on)?|"
    r"(?:chance|odds|likelihood|possibility) of|"
    r"(?:i'd|i would|we'd|would|'d)\s+(?:be\s+)?(?:worr\w*|concerned|nervous))\b[^.;]{0,25}$"
)
# "If it ever got that bad...", "in case you ever...": a condition, not a statement.
_HYPOTHETICAL = re.compile(r"\b(if|in case|whenever|should you|what if)\b")
# ...unless the risk is the promised consequence: "if he shows up again, I swear I'll hurt
# him" is a conditional threat, documented as stated.
_CONSEQUENT = re.compile(
    r"\b(i'll|i will|i'm going to|i am going to|i'm gonna|i swear|ready|handy)\b"
)
# "I could kill my brother for eating my cake": anger in a figure of speech, no intent.
_HYPERBOLE_BEFORE = re.compile(r"\bcould\s+(?:have\s+|just\s+|honestly\s+|literally\s+)?$")
_HYPERBOLE_AFTER = re.compile(r"\s+(?:\w+\s+){0,2}?for\s+(?:\w+ing|being|not)\b|\s+sometimes\b")
_CONDITION_CLOSED = re.compile(r"[,;]\s*(?:and|so|then|yet)\s+")
# Abuse in another household, told by the client: "my friend's boyfriend hits her".
_OTHER_HOUSEHOLD = re.compile(rf"\b\w+'s\s+(?:ex-)?{PERSON}\s+(?:\w+\s+)?$")
# A clinician teaching about risk, not reporting it: "some people feel like a burden",
# "warning signs include talking about wanting to die".
_THIRD_PARTY_VICTIM = re.compile(r"\s(?:him|her|them)$")
_GENERIC_PEOPLE = re.compile(
    r"\b(?:some|many|most|a\s+lot\s+of|lots\s+of|other)\s+(?:people|clients|patients|folks)\b|"
    r"(?<!\bmy\s)\bpeople\b|\b(?:ask|asking|asks)\s+(?:\w+\s+){0,3}?(?:whether|if|about)\b|\b(?:avoid\w*|prevent\w*|instead\s+of|rather\s+than)\b[^.;]{0,30}$|"
    r"\bpeople\s+(?:who|often|sometimes|usually|can|may|might|tend)\b|\bwarning\s+signs?\b|"
    r"\bsigns?\s+(?:like|such\s+as|include|to\s+(?:watch|look))\b|\b(?:anyone|someone|somebody)\s+who\b"
)
_NOT_ABUSE = re.compile(r"\b(substance|alcohol|drug|opioid|cannabis|marijuana|steroid)\s+abus")
_DENIAL = re.compile(r"\b(denies|denied|deny|denying|negative for|rules? out|ruled out)\b")
_NEGATOR = re.compile(r"\b(no|not|never|without|free of|absence of|nor|none)\b|n't\b")
_POST_NEGATION = re.compile(r"^\W*(\w+\W+){0,3}?(denied|absent|ruled out|none)\b")


# A risk named as a topic, not as what happened: "hopelessness can be part of depression",
# "falls are the main reason we do balance work", "your fall risk on the Berg has come down".
_TOPIC_AFTER = re.compile(
    r"^\W*(?:risk\s+)?(?:can|may|might|could|tends? to|often|usually|is common|are common|"
    r"(?:is|are)\s+(?:common|normal|part of|the main reason|a (?:common\s+)?(?:sign|symptom|"
    r"part|reason)|why|what|something|one of)|(?:risk|score)\s+(?:on|has|is|was|went|came)|"
    r"(?:are|is)\s+(?:more|less)\s+likely)\b"
)
# Someone else falling, told by the client: "my mother fell", "she fell at the home".
_OTHER_FALLER = re.compile(
    rf"(?:\b(?:my|our|his|her|their)\s+(?:\w+\s+)?{PERSON}|^\W*(?:he|she|they)|^\W*(?:mum|mom|mam|"
    r"dad|nan|nana|gran|granny|grandad|grandpa|grandma|grandmother|grandfather|mother|father))"
    r"(?:\s+(?!i\b|me\b)\w+){0,2}\s*$|\b(?:his|her|their)\s+$"
)
# The season, not a fall: "I start classes in the fall", "this fall", "next fall".
_SEASON = re.compile(
    r"\b(?:this|next|every|each)\s+$|"
    r"\b(?:start\w*|begin\w*|mov\w*|graduat\w*|enrol\w*|planting|harvest|classes|school|"
    r"college|university|semester|term|wedding|trip|holiday|vacation|back)\b[^.;]{0,40}"
    r"\b(?:in|by|until|before|after)\s+the\s+$"
)
# ...or named by the months after it: "in the fall, probably October".
_SEASON_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:september|october|november|semester|term)\b|^\s+of\s+(?:\d{4}|this|next|"
    r"last)\b"
)
# "That's the only falling I've done": the fall named to say there was none.
_ONLY_THAT = re.compile(r"\b(?:that's|that\s+was|it's|it\s+was)\s+the\s+only\s+$")
# Things that fall are no fall: "the leaves are falling", "prices fell".
_THING_FALLS = re.compile(
    r"\b(?:leaves|snow|rain|prices?|numbers?|scores?|sales|temperatures?|stocks?|hair|"
    r"ratings?|grades?|levels?|rates?|sugars?|readings?|it|that|things|pieces|shelf|"
    r"books?|boxes?|glass|cup|plate|phone)\s+(?:\w+\s+)?$"
)


def find_risks(sentence: str, *, first_person: bool = False, spoken_of: str = "") -> list[RiskKind]:
    """Risks stated (not denied) in one sentence.

    Args:
        sentence: what was said or dictated.
        first_person: the speaker is the client talking about themselves. Then another
            person's act ("my mum tried to kill herself") is family history, not the
            client's risk, and a hypothetical ("if I ever felt like...") states nothing.
        spoken_of: who the sentences before it spoke of last (`spoken_of_last`), for a
            sentence that names no one itself: "He wants to hurt the boy. Like, beat him up."
    """
    return list(_risks_in(sentence, first_person, spoken_of))


def spoken_of_last(sentence: str, before: str = "") -> str:
    """Who a sentence speaks of last as its subject, "i" or "he" or "she"..., else `before`.

    Only pronouns count: "one for my sister" names her as no subject.
    """
    text = _lowered(sentence)
    mentions = [m for m in _SUBJECT.finditer(text) if m.group("person") is None]
    return mentions[-1].group(0) if mentions else before


def named_risks(sentence: str) -> list[RiskKind]:
    """Risks a client's sentence names at all, said or denied ("I'm not going to kill myself")."""
    return list(_named_in(sentence))


@lru_cache(maxsize=16384)
def _named_in(sentence: str) -> tuple[RiskKind, ...]:
    text = rejoined(_lowered(sentence))
    return tuple(
        kind
        for kind in RISK_CUES
        if any(
            _stated(kind, clause, start, end, True, named=True)
            for clause in clauses(text)
            for start, end in cue_spans(kind, clause)
        )
    )


# The thought owned by reference to a risk just named: "I'm not gonna kill myself. I just
# think about it sometimes." (the C-SSRS counts the thought, whatever is said of acting).
_THOUGHT_OF_IT = re.compile(
    r"\b(?:i|i've|i\s+have|i\s+do|i\s+still|i\s+just|i\s+sometimes|i\s+kind\s+of)\s+(?:\w+\s+)?"
    r"(?:think|thought|thinking|picture|imagine|wonder)\s+(?:about|of)\s+(?:it|that|doing\s+it)\b|"
    r"\bthe\s+thought(?:'s|\s+is|\s+has\s+been)\s+there\b|\bit\s+(?:crosses|crossed)\s+my\s+mind\b"
)


def owns_the_thought(sentence: str) -> bool:
    """Whether a sentence owns, by reference, the thought of a risk named before it."""
    return _said_unnegated(_THOUGHT_OF_IT, sentence)


def _said_unnegated(pattern: re.Pattern[str], sentence: str) -> bool:
    """Whether a clause of the sentence says the pattern, not negated."""
    return any(
        not _is_negated(clause, m.start(), m.end())
        for clause in clauses(_lowered(sentence))
        for m in pattern.finditer(clause)
    )


def _lowered(sentence: str) -> str:
    """Lower case with straight apostrophes, the form every cue is written for."""
    return sentence.lower().replace("\u2019", "'")


# Medicine not taken and then kept (C-SSRS preparatory behaviour), told across sentences:
# "I've not been taking them. I've been keeping them in a tin at the back of the wardrobe."
_MEDICINE = re.compile(
    r"\b(?:pills?|tablets?|meds|medications?|medicines?|painkillers|antidepressants|sleepers|"
    r"prescriptions?|capsules|insulin)\b"
)
_NOT_TAKEN = re.compile(
    r"\b(?:not|haven't|have\s+not|hasn't|stopped|quit)\s+(?:been\s+)?tak\w*\s+(?:them|those|these|"
    r"any|my\s+\w+|the\s+\w+)\b"
)
_KEPT_THEM = re.compile(
    r"\b(?:saving|saved|stockpil\w*|hoard\w*|stash\w*|collect\w*|hiding|hid|hidden|keeping|kept|"
    r"putting|put)\s+(?:them|those|these)\s+(?:all\s+)?(?:up|away|aside|by|hidden|in|at|under|"
    r"somewhere)\b"
)


def withholds_medicine(sentence: str, question: str = "") -> bool:
    """Whether a client's sentence says a medicine (named here or in the question) is not taken."""
    text = _lowered(sentence)
    named = _MEDICINE.search(text) or _MEDICINE.search(question.lower())
    return named is not None and _NOT_TAKEN.search(text) is not None


def keeps_them(sentence: str) -> bool:
    """Whether a sentence keeps back, by reference, what was not taken ("saving them up")."""
    return _said_unnegated(_KEPT_THEM, sentence)


# A short question a client says back before answering: "Hurting someone?", "Me?".
_ECHO = re.compile(r"^\W*(?:\S+\s+){0,3}\S+\?\W*$")


@lru_cache(maxsize=16384)
def _risks_in(sentence: str, first_person: bool, spoken_of: str) -> tuple[RiskKind, ...]:
    found: list[RiskKind] = []
    if first_person and _ECHO.match(sentence):
        return ()  # "Hurting someone? God, no.": the question said back, then answered
    said = spoken_of
    for clause in clauses(rejoined(_lowered(sentence))):
        for kind in RISK_CUES:
            if kind not in found and any(
                _stated(kind, clause, start, end, first_person, spoken_of=said)
                for start, end in cue_spans(kind, clause)
            ):
                found.append(kind)
        said = spoken_of_last(clause, said)
    return tuple(found)


def _stated(
    kind: RiskKind,
    clause: str,
    start: int,
    end: int,
    first_person: bool,
    *,
    named: bool = False,
    spoken_of: str = "",
) -> bool:
    """Whether the cue at clause[start:end] states the risk, not negates or supposes it.

    With `named`, whether it names the speaker's own risk at all, said, denied or supposed.
    """
    if kind is RiskKind.ABUSE_OR_NEGLECT and _NOT_ABUSE.search(clause[max(0, start - 12) : end]):
        return False
    if not named and _is_negated(clause, start, end):
        return False
    if kind is RiskKind.FALL_RISK and (
        _FALL_REASONING.search(clause[:start])
        or _THING_FALLS.search(clause[:start])
        or _SEASON.search(clause[:start])
        or _SEASON_AFTER.search(clause[end:])
        or _ONLY_THAT.search(clause[:start])
        or (first_person and _OTHER_FALLER.search(clause[:start]))
    ):
        return False
    if not first_person and _TOPIC_AFTER.match(clause[end:]):
        return False
    if (
        first_person
        and kind is RiskKind.SELF_HARM
        and (
            _OTHER_EXPERIENCER.search(clause[max(0, start - 40) : end + 12])
            or _someone_else(clause[max(0, start - 25) : start], clause[start:end])
        )
    ):
        return False
    if (
        first_person
        and kind in (RiskKind.SELF_HARM, RiskKind.HARM_TO_OTHERS)
        and _SELF.search(clause[start:end]) is None
        and _MEANS.search(clause[start:end]) is None
        and _spoken_of_last_is_other(f"{spoken_of} {clause[:start]}")
    ):
        return False
    if (
        first_person
        and kind is RiskKind.ABUSE_OR_NEGLECT
        and _THIRD_PARTY_VICTIM.search(clause[start:end])
        and not _SUBJECT.search(clause[max(0, start - 40) : start])
    ):
        return False  # "I... hit. Hit him.": the client as the one who hit, not abuse
    if (
        first_person
        and kind is RiskKind.ABUSE_OR_NEGLECT
        and _OTHER_HOUSEHOLD.search(clause[:start])
        and not _SELF.search(clause[start:end])
    ):
        return False
    if (
        kind is RiskKind.HARM_TO_OTHERS
        and (_HYPERBOLE_BEFORE.search(clause[:start]) or clause.startswith("could ", start))
        and _HYPERBOLE_AFTER.match(clause[end:])
    ):
        return False
    if not first_person and _GENERIC_PEOPLE.search(clause[:start]):
        return False
    return named or not _supposed(clause, start, end)


def _supposed(clause: str, start: int, end: int) -> bool:
    """Whether a condition before the cue governs it ("if it ever got that bad, ...").

    A condition closed by a new coordinate clause ("whenever he is, and lately I pray...")
    governs nothing after it; a threat promised as its consequence ("if he says one more
    thing I'm going to...") is stated.
    """
    conditions = list(_HYPOTHETICAL.finditer(clause[:start]))
    if not conditions:
        return False
    after = clause[conditions[-1].end() : start]
    if _CONDITION_CLOSED.search(after):
        return False
    return _CONSEQUENT.search(clause[conditions[-1].end() : end]) is None


# Where a new clause starts inside a sentence: a conjunction that brings its own subject
# or finite verb ("..., and she reports she fell"), so a negation before it does not reach
# past it ("not sleeping and has been thinking of killing himself").
_CLAUSE_START = re.compile(
    r"(?:\b(?:and|or|so|then|because|since|while|when|after|until|unless|if)|,)\s+"
    r"(?:(?:i|i'm|i've|he|he's|she|she's|they|they're|we|his|her|my|their|it|it's|it'd|that|"
    r"part of me)\b|"
    r"(?:has|have|had|is|was|says|said|reports|reported|admits|admitted|wants|wanted|tells|"
    r"told|feels|felt|started|keeps|kept)\b)"
)


# Hedges carry a negative word and negate nothing: "I don't know, sometimes I want to die",
# "not gonna lie, I've thought about ending it". They are dropped before negation is looked
# for, so the statement after them stands.
_HEDGE = re.compile(
    r"\b(?:i\s+(?:don't|do not|dont)\s+know|i\s+dunno|dunno|(?:i'm\s+|i am\s+)?not\s+"
    r"(?:gonna|going to)\s+lie|(?:i'm\s+|i am\s+)?not\s+(?:really\s+)?sure|no\s+offen[cs]e|"
    r"no\s+joke|not\s+(?:gonna|going to)\s+pretend|i\s+(?:can't|cannot)\s+lie|"
    r"(?:i\s+)?(?:don't|do not)\s+get\s+me\s+wrong|no\s+doubt)\b"
)


def _is_negated(clause: str, start: int, end: int) -> bool:
    if _DENIAL.search(clause[start:end]):
        return True
    before = _HEDGE.sub(" ", clause[:start])
    # A new clause may start in the cue's own first words: "..., and I don't want to".
    starts = [
        m
        for m in _CLAUSE_START.finditer(before + clause[start : start + 16])
        if m.start() < len(before)
    ]
    if starts:
        before = before[starts[-1].start() :]
    if _DENIAL.search(before):
        return True
    window = " ".join(before.split()[-5:])
    if _NEGATOR.search(window):
        return True
    return bool(_POST_NEGATION.search(clause[end:]))


# A clinician's screening question names the risk in the second person ("any thoughts of
# hurting yourself?", "do you feel safe at home?"): the reply, not the question, says
# whether it is there.
_SCREENS: dict[RiskKind, re.Pattern[str]] = {
    RiskKind.SELF_HARM: re.compile(
        r"suicid\w*|(kill|hurt|harm|cut|end)\w*\s*(yourself|your life|it all)|"
        r"\b(wish|wished|wishing|want)\w*\s+(you|to)\s+(were|was|be)?\s*dead\b|"
        r"\bnot\s+wak\w*\s+up\b|\bbetter off\b|\bself[- ]?harm\w*|\bhopeless\w*|"
        r"\b(thoughts?|thinking|think) (of|about) (dying|death|not being here|ending)|"
        r"\btried to\b.{0,20}\b(kill|hurt|end)|\bsafe\b.{0,30}\b(yourself|tonight|right now)|"
        # The C-SSRS follow-ups ask about the thoughts without naming them again: method
        # ("how you would do it") and intent ("act on these thoughts").
        r"\b(act|acting)\s+on\s+(these|those|the|your|them|that|this|it)\b|"
        r"\bhow\s+you\s+(would|might|could|'d|will)\s+(do|go about)\s+(it|this|that)\b|"
        # Lethal means (the screens' access questions, counselling on access to means).
        r"\b(guns?|firearms?|weapons?|rifles?|pistols?)\b[^.?]{0,25}\b(home|house|access|around|"
        r"keep|own)\b|\b(home|house|access to|keep|own)\b[^.?]{0,25}\b(guns?|firearms?|weapons?)\b|"
        r"\b(pills?|meds|medications?|tablets)\s+(saved|stockpiled|stored|put away|hidden)\b|"
        r"\b(saved|saving|stockpil\w*|hoard\w*)\s+(up\s+)?(any\s+)?(pills|meds|medications?|"
        r"tablets)\b"
    ),
    RiskKind.HARM_TO_OTHERS: re.compile(
        r"\b(hurt|harm|kill)\w*\s+(anyone|someone|somebody|anybody|others|other people|another "
        r"person|another|a person|people)\b|"
        r"\bhomicid\w*|"
        # The person named: "any urge to hurt him?", "to get back at your brother?"
        rf"\b{VIOLENT_VERB}\s+(?:him|her|them|your\s+{PERSON})\b|\bget(?:ting)?\s+back\s+at\b"
    ),
    RiskKind.ABUSE_OR_NEGLECT: re.compile(
        r"\bsafe at home\b|\b(?:feel|feeling|are you|keep you|is it)\b[^.?]{0,15}\bsafe\b"
        r"(?![^.?]{0,30}\b(?:yourself|tonight|right now))|"
        r"\b(anyone|someone|somebody|anybody)\b[^.?]{0,40}?\b(hurt|hit|hurting|hitting|threaten\w*|"
        r"scar\w*|pushed|shoved|slapped|kicked|grabbed|forced|frightened)\s+you\b|"
        r"\btouched you\s+(in a way|in ways|without|against)\b|"
        r"\b(taken|took|take|taking)\s+(things|money|anything|stuff)\s+from\s+you\b|"
        r"\babus\w*|\bneglect\w*|"
        r"\bafraid of (anyone|someone|him|her|them)\b|"
        # The Elder Abuse Suspicion Index's items: money used against the client's will,
        # kept from food, medicine or people, made afraid.
        r"\b(take|taking|taken|took|use|using|used)\s+your\s+(money|pension|benefits|savings|"
        r"cards?|checks?)\b|\b(keep|keeping|kept|prevent\w*|stop\w*)\s+you\s+from\b|"
        r"\bmake\w*\s+you\s+(feel\s+)?(afraid|scared|unsafe|frightened)\b|\bagainst your will\b"
    ),
    RiskKind.FALL_RISK: re.compile(
        rf"\b(fall|falls|fallen|fell|trip\w*|los\w* your balance)\b{NOT_A_FALL}"
    ),
}


def screened_risks(question: str) -> list[RiskKind]:
    """The risks a screening question asks about (empty for any other question)."""
    return list(_screened_in(question))


@lru_cache(maxsize=16384)
def _screened_in(question: str) -> tuple[RiskKind, ...]:
    # Cached like the stated risks: every response re-reads the history's questions.
    text = _lowered(question)
    return tuple(kind for kind, pattern in _SCREENS.items() if pattern.search(text))
