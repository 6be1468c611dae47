"""Question and answer as one fact: the clinician's question names what the reply gives.

"How's your pain, zero to ten?" answered "About a four." is a pain score of 4/10; "Any
numbness?" answered "No." is "Client denies numbness"; "How many panic attacks this
week?" answered "Three." is a count. The client's first sentence after a question is
paired with it here; a reply that does not answer as a fact is left to be written as an
ordinary statement.
"""

from __future__ import annotations

import re
from typing import Any

from therapy_notes.engine.composer import writing
from therapy_notes.engine.composer.body import body_part, side_of
from therapy_notes.engine.composer.dialogue import HEDGED_YES, Utterance, answer_content, said_yes
from therapy_notes.engine.composer.earlier import earlier_number, is_earlier, said_when
from therapy_notes.engine.composer.facts import Context, Entry, Facts
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.risks import screened_risks
from therapy_notes.engine.composer.screening import flag_stated, screen_answer
from therapy_notes.engine.composer.sleep import sleep_values
from therapy_notes.engine.composer.text import clean_sentence, normalise
from therapy_notes.engine.composer.values import (
    bare_rating_number,
    body_weight,
    count_numbers,
    more_ratings,
    number_value,
    record,
    remember_earlier,
    today_values,
    with_condition,
)

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
    ("weight", re.compile(r"\b(weight|weigh\w*)\b")),
)
# A self-rating is asked with a scale's name, its range, or its anchors alone ("zero being
# the worst and ten the best", "if one is rock bottom"): numeric rating scales are given by
# their end points as often as by their name.
_SCALE = re.compile(
    r"\b(scale|out of (10|ten)|(?<!count from )(?<!counting from )(0|zero|nought|naught|1|one) to "
    r"(10|ten)|rate|rating|"
    r"(0|zero|nought|naught|1|one|10|ten) (being|is|means|meaning|=|for|as)\b)"
)
_HOW_IS_IT = re.compile(
    r"\b(feel\w*|been|doing|treating|holding up|behaving|bothering|giving you)\b|"
    r"\bhow(?:'s| is| are)\s+(?:your|the|that)\b"
)
# "How many headaches...", "how many of the wall push-ups...": what is counted.
_HOW_MANY = re.compile(
    r"\bhow many\s+(?:of\s+(?:the|your|those|these|them)\s+)?((?:[\w'-]+\s+)??[\w'-]*?s)\b"
    r"|\bhow many\s+(\w+)"
)
# Exercises counted are repetitions, whatever the exercise is called.
_EXERCISE = re.compile(
    r"\b(?:reps|repetitions|push-?ups|sit-?ups|squats|lunges|bridges|raises|presses|curls|"
    r"stands|step-?ups|crunches|planks|stretches|exercises|laps|lengths)\b"
)
# A rating given as a range ("between five and six", "a six or seven"), recorded at its
# midpoint: the tool's value is one number, and the midpoint is where the range sits.
_RATING_RANGE = re.compile(
    r"\bbetween\s+(?:a\s+)?(\d+)\s+and\s+(?:a\s+)?(\d+)\b|\b(\d+)\s*(?:-|to|or)\s*(\d+)\b"
)
# A range said as two numbers in a row ("five, six maybe", "a seven, eight"), not two
# ratings; a number with a condition of its own after it is a second rating ("a two, three
# on the day my granddaughter called").
_SAID_RANGE = re.compile(
    r"(\d+)\s*,\s*(?:a\s+|an\s+)?(\d+)\b(?!\s*(?:/|out of|\.\d))"
    r"(?!\W*(?:in|at|by|when|with|after|before|during|on|if|first thing|last thing|walking|"
    r"sitting|standing|lying)\b)"
)
# The number a rating is: not one of a time said with it ("two weeks ago I was at a three").
_RATED_NUMBER = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?(?![\d])(?!\s*(?:or\s+\d+\s+)?(?:days?|weeks?|months?|years?|times|"
    r"o'clock|mornings?|nights?|evenings?|afternoons?|hours?|minutes?|episodes?|attacks?|"
    r"headaches?|migraines?|drinks?|pills?|tablets?|blocks?|steps?|miles?)\b)"
)
_HOW_FAR = re.compile(r"\bhow far\b|\bhow (?:long|much) (?:a )?distance\b")
_WALKED = re.compile(
    r"(\d+(?:\.\d+)?)\s*(blocks?|miles?|laps?|feet|foot|yards?|meters?|metres?|kilometers?)\b"
)
_RATED_THING = re.compile(
    r"\bhow\s+(?:strong|bad|intense|severe|big|high|loud|hard|much)\s+(?:was|is|were|are|did)\s+"
    r"((?:the|your)\s+[\w ]+?)(?:\s*,|\s+(?:on|from|zero|0)\b|\?|$)"
)
# A question about how long a task takes or can be kept up, not how long ago a thing began.
_HOW_LONG_TO = re.compile(
    r"\bhow\s+long\s+(?:does|did|will|would)\s+it\s+take\b|"
    r"\bhow\s+long\s+(?:can|could)\s+you\b|\bhow\s+long\s+(?:do|did)\s+you\s+(?:sleep|nap|walk|"
    r"stand|sit|last|manage)\b|\bhow\s+long\s+(?:is|was)\s+(?:the|your|a)\s+(?:nap|walk)\b"
)
_SCORE_SAID = re.compile(r"\d+(?:\.\d+)?(?:\s*(?:out of|/)\s*\d+)?")
_HOURS_SAID = re.compile(r"(\d+(?:\.\d+)?)\s*(?:hours?|hrs?)\b")
_TIME_SAID = re.compile(r"(\d+(?:\.\d+)?)\s*(seconds|minutes|hours|second|minute|hour)\b")
_PERIOD = re.compile(
    r"\b(this week|this past week|last week|since (?:last time|we last met|our last session)|"
    r"per week|a week|each week|last night|a night|per night|today|this month)\b"
)


def answer_question(
    sentence: str, kind: Utterance, item_id: str, context: Context, facts: Facts
) -> bool:
    """Turn the clinician's question and this first sentence of the reply into one fact.

    Returns False when the reply does not answer the question as a fact (the sentence is
    then written as an ordinary statement).
    """
    assert context.question is not None
    question_id, question = context.question
    ids = (question_id, item_id)
    if kind is Utterance.ACKNOWLEDGEMENT and said_yes(sentence):
        # "Yes." alone reads as a nod; to a question it is the answer ("Do you feel safe at
        # home?" "Yes." is a denial, and "Any numbness?" "Yeah." reports numbness).
        kind = Utterance.YES
    answer = normalise(sentence)
    screened = screened_risks(question)
    if screened:
        return screen_answer(sentence, kind, screened, ids, context, facts)
    flag_stated(sentence, ids, context, facts)  # "About a six, and I want to die."
    q = normalise(question)
    topic = next((name for name, pattern in _TOPICS if pattern.search(q)), "")
    lead = normalise(context.question_lead)
    if not topic and lead and not body_part(spoken_numbers_to_digits(q)):
        # "You mentioned headaches. How bad is it right now, on a ten-point scale?": the
        # question asks about what the sentence before it named.
        topic = next((name for name, pattern in _TOPICS if pattern.search(lead)), "")
        if topic or body_part(spoken_numbers_to_digits(lead)):
            q = f"{lead} {q}"
    how_many = _HOW_MANY.search(q)
    counted = _counted_noun(how_many)
    if how_many is not None and counted not in ("hours", "minutes"):
        topic = ""  # "How many headaches...?" counts them; it does not rate the pain
    said = spoken_numbers_to_digits(answer)
    number = re.search(r"\d+(?:\.\d+)?", said)
    if topic == "weight":
        if body_weight(sentence, context, ids, facts, asked=True) is not None:
            return True
        context.topic = "weight"  # "I lost three pounds. I'm at one twenty-six now."
    part_named = body_part(spoken_numbers_to_digits(q))
    rates_a_part = _SCALE.search(q) is not None and (bool(part_named) or "headache" in q)
    if not topic and rates_a_part:
        # "Rate the neck, zero to ten.", "Scale of one to ten, the back?": a body part
        # rated on a numeric scale is rated for pain, as a numeric pain rating is asked.
        topic = "pain"
    elif not topic and part_named and _HOW_IS_IT.search(q):
        # "How's the left ankle feeling?": a number the client gives it is how much it
        # hurts, if it is said as a rating ("like a two"), not a count or a distance.
        topic = "pain"
        number = bare_rating_number(said)
    rated = _RATED_NUMBER.search(said)
    if (
        number is not None
        and rated is not None  # "three or four mornings a week": how often, not how much
        and topic in ("pain", "mood", "anxiety", "energy")
        and (_SCALE.search(q) or topic == "pain")
    ):
        value = number_value(rated.group(0))
        span = _RATING_RANGE.search(said)
        said_range = _SAID_RANGE.match(said, rated.start())
        spanned = ""
        as_said = ""
        if span is None and said_range is not None:
            span = said_range  # "Five, six maybe.": one rating, given as a range
            spanned = said[span.end() :].strip(" ,.;-")
        if span is not None:
            low, high = (float(g) for g in span.groups() if g is not None)
            if 0 < high - low <= 2 and high <= 10:
                value = number_value(str((low + high) / 2))  # "between five and six"
                as_said = "-".join(_number_text(number_value(str(v))) for v in (low, high))
            else:
                spanned = ""
        if value <= 10:
            m: dict[str, Any] = {"kind": "pain_score", "value": value, "unit": "/10"}
            if topic == "pain":
                # The answer's own words name the part where the question names several
                # ("How are the neck and shoulder?" "Neck's about a four.").
                own = said[: rated.start()]
                part = (
                    body_part(own)
                    or body_part(spoken_numbers_to_digits(q))
                    or ("head" if "headache" in q else "")
                    or context.part
                )
                side = (
                    side_of(own)
                    if body_part(own)
                    else side_of(spoken_numbers_to_digits(q)) or (context.side if part else "")
                )
                if part:
                    m["body_part"] = part
                if side:
                    m["side"] = side
            elif topic == "mood":
                m = {"kind": "mood_score", "value": value, "unit": "/10"}
            else:
                m = {"kind": "other", "value": value, "unit": "/10", "name": topic}
            if is_earlier(m, said, count_numbers(said)):
                # "Last time I said a six. Today it's a four.": the earlier rating, which
                # today's is compared with when the reply goes on to give it.
                remember_earlier(m, said_when(said), context)
                context.rating = m
                text = writing.earlier_rating_text(m, said_when(said))
                facts.entries.append(Entry("subjective", text, ids))
                return True
            record(m, ids, context, facts)
            if m["kind"] == "pain_score":
                context.rating = m
            text = (
                writing.measurement_text(m, self_rated=True)
                if m["kind"] != "other"
                else writing.client_report(f"{topic} is {value} out of 10")
            )
            if as_said:
                # The midpoint is the value recorded; the note says the range as given.
                text = text.replace(f"{_number_text(value)}/10", f"{as_said}/10", 1)
            rated_entry = Entry("subjective", text, ids)
            facts.entries.append(rated_entry)
            rest = spanned or _after_number(sentence)
            earlier = earlier_number(rest)
            if earlier is not None and m["kind"] != "other":
                progress = writing.progress_text(m, earlier, when=said_when(normalise(rest)))
                facts.entries.append(Entry("assessment", progress, ids))
            elif m["kind"] == "pain_score" and more_ratings(rest, m, ids, context, facts):
                # "a three in the morning, a five by evening": each is a rating, with when
                rated_entry.text = with_condition(text, rest)
            elif len(rest.split()) >= 4:
                facts.entries.append(Entry("subjective", writing.client_report(rest), ids))
            return True
    far = _HOW_FAR.search(q)
    walked = _WALKED.search(said) if far else None
    if _said_in_unit(walked, "distance", sentence, ids, context, facts):
        # "How far can you walk?" "About two blocks.": the distance walked, which has no
        # body part (the leg named in the question is what stops the walk).
        return True
    if (
        number is not None
        and not topic
        and kind is not Utterance.NO
        and _counted(sentence, q, number, ids, context, facts)
    ):
        return True
    if number is not None and counted in ("hours", "minutes"):
        # "How many hours did you get?" "Six, six and a half.": the unit is the question's.
        m = {"kind": "duration", "value": number_value(number.group(0)), "unit": counted}
        record(m, ids, context, facts)
        noun = topic if topic in ("sleep", "exercises") else ""
        text = _topic_report(noun, sentence) if noun else writing.client_report(sentence)
        facts.entries.append(Entry("subjective", _with_unit(text, m), ids))
        return True
    took = _HOW_LONG_TO.search(q)
    timed = _TIME_SAID.search(spoken_numbers_to_digits(_one_unit(answer))) if took else None
    if _said_in_unit(timed, "duration", sentence, ids, context, facts):
        # "How long does it take you to fall asleep?" "Forty-five minutes, at least.": the
        # time a task takes, in the unit the reply gives.
        return True
    slept = _HOURS_SAID.search(said) or re.match(r"^\W*\w+\W*(\d+(?:\.\d+)?)", said)
    if topic == "sleep" and slept is not None and not sleep_values(said):
        # "Maybe five, on and off.", "about six hours": the hours slept; the time it takes
        # to fall asleep, the wakings and the naps are values of their own.
        m = {"kind": "duration", "value": number_value(slept.group(1)), "unit": "hours"}
        record(m, ids, context, facts)
        facts.entries.append(Entry("subjective", _topic_report("sleep", sentence), ids))
        return True
    hedge = _HEDGE.match(answer) if _is_yes_no(q) else None
    if kind is Utterance.STATEMENT and hedge is not None:
        kind = Utterance.YES  # "Most days.", "Pretty much, with a half day on Fridays."
    if kind in (Utterance.YES, Utterance.NO) and _is_yes_no(q):
        phrase = _question_phrase(question)
        if not phrase:
            return False
        said_hedge = _HEDGE.match(sentence.lower()) if hedge is not None else None
        extra = answer_content(sentence[said_hedge.end() :] if said_hedge is not None else sentence)
        extra = re.sub(
            r"^(?:i do|i have|i am|i did|i don't|i haven't|i'm not|i didn't)\b\W*",
            "",
            extra,
            flags=re.IGNORECASE,
        )
        if kind is Utterance.NO:
            text = clean_sentence(f"Client denies {phrase}")
        elif hedge is not None:
            # "Most days.", "Pretty much, with a half day on Fridays.": how far it holds.
            text = clean_sentence(f"Client reports {phrase} {_how_far(hedge.group(1))}")
        else:
            text = clean_sentence(f"Client reports {phrase}")
        if len(extra.split()) >= 2:
            detail = writing.client_report(extra)[len("Client reports ") :].rstrip(".")
            joint = ": "
            if hedge is not None:
                # "Mostly in the mornings." reads on; "Pretty much, with..." is set apart.
                joint = ", " if normalise(sentence)[hedge.end() :].lstrip().startswith(",") else " "
                detail = detail[:1].lower() + detail[1:]
            text = clean_sentence(f"{text.rstrip('.')}{joint}{detail}")
        today_values(sentence, context, ids, facts)
        facts.entries.append(Entry("subjective", text, ids))
        return True
    if (
        kind is Utterance.STATEMENT
        and number is None
        and _choice_answer(question, sentence, ids, facts)
    ):
        return True
    words = answer.split()
    if topic and len(words) <= 5 and number is None and kind is Utterance.STATEMENT:
        detail = writing.client_report(sentence)[len("Client reports ") :].rstrip(".")
        if detail:
            facts.entries.append(
                Entry("subjective", clean_sentence(f"Client describes {topic} as {detail}"), ids)
            )
            return True
    return False


def _one_unit(answer: str) -> str:
    """A time said with "a" or "half" as a number ("about an hour" -> "about 1 hour")."""
    answer = re.sub(r"\bhalf an? hour\b", "30 minutes", answer)
    answer = re.sub(r"\ban? (hour|minute) and a half\b", r"1.5 \1s", answer)
    return re.sub(r"\ban? (hour|minute)\b", r"1 \1", answer)


def _said_in_unit(
    said: re.Match[str] | None,
    kind: str,
    sentence: str,
    ids: tuple[str, ...],
    context: Context,
    facts: Facts,
) -> bool:
    """Record a reply's number with the unit it was said in (groups: value, unit)."""
    if said is None:
        return False
    unit = said.group(2) if said.group(2).endswith("s") else f"{said.group(2)}s"
    m = {"kind": kind, "value": number_value(said.group(1)), "unit": unit}
    record(m, ids, context, facts)
    facts.entries.append(Entry("subjective", writing.client_report(sentence), ids))
    return True


_CONTENT = re.compile(r"[a-z']{3,}")
_FUNCTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        "the and was were did does you your that this with just for from have had any more "
        "what when how it's its there they them then than been being into over",
    )
)
_CHOICE = re.compile(r"^(?P<first>.+?),?\s+or\s+(?P<second>[^,]+?)\W*$")
_PRESENCE = re.compile(
    r"^(?:\W*(?:okay|ok|so|and|now)\W+)*(?:any|anything|were you|was there|did you (?:feel|"
    r"notice|have|get)|do you (?:feel|notice|have|get)|have you (?:felt|noticed|had))\b"
)
_SUBJECT = re.compile(
    r"^(?:\W*(?:okay|ok|so|and|now)\W+)*(?:did|does|do|is|was|were|are|has|have|had)\s+"
    r"(?:the|your|that|this)\s+([a-z]+)"
)


