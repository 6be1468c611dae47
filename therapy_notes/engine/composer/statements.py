"""A sentence that is not the answer to a question, written by who said it.

The client's words are reports ("Client reports ..."), quoted where risk is stated; the
clinician's are findings, interventions, assessments or plan items, with a dose said
after a plan item joined to it (a quick reply run into the clinician's own turn goes to
the answer pairing); unlabelled speech (dictation, a voice not yet told apart) is kept as
it was said. Every statement is read for risk and for values, whoever spoke.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer import writing
from therapy_notes.engine.composer.announced import announced_value
from therapy_notes.engine.composer.answers import answer_question
from therapy_notes.engine.composer.body import body_part
from therapy_notes.engine.composer.dialogue import (
    Speaker,
    Utterance,
    has_value,
    is_homework,
    utterance_kind,
)
from therapy_notes.engine.composer.facts import Context, Entry, Facts
from therapy_notes.engine.composer.measurements import find_measurements
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.pairs import resisted_grade, side_pair_values
from therapy_notes.engine.composer.plan import DAY, is_directive, plan_role, with_professional
from therapy_notes.engine.composer.risks import (
    find_risks,
    keeps_them,
    named_risks,
    owns_the_thought,
    screened_risks,
    spoken_of_last,
    withholds_medicine,
)
from therapy_notes.engine.composer.roles import sentence_role
from therapy_notes.engine.composer.screening import flag_stated, new_risks, risk_summary
from therapy_notes.engine.composer.social import is_small_talk
from therapy_notes.engine.composer.text import clean_sentence, normalise
from therapy_notes.engine.composer.values import (
    bare_force_value,
    bare_range_value,
    bare_rating_number,
    body_weight,
    counted_repetitions,
    earlier_bare_value,
    earlier_only,
    earlier_told,
    number_value,
    other_side,
    record,
    today_values,
)

# The clinician telling what the client did or said, not what they are to do.
_REPORTS_PAST = re.compile(
    r"\b(you've been|you have been|you were|you did|you said|you told|you mentioned|"
    r"last week|earlier)\b"
)
_DOSE = re.compile(
    r"\b(sets?|reps?|repetitions|times|minutes?|seconds?|a day|daily|each|every|twice|"
    r"after|before|morning|night|evening|hold)\b"
)
# Said to the client rather than about them: an explanation that leans on "that" or "it"
# for its subject ("it's what keeps the ankle from rolling", "that's a big part of it"),
# and the normalising preamble and clarification of a screening question ("sometimes when
# people lose a spouse...", "this is something I ask everyone", "even a slide counts").
_TALK_TO_CLIENT = re.compile(
    r"^\W*(?:(?:okay|so|and|but|well|yeah)\W+)*(?:(?:that's|that is|it's|it is|this is)\s+"
    r"(?:what|why|how|because|a (?:big |large |small )?part\b|part of|the (?:worst|best|hardest|"
    r"easiest|main|whole|tricky) (?:place|part|thing|reason|time|point|bit)|the reason|"
    r"one of (?:them|those)|where|when|something i (?:ask|check))\b|"
    r"(?:sometimes|often|a lot of|many|most|lots of)\s+(?:when\s+)?(?:people|clients|patients|"
    r"folks)\b|i (?:ask|check) (?:this|that|everyone|all|every)\b|even (?:a|an|one|if)\b.*"
    r"\bcounts?\b|there's no (?:right|wrong) answer)"
)
_PROGNOSIS_OPEN = re.compile(r"^\W*(?:(?:okay|so|and|but|well)\W+)*(?:it|that|this|things)\b")
_NUMBERS = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])")
# A question asking for the last rating under another condition: "And on the stairs?",
# "What about at night?", "How about walking?"
_ANOTHER_CONDITION = re.compile(
    r"^\W*(?:and|what about|how about)\s+(?:on|at|in|with|when|after|before|during|by|first|"
    r"walking|sitting|standing|lying|going|climbing|reaching)\b[^?]{0,40}\?\s*$"
)
# A reading called out at the head of a question: "Ninety, and it hurts at the top?"
_READING_THEN_ASKED = re.compile(
    r"^\W*((?:about\s+|around\s+)?\d+(?:\.\d+)?(?:\s*(?:degrees|pounds|plus|minus))?)\s*,\s*"
    r"(?:and|but|so)\b"
)
# The client asking to book the next visit.
_NEXT_VISIT_ASKED = re.compile(
    r"^\W*(?:(?:so|and|okay|ok)\W+)?(?:(?:is it|shall we (?:say|do)|we're on for|still on for)\s+)?"
    r"(same time next week|same time|(?:next\s+)?(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)(?:\s+(?:again|at\s+\d+(?::\d+)?(?:\s*(?:am|pm))?))?)\W*$"
)
_DAY_NAME = re.compile(rf"\b{DAY}\b")
_COUNTED_ALOUD = re.compile(r"^\W*\d+(?:\W+\d+){2,}\W*$")
_HEDGE_OPEN = re.compile(r"^(i think|i'd say|i would say|i feel like|it seems|i believe)\b")


def client_sentence(
    sentence: str, kind: Utterance, item_id: str, context: Context, facts: Facts
) -> None:
    """The client's statement: a report, a rating, or a quote where risk is stated."""
    if kind is not Utterance.STATEMENT and find_risks(
        sentence, first_person=True, spoken_of=context.spoken_of
    ):
        # "Would anyone even care if I died?", "Goodbye letters, I mean.", "Yeah, I cut
        # myself.": risk is read from every sentence, whatever its form.
        kind = Utterance.STATEMENT
    visit = _NEXT_VISIT_ASKED.match(normalise(sentence)) if kind is Utterance.QUESTION else None
    if visit is not None and (context.question is None or "same time" in visit.group(1)):
        # "Same time next week?": the next visit, which the clinician's "Yes" books. A day
        # alone may answer the clinician's question instead ("When did you fall?" "Monday?").
        said = re.sub(_DAY_NAME, lambda m: m.group(0).capitalize(), visit.group(1))
        entry = clean_sentence(f"Follow up {said}")
        facts.entries.append(Entry("plan", entry, (item_id,)))
        return
    if kind in (Utterance.QUESTION, Utterance.GREETING, Utterance.ACKNOWLEDGEMENT):
        return
    if kind in (Utterance.YES, Utterance.NO) and len(sentence.split()) <= 4:
        return  # "Nothing like that." after the answer: the answer already said it
    if _COUNTED_ALOUD.match(spoken_numbers_to_digits(normalise(sentence))):
        return  # "One, two, three, four...": counting aloud for a task, no report
    ids = (item_id,)
    if is_echo(sentence, context):
        return  # "Six out of ten. So I forget the other four?": the clinician's value again
    stated = find_risks(sentence, first_person=True, spoken_of=context.spoken_of)
    context.spoken_of = spoken_of_last(sentence, context.spoken_of)
    if not stated and context.risk_named and owns_the_thought(sentence):
        stated = list(context.risk_named)  # "...kill my self. I just think about it sometimes."
    if not stated and context.medicine_withheld and keeps_them(sentence):
        stated = [RiskKind.SELF_HARM]  # "I've not been taking them. I've been saving them up."
    question = context.question[1] if context.question else ""
    context.medicine_withheld = context.medicine_withheld or withholds_medicine(sentence, question)
    context.risk_named = tuple(named_risks(sentence)) or context.risk_named
    if flag_stated(sentence, ids, context, facts, stated):
        return
    if body_weight(sentence, context, ids, facts, asked=context.topic == "weight"):
        context.topic = ""
        return
    found = (
        announced_value(sentence, context, ids, facts)
        or side_pair_values(sentence, context, ids, facts, asked=question)
        or today_values(sentence, context, ids, facts)
    )
    if not found and context.rating is not None:
        digits = spoken_numbers_to_digits(normalise(sentence))
        number = bare_rating_number(digits)
        if number is not None and float(number.group(0)) <= 10:
            m = {**context.rating, "value": number_value(number.group(0))}
            part = body_part(digits[: number.start()])
            if m["kind"] == "pain_score" and part and part != m.get("body_part"):
                # "Neck's a four. Shoulder, maybe a six.": the rating of what it names.
                m = {k: v for k, v in m.items() if k != "side"} | {"body_part": part}
            record(m, ids, context, facts)
            found = [m]
    if len(sentence.split()) < 3 and not found:
        return
    role = "response" if sentence_role(sentence) == "response" else "subjective"
    if found and len(sentence.split()) <= 8 and all(m["kind"] != "other" for m in found):
        for m in found:
            facts.entries.append(
                Entry(
                    role, writing.measurement_text(m, self_rated=True, motion=context.motion), ids
                )
            )
        return
    facts.entries.append(Entry(role, writing.client_report(sentence), ids))


