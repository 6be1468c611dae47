"""Who said it and what kind of utterance it is: the dialogue a note is written from.

A note records facts, not conversation: questions, greetings, in-session instructions
("squeeze this for me") and acknowledgements are the talk around the facts. A question
and its answer together state one fact ("Where's the pain, zero to ten?" + "About a six").
The speaker comes from the transcript's role prefix ("Clinician: ...", "Client: ..."), as
the app hands turns to either engine.
"""

from __future__ import annotations

import re
from enum import StrEnum

from therapy_notes.engine.composer.measurements import find_measurements
from therapy_notes.engine.composer.numbers import spoken_numbers_to_digits
from therapy_notes.engine.composer.text import normalise


class Speaker(StrEnum):
    """The role prefix of a turn; `unknown` for dictation or an unlabelled voice."""

    CLINICIAN = "clinician"
    CLIENT = "client"
    UNKNOWN = "unknown"


class Utterance(StrEnum):
    """What a sentence does in the conversation."""

    QUESTION = "question"
    GREETING = "greeting"
    INSTRUCTION = "instruction"
    ACKNOWLEDGEMENT = "acknowledgement"
    YES = "yes"
    NO = "no"
    STATEMENT = "statement"


_PREFIX = re.compile(
    r"^\s*(clinician|therapist|provider|client|patient|speaker(?:\s*\d+)?)\s*:\s*", re.IGNORECASE
)
_PREFIX_ROLES = {
    "clinician": Speaker.CLINICIAN,
    "therapist": Speaker.CLINICIAN,
    "provider": Speaker.CLINICIAN,
    "client": Speaker.CLIENT,
    "patient": Speaker.CLIENT,
}


def split_speaker(text: str) -> tuple[Speaker, str]:
    """The speaker named by a turn's prefix, and the words without it."""
    match = _PREFIX.match(text)
    if match is None:
        return Speaker.UNKNOWN, text.strip()
    role = _PREFIX_ROLES.get(match.group(1).lower(), Speaker.UNKNOWN)
    return role, text[match.end() :].strip()