def _choice_answer(question: str, sentence: str, ids: tuple[str, ...], facts: Facts) -> bool:
    """A reply that picks one side of an either-or question, written with the question.

    "Any dizziness before it, or was it just the bowl?" "Just the bowl." is a denial of
    dizziness; "Did the numbness come on suddenly, or gradually?" "Gradually." is the
    numbness's onset. The reply alone ("Client reports just the bowl") says nothing.
    """
    choice = _CHOICE.match(normalise(question).strip().rstrip("?"))
    if choice is None:
        return False
    first, second = (_content(choice.group(g)) for g in ("first", "second"))
    said = _content(normalise(sentence))
    if not said & second or len(said & second) <= len(said & first):
        return False
    detail = writing.client_report(sentence)[len("Client reports ") :].rstrip(".")
    if _PRESENCE.match(choice.group("first")):
        asked = _question_phrase(choice.group("first") + "?")
        text = f"Client denies {asked}; reports {detail}"
    else:
        subject = _SUBJECT.match(choice.group("first"))
        if subject is None:
            return False
        text = f"{subject.group(1).capitalize()}: client reports {detail}"
    facts.entries.append(Entry("subjective", clean_sentence(text), ids))
    return True


def _content(text: str) -> set[str]:
    return {w for w in _CONTENT.findall(text) if w not in _FUNCTION_WORDS}