# A screen that asks by reference to what was just said ("Has that crossed your mind?",
# "Is that something you've felt?"), not for leave to ask ("Is that alright?").
_BY_REFERENCE = re.compile(
    r"\b(?:that|this|it|those|these|anything like that|something like that)\b"
    r"(?![^?]*\b(?:alright|all right|okay|ok|fine|good with you)\b)",
    re.IGNORECASE,
)


def clinician_sentence(
    sentence: str, kind: Utterance, item_id: str, context: Context, facts: Facts
) -> None:
    """The clinician's sentence: a question kept open, a finding, a plan item or its dose."""
    ids = (item_id,)
    read_first = (
        _READING_THEN_ASKED.match(spoken_numbers_to_digits(normalise(sentence)))
        if kind is Utterance.QUESTION
        else None
    )
    if read_first is not None:
        # "Ninety, and it hurts at the top?": the reading called out, then the question.
        piece = read_first.group(1)
        for m in (
            resisted_grade(piece, context, ids, facts)
            or bare_force_value(piece, context, ids, facts)
            or bare_range_value(piece, context, ids, facts)
        ):
            text = writing.measurement_text(m, motion=context.motion)
            facts.entries.append(Entry("objective", text, ids))
    if kind is Utterance.QUESTION:
        if (
            context.question is not None
            and context.question[0] == item_id
            and re.match(r"^\W*or\b", normalise(sentence))
        ):
            # "Any dizziness before it? Or was it just the bowl?": one either-or question.
            asked = context.question[1].strip().rstrip("?")
            sentence = f"{asked}, {sentence.strip()[:1].lower()}{sentence.strip()[1:]}"
        if (
            context.lead_in
            and _BY_REFERENCE.search(sentence)
            and not screened_risks(sentence)
            and screened_risks(context.lead_in)
        ):
            sentence = f"{context.lead_in} {sentence}"
        context.question = (item_id, sentence)
        context.question_lead = context.lead_in if _BY_REFERENCE.search(sentence) else ""
        if not _ANOTHER_CONDITION.match(normalise(sentence)):
            # "And on the stairs?" after a pain rating asks for the same rating again.
            context.rating = None
        context.counting = False
        context.small_talk = is_small_talk(sentence)
        return
    if kind in (Utterance.GREETING, Utterance.ACKNOWLEDGEMENT) and is_small_talk(sentence):
        context.small_talk = True  # "Sorry for the wait": the reply waves it off
    if context.question is not None and context.question[0] == item_id and _is_reply(sentence):
        # A quick reply run into the clinician's turn ("How are you sleeping? Five hours,
        # maybe."): the answer is the client's, whatever the turn's label says.
        reply_kind = utterance_kind(sentence, Speaker.CLIENT)
        handled = answer_question(sentence, reply_kind, item_id, context, facts)
        context.question = None
        if handled:
            return
    called_out = announced_value(sentence, context, ids, facts)
    if called_out:
        # "Thirty, that's the max, you can put it down.": the value of what was announced,
        # however the sentence goes on.
        for m in called_out:
            facts.entries.append(Entry("objective", writing.measurement_text(m), ids))
        return
    if kind in (Utterance.GREETING, Utterance.ACKNOWLEDGEMENT, Utterance.INSTRUCTION):
        return
    if context.asked:
        # "Do I still need to ice it?" "Only if it's sore after the putty.": one plan item.
        asked, context.asked = context.asked, ""
        facts.entries.append(Entry("plan", writing.asked_and_advised(asked, sentence), ids))
        return
    # Risk is read from every statement, whoever the label says spoke: a label can be
    # wrong, and a clinician's own account ("she marked better off dead") states it too.
    stated = find_risks(sentence)
    if stated:
        for risk in new_risks(stated, context):
            facts.risks.append((risk, clean_sentence(sentence), ids))
            facts.entries.append(risk_summary(risk, ids))
    role = sentence_role(sentence)
    if role != "plan" and is_homework(sentence) and not _REPORTS_PAST.search(normalise(sentence)):
        role = "plan"
    role = plan_role(sentence, role)
    if not role:
        return  # "We'll come back to that.": the session's agenda, not a step after it
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
        head = last.text.rstrip(". ")
        joint = " " if head.endswith(":") else (": " if ":" not in head else "; ")
        last.text = f"{head}{joint}{writing.dose(sentence)}."
        return
    if (
        role == "plan"
        and last is not None
        and last.role == "plan"
        and last.item_ids == ids
        and is_directive(sentence)
        and not re.search(r"\d", last.text)
        and not _DOSE.search(normalise(last.text))
    ):
        # "We'll start imagery rehearsal today. Write a new ending and read it every
        # night.": the treatment started and how to do it are one plan item.
        detail = re.sub(r"^Client to ", "", writing.plan_item(sentence))
        last.text = f"{last.text.rstrip('.')}: {detail[:1].lower()}{detail[1:]}"
        return
    if role == "plan":
        text = writing.plan_item(with_professional(sentence, context))
        facts.entries.append(Entry("plan", text, ids))
        return
    if role == "assessment" and _PROGNOSIS_OPEN.match(normalise(sentence)):
        facts.entries.append(Entry("assessment", writing.prognosis(sentence), ids))
        return
    if earlier_told(sentence, context, ids, facts):
        return
    weighed = body_weight(sentence, context, ids, facts, measured=True)
    if weighed is not None:
        return  # "You weigh eighty-two kilos today."
    found = (
        side_pair_values(sentence, context, ids, facts)
        or resisted_grade(sentence, context, ids, facts)
        or counted_repetitions(sentence, context, ids, facts)
        or today_values(sentence, context, ids, facts, timed=True)
        or other_side(sentence, context, ids, facts)
        or bare_force_value(sentence, context, ids, facts)
        or bare_range_value(sentence, context, ids, facts)
    )
    if not found and (
        earlier_bare_value(sentence, context, ids, facts)
        or earlier_only(sentence, context, ids, facts)
    ):
        return
    if (
        found
        and all(m["kind"] in ("sets", "repetitions") for m in found)
        and len(sentence.split()) > 4
    ):
        # "Patient completed three sets of sit to stand": what was counted is the finding,
        # which "3 sets." alone would lose.
        facts.entries.append(Entry("objective", writing.clinician_statement(sentence), ids))
        return
    if found:
        for m in found:
            if m["kind"] in ("pain_score", "mood_score"):
                text = writing.measurement_text(m, self_rated=True)
            else:
                text = writing.measurement_text(m, motion=context.motion)
            facts.entries.append(Entry("objective", text, ids))
        return
    if len(sentence.split()) < 6 or _TALK_TO_CLIENT.match(normalise(sentence)):
        # "That is a big deal.", "That's why we practice it under pressure.", "Sometimes
        # people who lose a spouse...": a remark, an explanation or a screen's preamble.
        return
    if role == "intervention":
        facts.entries.append(Entry("intervention", writing.intervention(sentence), ids))
    elif role == "goals":
        facts.entries.append(Entry(role, writing.plan_item(sentence), ids))
    elif role in ("assessment", "response"):
        facts.entries.append(Entry(role, writing.clinician_statement(sentence), ids))
    elif _HEDGE_OPEN.match(normalise(sentence)):
        facts.entries.append(Entry("assessment", writing.clinician_statement(sentence), ids))
    else:
        facts.entries.append(Entry("objective", writing.clinician_statement(sentence), ids))


