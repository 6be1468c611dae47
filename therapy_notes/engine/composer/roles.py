"""The clinical role of a sentence: report, finding, intervention, response, assessment, plan."""

from __future__ import annotations

import re
from functools import lru_cache

from therapy_notes.engine.composer.measurements import find_measurements

# Future tense and the words of a plan. The noun "plan" counts only where the sentence is
# about the plan ("Plan is to...", "the plan for next week"), not where someone merely has
# one ("has a plan to overdose", "has plans for the weekend", "went through her safety plan").
_PLAN = re.compile(
    r"^\W*(the\s+|our\s+)?plans?\b|\b(the|our)\s+plan\s+(is|was|for|will)\b|"
    r"\b(homework|follow[- ]?up|continue|continues|will|scheduled?|"
    r"refer|referral|referred|recommend\w*|discharged?|"
    r"next (session|visit|appointment|week|time))\b|"
    r"\w'll\b|\b(we're|we are) going to\b|"
    r"\bi(?:'d| would)? (?:also |really |just |still )*(like|want)\s+(him|her|them|you)\s+to\b|"
    # The next appointment however it is said: "see you Friday", "Thursday at four.".
    r"\bsee you\s+(on\s+|next\s+|in\s+|again\s+)?(monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|tomorrow|\d+|two|three|a week|next)\b|"
    r"^\W*(same time\s+)?(next\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
    r"(\s+at\s+\S+|\s+(morning|afternoon|evening))?(,?\s+same time)?\W*$|"
    # A referral or a word with another professional.
    r"\b(i'm|i am) (also )?going to\s+(ask|call|contact|refer|send|email|talk|speak|write|"
    r"let|book|schedule|order|get)\b"
)
# A clinician's judgement in the first person ("I think she's...", "I'd say her mood...",
# "I'm not worried about..."): an assessment when the rest of the sentence is about
# someone else. When it goes on in the first person ("I think I overdid it"), the speaker
# is the client and the sentence is what they report.
_OPINION = re.compile(
    r"\b(i think|i'd say|i would say|i feel like|i believe|i suspect|"
    r"i'm (?:not |a (?:bit|little) )?(?:worried|concerned)|i am (?:not )?(?:worried|concerned)|"
    r"my impression)\b"
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself)\b")
_SUBJECTIVE = re.compile(
    r"\b(reports?|reported|reporting|states?|stated|says|said|complains?|complained|"
    r"describes?|described|endorses?|endorsed|denies|denied|feels|felt|feeling|"
    r"mentions?|mentioned|tells|told|telling|admits|admitted|worried|worries)\b"
)
_ASSESSMENT = re.compile(
    r"\b(progress\w*|improv\w*|impression|assessment|consistent with|suggest\w*|"
    r"indicat\w*|worsen\w*|declin\w*|regress\w*|prognosis|likely)\b"
)
_GOALS = re.compile(r"\b(goals?|objective is|aim is)\b")
_RESPONSE = re.compile(
    r"\b(responded|response|tolerated|completed|(was|were) able to|identified|demonstrated|"
    r"verbalized|verbalised|fatigue|engaged)\b"
)
# What the clinician did, in the clinician's words: "introduced...", "we practiced...",
# "we went through...".
_INTERVENTION_ACT = re.compile(
    r"\b(introduced|reviewed|practiced|practised|taught|educated|instructed|provided|trained|"
    r"discussed|explored|administered|applied|facilitated|modeled|modelled|guided|"
    r"demonstrated to)\b|"
    r"\bwe (did|do|worked|work|went through|tried|talked|used|spent|started|focused|focussed)\b"
)
_INTERVENTION_NOUN = re.compile(r"\b(education|techniques?|exercises?|interventions?)\b")
# What was observed: examination words and the mental status examination's vocabulary.
_OBJECTIVE = re.compile(
    r"\b(measured|observed|noted|degrees|flexion|extension|abduction|adduction|rotation|"
    r"strength|gait|range of motion|rom|within normal limits|wnl|blood pressure|heart rate|"
    r"tested|test|score|grade|assist\w*|independent\w*|posture|balance|affect|oriented|alert|"
    r"appeared|appears|presented|tearful|cried|crying|smiled|smiling|laughed|laughing|"
    r"eye contact|fidget\w*|restless|guarded|labile|speech was|intelligib\w*|accura\w*)\b"
)
# Values the client rates for themselves belong with what they report, not with findings.
_SELF_RATED = frozenset({"pain_score", "mood_score"})


@lru_cache(maxsize=16384)
def sentence_role(sentence: str) -> str:
    """The clinical role of one sentence; reported speech when nothing else fits.

    The order matters: a plan or a judgement can mention a measurement or a report, a
    report can mention what was done, and a sentence that states a measured value is a
    finding unless it says it is the client's report, the clinician's view or a plan.
    """
    text = sentence.lower().replace("\u2019", "'")
    if _PLAN.search(text):
        return "plan"
    opinion = _OPINION.search(text)
    if opinion is not None and not _FIRST_PERSON.search(text[opinion.end() :]):
        return "assessment"
    if _SUBJECTIVE.search(text) or (opinion is None and _FIRST_PERSON.search(text)):
        return "subjective"
    for role, pattern in (
        ("assessment", _ASSESSMENT),
        ("goals", _GOALS),
        ("intervention", _INTERVENTION_ACT),
    ):
        if pattern.search(text):
            return role
    if any(m["kind"] not in _SELF_RATED for m in find_measurements(sentence)):
        return "objective"
    for role, pattern in (
        ("response", _RESPONSE),
        ("intervention", _INTERVENTION_NOUN),
        ("objective", _OBJECTIVE),
    ):
        if pattern.search(text):
            return role
    return "subjective"