# "Right" opens a question as a filler said apart ("Right, is it sore?", or unpunctuated as
# a recogniser writes it, "right so how is it"); "Right is one-fifteen" names a side.
_FILLER = (
    r"(?:(?:okay|ok|alright|all right|so|now|well|um+|uh+|and|but|oh|hmm+|great|good|"
    r"perfect|excellent|nice|yeah|yes|mm-?hmm|uh-?huh)\W+|right\s*[,.!;:-]\W*|"
    r"right\s+(?=(?:so|and|now|okay|ok|how|what|where|when|which|who|why|can|could|would|do|"
    r"does|did|any|have|has|let's|tell)\b))*"
)
_QUESTION_START = re.compile(
    rf"^{_FILLER}(?:how|what|what's|whats|when|where|where's|why|which|who|whose|"
    r"do|does|did|are|is|was|were|have|has|had|can|could|would|will|should|any|anything|"
    r"tell me|describe|walk me through|talk me through|say more|on a scale)\b"
)
# A rating asked for as an imperative ("Rate your pain.", "Give me a number for the
# neck."): a question, whose reply is the rating, unless it is homework ("rate your mood
# every evening").
_RATE_REQUEST = re.compile(
    rf"^{_FILLER}(?:(?:can|could|would) you\s+|please\s+)?(?:rate|score|grade|"
    r"give me a number|give it a number|put a number on)\b(?!\s+(?:it|them|this)\s+(?:each|every|"
    r"daily|twice))|"
    # "Low back and leg, separate numbers please."
    r"\b(?:a|one|two|separate|your)\s+numbers?\s*,?\s+please\b|\bnumbers?\s+for\s+(?:each|both)\b"
)
_GREETING = re.compile(
    rf"^{_FILLER}(?:(?:thanks|thank you),?\s+)?(?:hi|hello|hey|good (?:morning|afternoon|evening)|"
    r"nice to see you|"
    r"good to see you|great to see you|come (?:on )?in|have a seat|take a seat|"
    r"thanks? (?:you )?for coming|welcome back|how are you(?: doing)?(?: today)?|"
    r"how(?:'s| is| has| was) (?:your|the) (?:weekend|week|day|trip|holiday|morning)|"
    r"see you|bye|goodbye|take care|have a (?:good|great|nice) (?:day|week|weekend)|"
    r"you're welcome|no problem|my pleasure)\b"
)
# Courtesy and empathy around the facts: "I'm sorry it's been that heavy", "thank you for
# being honest with me", "here you go".
_COURTESY = re.compile(
    rf"^{_FILLER}(?:i'm (?:so |really )?sorry|i am sorry|that (?:sounds|must be|must have been) "
    r"(?:hard|tough|difficult|rough|scary|frustrating|a lot)|thank you|thanks|i appreciate|"
    r"here you go|there you go|here we go|no worries|don't worry|you're welcome|"
    r"i hear you|that makes sense|fair enough|no (?:hurry|rush)|take your time|"
    r"sorry (?:for|about) (?:the|keeping)|sorry (?:i'm|i am|to be) (?:late|behind|a (?:few|bit))|"
    r"i'm (?:really |so |very )?glad (?:you|i|to|that|we)|i (?:really |truly )?appreciate|"
    r"that's (?:exactly )?what i (?:was hoping|wanted|like|love) to (?:hear|see)|"
    r"that's (?:good|great|wonderful|lovely) (?:news|to hear)|let me (?:grab|get) you|"
    r"(?:that's )?(?:a )?(?:good|great|fair) question)\b"
)
# A client closing the topic or agreeing to a step: "that's about it", "nothing else",
# "fine by me", "I can do that".
_CLOSING = re.compile(
    rf"^{_FILLER}(?:(?:i think|i guess|i suppose|well|sure|yeah|okay)\W+)*(?:(?:that's|that is)\s+"
    r"(?:about |pretty much |basically |probably |really |just )?(?:it|all|everything)\b|"
    r"nothing (?:else|more)\b|not (?:much|a lot|really anything) (?:else|more)\b|"
    r"(?:fine|good|okay|ok) (?:by|with) me\b|(?:that )?works for me\b|i can do that\b|"
    r"i'll (?:try|take it|do that|do my best|give it a (?:try|go|shot))\b|will do\b|"
    r"sounds like a plan\b|(?:that's )?all i(?:'ve got| have| can think of)\b|"
    # "I know, I know.": the advice taken, said to the clinician, not a report.
    r"(?:i know(?:,?\s+i know)*|fair enough|true|that makes sense|makes sense|got you|gotcha|"
    r"i see|i get (?:it|that))\W*$)"
)
# "Night splint, got it.": the client repeating what they were told, and agreeing.
# A goodbye that names the next visit is the plan's follow-up, not a greeting.
_NEXT_VISIT = re.compile(
    r"\bsee you\s+(on\s+|next\s+|in\s+|again\s+)?(monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|tomorrow|\d+|two|three|a week|next)\b"
)
_CLOSING_ACK = re.compile(r"\b(got it|sounds good|will do|okay|ok|all right|alright|sure)\W*$")
# A rating the clinician asks for without the recogniser's question mark: "and your mood
# this week, zero being the worst and ten the best".
_SCALE_PROMPT = re.compile(
    r"\b(on a scale|(0|zero|1|one) (being|is|=) (the )?(worst|best|lowest|highest|none|no)|"
    r"(?<!count from )(?<!counting from )"
    r"(0|zero|nought|naught|1|one) to (10|ten|5|five)\b(?!\s*(degrees|percent)))"
)
# In-session instructions: an imperative about what to do right now, often "for me".
_INSTRUCTION_VERBS = (
    r"squeeze|lift|raise|lower|push|pull|press|bend|straighten|extend|flex|hold|relax|"
    r"breathe|inhale|exhale|stand|sit|lie|lay|walk|step|turn|rotate|reach|grab|make a fist|"
    r"make|let go|catch|throw|"
    r"touch|point|look|read|repeat|say|tell|show|follow (?:my|the|this)|try|give|keep going|"
    r"go ahead|"
    r"let's|let us|slide|kick|tap|open|close|swallow|take a (?:\w+ )?(?:breath|sip|bite)|"
    r"count|name|put|place|pick|stack|roll|march|shift|come back|bring|move|stop|rest|"
    r"notice|close your eyes|one more|again|back to|up|down|scoot|hook|hop|tuck|curl|spread|"
    r"wiggle|tip|tilt|nod|shrug|squat|clap|blow|hum|pucker|stick out|"
    # A resisted test is given as a negative: "don't let me push it down".
    r"don't let me|do not let me|don't move|do not move"
)
_INSTRUCTION = re.compile(
    rf"^{_FILLER}(?:(?:can|could|would) you\s+|i(?:'d| would) like you to\s+|i want you to\s+|"
    r"(?:i'm going to|i am going to|i'll|let me)\s+(?:show|have you|ask you|give|check|measure|"
    r"look|test|time|watch|try)\b.*|"
    rf"go ahead and\s+|just\s+|please\s+)?(?:{_INSTRUCTION_VERBS})\b"
)
# A test named, then how to do it: "Knee extension strength, push out against me.", "Hip
# abduction, lying on your side.", "Shoulder abduction, right arm first." The name is a
# body part, a motion or a test, never a finding ("Overall, lift technique was good").
_TEST_NAMED_THEN_HOW = re.compile(
    rf"^{_FILLER}(?P<name>(?:[a-z'+-]+\s+){{0,6}}[a-z'+-]+)\s*,\s*(?:(?:left|right)(?:\s+(?:side|"
    r"arm|leg|hand|foot))?\s*,\s*|[a-z' ]{3,40},\s*)?(?:"
    rf"{_INSTRUCTION_VERBS}|lying|sitting|standing|on\s+your\s+(?:back|side|front|stomach|tummy)|"
    r"(?:left|right)\s+(?:side|arm|leg|hand|foot)?\s*first)\b"
)
_TEST_NAME = re.compile(
    r"\b(?:flexion|extension|abduction|adduction|rotation|dorsiflexion|plantarflexion|"
    r"supination|pronation|eversion|inversion|deviation|bending|strength|grip|pinch|"
    r"balance|stance|sit to stand|heel raises?|neck|shoulders?|elbows?|wrists?|hips?|knees?|"
    r"ankles?|fingers?|thumbs?|toes?|quads?|hamstrings?|biceps|triceps|calf|calves|glutes?|"
    r"trunk|back|spine|jaw|tongue|lips?)\b"
)
# A task's effort asked for: "Plank for as long as you can.", "as many as you can".
_AS_YOU_CAN = re.compile(
    r"\bas\s+(?:long|many|far|fast|hard|high|much|loud|quickly)\s+as\s+(?:you|she|he)\s+can\b"
)
# What the clinician does next in the room, not after it: "I'll count", "I'll walk right
# next to you", "let's do the hop test", "we're going to do the six-minute walk".
_IN_SESSION = re.compile(
    rf"^{_FILLER}(?:(?:i'm going to|i am going to|i'll|i will|let me)\s+(?:count|time|hold|"
    r"spot|stand|stay|watch|walk (?:right )?(?:next to|beside|behind|with)|keep (?:a|my) hand|"
    r"guard|check|measure|look)\b|"
    r"(?:let's|let us|we're going to|we are going to|we'll|time for)\s+(?:do\s+|try\s+|start"
    r"(?:\s+with)?\s+|move on to\s+)?(?:the|a|some|one|another)\b[^.]*?\b(?:test|walk|trial|"
    r"task|measure\w*|numbers|reading|screen\w*)\b|"
    # "You can start whenever you're ready": the go-ahead for a task in the room.
    r"(?:you can\s+|go ahead and\s+)?\w+(?:\s+\w+){0,4}?\s+(?:when|whenever)\s+(?:you're|you are)"
    r"\s+ready\W*$)"
)
# Material handed over or read out in the room: "I'll read you five words", "I'm going to
# show you some pictures", "I'll write down where to find them" (not "I'll give you a
# call", which is a follow-up).
_MATERIAL = re.compile(
    rf"^{_FILLER}(?:i'm going to|i am going to|i'll|i will|let me)\s+(?:(?:read|show|ask|hand|"
    r"play|give)\s+(?:you|him|her)\b(?!\s+a\s+(?:call|ring|shout|text))|write (?:\w+ )?down\b|"
    r"jot\b|print\b)"
)
_FOR_ME = re.compile(r"\bfor me\b\W*$")
# The verbs a directive to the client starts with, in the room or for daily life.
IMPERATIVE = re.compile(
    r"^(?:please\s+|just\s+|also\s+|always\s+|never\s+|only\s+)*(?:use|wear|take|try|do|practi[cs]e|"
    r"keep|put|get|buy|order|call|text|phone|email|write|read|say|tell|ask|bring|drink|eat|"
    r"avoid|stop|skip|start|go|walk|sit|stand|lie|rest|ice|heat|stretch|breathe|count|step|"
    r"hold|leave|set|switch|swap|cut|limit|add|schedule|book|check|look|listen|notice|"
    r"remember|think|focus|move|lift|bend|squeeze|massage|apply|wash|sleep|nap|pace|spend|"
    r"give|make|turn|open|close|pick|place|record|track|log|fill|finish|repeat|hum|sing|"
    r"speak|talk|slow|pause|swallow|chew|sip|moisten|soak|elevate|wrap|change|reach|push|"
    r"pull|press|raise|lower|roll|slide|tap|play|join|visit|see|meet|plan|let|don't|do not)\b"
    r"(?:\s+(?:the|your|a|an|it|them|this|that|these|those|some|any|up|down|out|off|on|in|to|"
    r"for|with|back|over|yourself|at|one|each|every|all|more|less|no|not|slowly|\w+ing)\b|\s*$)"
)
# A condition of daily life before a directive: "when the cravings hit, text your sponsor",
# "for the dizziness, try sitting first", "until the rail is in, please use the chair". A
# cue for the room ("when I say go", "for this one") leads an instruction instead.
_DAILY_LEAD = re.compile(
    r"^(?:when|whenever|if|until|till|once|before|after|each time|every time|any ?time|while|"
    r"for (?:the|your|that|those|any)|between|over the|at (?:night|home|work|school))\b"
)
_SESSION_LEAD = re.compile(
    r"^(?:when i (?:say|count|tell|tap|point)|(?:when|whenever) (?:you're|you are) ready|"
    r"in your own time|on (?:my|the) (?:count|signal)|for (?:this|that|"
    r"the next|the last) (?:one|test|side|trial|set|round)|if you can|if it (?:hurts|pinches)|"
    r"while i\b)"
)


