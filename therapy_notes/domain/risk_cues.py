"""Words that may carry a risk statement, so a note update is asked for at once.

Note updates are batched (one a minute of session) to keep the cost of a session near the
cost of its audio; a risk statement must not wait for the batch. This is not the risk
finder (the model or the local composer decides what is stated and what is denied, with
negation and speaker); it only says a turn is worth writing up now. A false alarm costs
one early update; a miss costs at most the batch's minute, so the list leans wide, after
the published screens (C-SSRS, ASQ, PHQ-9 item 9) and fall and abuse screening.
"""

from __future__ import annotations

import re

_CUES = re.compile(
    # "It hurts when I bend" is pain, said all session long: hurting someone is the cue.
    r"suicid|\bkill|self[- ]?harm|\b(hurt|harm)(s|ing)?\s*(my|him|her|them|me|some|any|other)|"
    r"\bdie\b|\bdying|\bdead\b|\bdeath|\bend (it|my life|things)|"
    r"wake up|better off|burden|hopeless|no point|give up|can't go on|overdos|\bpills|"
    r"\bgun|\brifle|\bpistol|\brope\b|\bweapon|\bcutting|\bcut (myself|my)|\bbridge|"
    r"\bfell\b|\bfall(s|ing|en)?\b(?! asleep)|\btripped|\bslipped|lost (my )?balance|"
    r"went down|\bhit\b|\bhits\b|\bbeat|abus|neglect|\bsafe\b|scared of|afraid of|\bthreat|"
    r"haven't (eaten|showered|bathed)|disappear|\bgarage\b|exhaust",
    re.IGNORECASE,
)


def might_state_risk(text: str) -> bool:
    """Whether a turn's words are worth a note update now rather than with the batch."""
    return _CUES.search(text) is not None