def _counted_noun(how_many: re.Match[str] | None) -> str:
    """What a "how many" question counts ("hours", "panic attacks", "wall push-ups")."""
    return "" if how_many is None else how_many.group(1) or how_many.group(2)


def _counted(
    sentence: str,
    question: str,
    number: re.Match[str],
    ids: tuple[str, ...],
    context: Context,
    facts: Facts,
) -> bool:
    """An answer to "how many ...?" or to a zero-to-ten rating of anything: one value.

    Clinicians count what they track (panic attacks, nights with nightmares, drinks, words
    found) and rate what the client feels on the same scale; the number the client gives is
    the fact, the question names it.
    """
    digits = spoken_numbers_to_digits(normalise(sentence))
    rating = bare_rating_number(digits) or number
    how_many = _HOW_MANY.search(question)
    if how_many is not None:
        value = number_value(number.group(0))
        noun = _counted_noun(how_many)
        kind = "repetitions" if _EXERCISE.search(noun) else "other"
        m: dict[str, Any] = {"kind": kind, "value": value, "unit": noun}
        record(m, ids, context, facts)
        period = _PERIOD.search(question)
        when = f" {period.group(1)}" if period is not None else ""
        text = clean_sentence(f"Client reports {_number_text(value)} {noun}{when}")
        facts.entries.append(Entry("subjective", text, ids))
        return True
    value = number_value(rating.group(0))
    if _SCALE.search(question) and float(value) <= 10:
        rated = _RATED_THING.search(question)
        thing = rated.group(1) if rated is not None else "it"
        thing = re.sub(r"\byour\b", "their", thing.strip())
        m = {"kind": "other", "value": value, "unit": "/10", "name": thing}
        record(m, ids, context, facts)
        text = clean_sentence(f"Client rates {thing} {_number_text(value)}/10")
        facts.entries.append(Entry("subjective", text, ids))
        return True
    return False