def lead_and_directive(text: str) -> str:
    """Whether a directive follows a leading phrase: "daily", "session" or "".

    "When the cravings hit, text your sponsor" is advice for daily life; "arms crossed on
    your chest, stand up" and "when I say go, walk" are steps of a test in the room.
    """
    lead, comma, rest = text.partition(", ")
    if not comma or len(lead.split()) > 9 or not IMPERATIVE.match(rest.strip()):
        return ""
    if _DAILY_LEAD.match(lead) and not _SESSION_LEAD.match(lead):
        return "daily"
    return "session"


# What makes an instruction homework rather than a step in the session.
_AT_HOME = re.compile(
    # A restriction on lifting, carrying or driving holds in daily life, not in the room, and
    # so does a step tied to a recurring event ("after every walk", "most days") or a sign
    # to stop ("stop the stretch if it causes any tingling").
    r"\b((?:try not to|avoid|don't|do not|no) (?:lift|carry|driv)\w*|"
    r"(?:after|before) (?:every|each) \w+|most days|every other day|on (?:the )?weekends?|"
    r"in (?:a|one|two|three|four|six|a couple of|a few) (?:days?|weeks?|months?)|"
    r"if (?:it|that|this|you|they|the \w+) [^.]{0,30}\b(?:hurts?|causes?|gets? worse|flares?|"
    r"pain\w*|tingl\w*|numb\w*|dizz\w*|swell\w*)|"
    r"at home|home program|homework|a day|daily|every (day|morning|night|evening)|"
    r"each (day|morning|night|evening)|times a (day|week)|per day|per week|this week|"
    r"before (bed|next)|until (next|i see)|next (session|time|visit|week)|between (now|sessions)|"
    r"twice|three times|keep (doing|working|using|practicing|practising|icing)|continue|"
    r"from now on|going forward|over the (week|weekend|next)|follow[- ]?up|in \d+ weeks?|"
    r"tonight|tomorrow|this weekend|safety plan|crisis line|988|before you leave|"
    r"keep (the|your|up|on|going with|doing|working|using|practicing|practising|icing|wearing)|"
    # Equipment and habits for daily life: "wear the brace for every practice", "use the
    # cane in the house", "get a non-slip mat for the tub".
    r"for (every|each|all) \w+|in the (house|home|shower|tub|kitchen|car)|around the house|"
    # Daily life named by when it comes round, and a habit started or stopped: "whenever you
    # climb the stairs", "start using the walker", "stop taking the stairs two at a time".
    r"whenever(?! (?:you're|you are) ready| you like)|(start|stop)\s+(using|taking|wearing|"
    r"driving|carrying|lifting|drinking|eating|sleeping)\s+(?!that|this|it\b)"
    r"(?![^.]*\b(?:for this|this time|for me|right now|for a (?:moment|second|sec|minute))\b)|"
    r"home programme|"
    r"hold off on|"
    r"at (night|work|school|practice|meals?|mealtimes?)|before (each|every|meals?|eating)|"
    r"for now|until i (say|see)|when you (go|walk|leave|get|shower|bathe|eat|drive|feel)|"
    r"for (the next |another |a few more |\d+ more |two more |three more )?(days?|weeks?|months?)|"
    r"every \d+ (minutes|hours))\b|"
    r"^\W*(please\s+)?(get|buy|order|pick up)\s+(a|an|some|yourself)\b"
)
_ACK_WORDS = frozenset(
    {
        "okay",
        "ok",
        "alright",
        "all",
        "right",
        "good",
        "great",
        "nice",
        "perfect",
        "excellent",
        "wonderful",
        "sure",
        "mm",
        "hmm",
        "mmhmm",
        "mm-hmm",
        "uh-huh",
        "uh",
        "huh",
        "i",
        "see",
        "got",
        "it",
        "that's",
        "thats",
        "job",
        "well",
        "done",
        "thank",
        "thanks",
        "you",
        "sounds",
        "makes",
        "sense",
        "exactly",
        "cool",
        "awesome",
        "very",
        "so",
        "oh",
        "wow",
        "yes",
        "yeah",
        "understood",
        "fair",
        "enough",
        "there",
        "go",
        "we",
        "now",
    }
)
# A yes with a hedge: how often or how far it holds, which the note keeps. Read as a yes
# only in reply to a yes/no question (`answers`), not wherever a sentence opens with one.
HEDGED_YES = (
    r"pretty much|mostly|most days|most of the time|most mornings|most nights|usually|"
    r"generally|on and off|off and on|more or less|for the most part|i try to|i try"
)
_YES_WORDS = (
    r"yes|yeah|yep|yup|i do|i have|i am|i did|sometimes|a little|a bit|"
    r"kind of|sort of|i guess so|i think so|definitely|absolutely|some days|"
    r"once or twice|a few times|occasionally|now and then|that's right|that's true|correct"
)
_NO_WORDS = (
    r"no|nope|nah|not really|not at all|never|none|nothing(?: like that)?|"
    r"i don't|i do not|i haven't|i have not|i'm not|i am not|i didn't|i did not|not lately|"
    r"not that i know(?: of)?|not since|not anymore|no way|not once"
)
_YES = re.compile(rf"^{_FILLER}?(?:{_YES_WORDS})\b")
_NO = re.compile(rf"^{_FILLER}?(?:{_NO_WORDS})\b")