def unlabelled_sentence(
    sentence: str, kind: Utterance, item_id: str, context: Context, facts: Facts
) -> None:
    """Dictation, or a voice not yet told apart: the words are kept as they were said."""
    if kind in (Utterance.QUESTION, Utterance.GREETING, Utterance.ACKNOWLEDGEMENT):
        return
    ids = (item_id,)
    role = sentence_role(sentence)
    measurements = [] if role == "plan" else find_measurements(sentence)
    risks = new_risks(find_risks(sentence), context)
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
        facts.entries.append(Entry(role, clean_sentence(sentence), ids))


def is_echo(sentence: str, context: Context) -> bool:
    """A short sentence of the client's that only repeats numbers the clinician just said."""
    if not context.said or len(sentence.split()) > 6:
        return False
    numbers = set(_NUMBERS.findall(spoken_numbers_to_digits(normalise(sentence))))
    return bool(numbers) and numbers <= context.said


def said_numbers(sentences: Sequence[str]) -> frozenset[str]:
    """The numbers a clinician's turn states, for telling a client's echo of them."""
    return frozenset(
        n for s in sentences for n in _NUMBERS.findall(spoken_numbers_to_digits(normalise(s)))
    )


def _is_reply(sentence: str) -> bool:
    """A yes/no, or a short sentence with a value: what an answer sounds like.

    A scale's anchors ("Zero to ten.") after the question are still the question.
    """
    words = sentence.split()
    kind = utterance_kind(sentence, Speaker.CLIENT)
    if kind in (Utterance.YES, Utterance.NO):
        return True
    return len(words) <= 9 and has_value(normalise(sentence))