def _with_unit(text: str, m: dict[str, Any]) -> str:
    """A bare number in the answer gets the unit the question asked for ("6.5" -> "6.5 hours")."""
    value = _number_text(m["value"])
    if re.search(rf"\b{re.escape(value)}\s+{m['unit']}", text):
        return text
    said = rf"(?<![\d.]){re.escape(value)}(?!\d|\.\d)"  # "6." ends a sentence; "6.5" is a number
    return re.sub(said, f"{value} {m['unit']}", text, count=1)


def _number_text(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _topic_report(topic: str, sentence: str) -> str:
    """An answer that leaves its subject to the question ("Not great, maybe four hours")."""
    report = writing.client_report(sentence)
    if re.match(r"^Client reports (they|their|the|it|its|this|that|she|he)\b", report):
        return report
    detail = report[len("Client reports ") :]
    return clean_sentence(f"{topic.capitalize()}: client reports {detail}")


_HEDGE = re.compile(rf"^\W*(?:(?:yeah|yes|um+|uh+|well|oh)\W+)?({HEDGED_YES})\b")
_MOSTLY = frozenset({"pretty much", "more or less", "for the most part", "generally"})


def _how_far(hedge: str) -> str:
    """A hedged yes as the note says it: "pretty much" is "mostly", "I try to" "when they can"."""
    if hedge in _MOSTLY:
        return "mostly"
    return "when they can" if hedge.startswith("i try") else hedge


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
    done = re.match(r"^(?:do|does|did)\s+you\b", text) is not None
    text = re.sub(
        r"^(?:do|does|did|are|is|was|were|have|has|had|can|could|would|will)\s+"
        r"(?:you|it|that|there|things|anything|anyone|the)\s+(?:been\s+|ever\s+|still\s+|also\s+)*",
        "",
        text,
    )
    text = re.sub(r"^(?:any|anything|been)\s+", "", text)
    text = re.sub(r"^(?:get|got|have|had)\s+a\s+chance\s+to\s+", "", text)
    if re.match(r"^(?:have|had|notice|noticed)\b|^(?:feel|get|got)\s+any\b", text) is not None:
        text = re.sub(r"^(?:have|get|got|notice|noticed|feel|had)\s+(?:any\s+)?", "", text)
    elif done:
        # "Do you use the cane outside?" asks about doing it: "using the cane outside".
        text = re.sub(r"^([a-z]+)", lambda m: _gerund(m.group(1)), text)
    text = re.sub(r",?\s*(?:at all|lately|recently|this week|since (?:last|we) \w+)$", "", text)
    text = re.sub(r"\byour\b", "their", text)
    text = re.sub(r"\byourself\b", "themselves", text)
    text = re.sub(r"\byou\b", "they", text)
    return spoken_numbers_to_digits(text).strip()


def _gerund(verb: str) -> str:
    """A verb's -ing form, as a question asked with "do you" is reported ("waking up")."""
    if verb.endswith("ing") or verb in ("be", "see", "flee", "agree"):
        return f"{verb}ing" if verb in ("be", "see", "flee", "agree") else verb
    if verb.endswith("ie"):
        return f"{verb[:-2]}ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return f"{verb[:-1]}ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb) and len(verb) <= 4:
        return f"{verb}{verb[-1]}ing"  # "get" -> "getting", "nap" -> "napping"
    return f"{verb}ing"


def _after_number(sentence: str) -> str:
    text = spoken_numbers_to_digits(sentence)
    rated = _RATED_NUMBER.search(text)
    match = _SCORE_SAID.search(text, rated.start() if rated is not None else 0)
    if match is None:
        return ""
    return text[match.end() :].strip(" ,.;-")