def said_yes(sentence: str) -> bool:
    """A reply that is a yes, however short ("Yes.", "Yeah."), which alone reads as a nod."""
    text = normalise(sentence).strip()
    return _YES.match(text) is not None and _NO.match(text) is None


def utterance_kind(sentence: str, speaker: Speaker) -> Utterance:
    """What one sentence does: asks, greets, instructs, acknowledges, answers, or states."""
    text = normalise(sentence).strip()
    words = re.findall(r"[a-z'-]+", text)
    if not words:
        return Utterance.ACKNOWLEDGEMENT
    clinician = speaker is Speaker.CLINICIAN
    led = lead_and_directive(re.sub(rf"^{_FILLER}", "", text)) if clinician else ""
    # "When the cravings hit, text your sponsor": a "when" that leads a directive asks nothing.
    asks = text.endswith("?") or (clinician and _QUESTION_START.match(text) and not led)
    if asks and not (text.endswith(".") and len(words) > 12):
        return Utterance.QUESTION
    if clinician and _SCALE_PROMPT.search(text) and not has_value(text):
        return Utterance.QUESTION
    if clinician and _RATE_REQUEST.search(text) and not _AT_HOME.search(text):
        return Utterance.QUESTION
    if _GREETING.match(text) and len(words) <= 10 and not _NEXT_VISIT.search(text):
        return Utterance.GREETING
    if speaker is not Speaker.CLIENT and _COURTESY.match(text) and len(words) <= 14:
        return Utterance.ACKNOWLEDGEMENT
    if speaker is Speaker.CLIENT and _CLOSING.match(text) and len(words) <= 8:
        return Utterance.ACKNOWLEDGEMENT
    if len(words) <= 5 and all(w in _ACK_WORDS for w in words):
        return Utterance.ACKNOWLEDGEMENT
    named = _TEST_NAMED_THEN_HOW.match(text)
    directs = (
        _AS_YOU_CAN.search(text) is not None
        or (named is not None and _TEST_NAME.search(named.group("name")) is not None)
        or _INSTRUCTION.match(text)
        or _IN_SESSION.match(text)
        or (_FOR_ME.search(text) and len(words) <= 14)
        or led == "session"
    )
    if (
        speaker is not Speaker.CLIENT
        and not _AT_HOME.search(text)
        and (_MATERIAL.match(text) or (directs and not find_measurements(_undosed(text))))
    ):
        return Utterance.INSTRUCTION
    if (
        speaker is Speaker.CLIENT
        and len(words) <= 6
        and (_COURTESY.match(text) or _GREETING.match(text) or _CLOSING_ACK.search(text))
    ):
        return Utterance.ACKNOWLEDGEMENT
    if speaker is Speaker.CLIENT:
        if _NO.match(text):
            return Utterance.NO
        if _YES.match(text):
            return Utterance.YES
    return Utterance.STATEMENT


# The dose of a step being asked for ("hold it for ten seconds, five times"): how long and
# how often to do it, which is the instruction's content, not a result.
_DOSE_OF_STEP = re.compile(
    r"\bfor\s+(?:about\s+|another\s+|a\s+)?\d+(?:\.\d+)?\s*(?:seconds?|secs?|minutes?|mins?|"
    r"reps|repetitions|breaths|counts?)\b|\b\d+\s+(?:times|reps|repetitions|sets)\b"
)


def _undosed(text: str) -> str:
    return _DOSE_OF_STEP.sub(" ", spoken_numbers_to_digits(text))


def has_value(text: str) -> bool:
    """A number that is not part of a scale's anchors ("zero to ten")."""
    stripped = _SCALE_PROMPT.sub(" ", text)
    return re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine)\b", stripped) is not None


def is_homework(sentence: str) -> bool:
    """An instruction meant for between sessions ("do these twice a day")."""
    return _AT_HOME.search(normalise(sentence)) is not None


def answer_content(sentence: str) -> str:
    """An answer without its yes or no ("No, nothing like that, no" -> "")."""
    text = normalise(sentence).strip()
    while True:
        stripped = re.sub(
            rf"^\W*(?:{_NO_WORDS}|{_YES_WORDS}|um+|uh+|well|oh|so|okay|ok|honestly)\b\W*",
            "",
            text,
        )
        if stripped == text:
            return sentence.strip()[len(sentence.strip()) - len(text) :].strip(" ,.")
        text = stripped
