"""Suicidal ideation, preparation and self-injury told in a client's own words, by concept.

The phrase list in `risks` holds the screens' own wording; clients seldom use it ("it'd be
nice to just fall asleep forever", "everyone would be relieved if I was gone"). The C-SSRS
defines ideation by its parts, not its words: a wish or a thought (wanting, wishing,
wondering, picturing, or an appraisal such as "it would be a relief") whose object is the
speaker's own death or absence. This module finds those parts close together with no
other person between them, so a new wording of the same idea is still found. A few ideas
are risk on their own, whoever frames them (life not worth living, a favour to everyone
if the speaker died, letters left "in case"). Whether a statement is negated, hypothetical
or about someone else is decided in `risks`, as for every other cue.
"""

from __future__ import annotations

import re

# A wish, a thought, an image or an appraisal: the frame of an ideation statement.
_FRAME = re.compile(
    r"\b(?:want|wants|wanted|wanting|wanna|wish\w*|hope|hoped|hoping|pray\w*|long(?:ed|ing)?\s+"
    r"to|tempted|urges?|feel\s+like|felt\s+like|feels\s+like|rather|prefer|ready\s+to|part\s+of\s+"
    r"me|think|thinks|thought|thoughts|thinking|wonder\w*|imagin\w*|pictur\w*|fantasi[sz]\w*|"
    r"daydream\w*|dream\w*|consider\w*|plann?\w*|might\s+as\s+well|"
    r"(?:would|'d|could|might)\s+(?:just\s+)?be\s+(?:so\s+)?(?:nice|easier|better|a\s+relief|"
    r"peaceful|simpler|best|kinder|a\s+mercy)|"
    r"(?:wouldn't|would\s+not|wouldnt|don't|do\s+not|dont)\s+(?:really\s+)?(?:care|mind)|"
    r"crossed\s+my\s+mind|on\s+my\s+mind)\b"
)
# The speaker's own death or absence, in the words people use for it. A word that also
# names something ordinary is held to its sense: "dying to see it", "dead tired",
# "disappear into a book", "end it with him".
_OWN_END = re.compile(
    r"\b(?:die|dying|died)\b(?!\s+(?:to|for|of|from|laughing|down|out|off|away|on\s+me))|"
    r"\b(?:be|being|was|were|am|i'm)\s+dead\b(?!\s+(?:tired|on|set|serious|wrong|easy|quiet|"
    r"beat|bored|ringer|inside))|"
    r"\b(?:not|never|no\s+longer|stop|stopped|quit)\s+(?:\w+\s+)?(?:exist\w*|be(?:ing)?\s+"
    r"(?:here|around|alive|in\s+this\s+world)|liv(?:e|ing)|wak(?:e|ing)\s+up|breath\w*)\b|"
    r"\bceas\w*\s+to\s+exist\b|"
    r"\bi\s+(?:wasn't|weren't|was\s+not|were\s+not)\s+(?:alive|born)\b(?!\s+yet)|"
    r"\b(?:was|were|had\s+been)\s+never\s+born\b|\bhadn't\s+been\s+born\b|"
    r"\b(?:sleep|asleep)\b[^.?!]{0,20}?\b(?:forever|for\s+good|for\s+ever|permanently|"
    r"and\s+(?:never|not)\s+wak\w*)|\bstay\s+asleep\b|\bnever\s+wak\w*\s+up\b|"
    r"\b(?:disappear|vanish)\w*\b(?!\s+(?:into|to|for\s+a|for\s+the|off|on|in|from\s+(?:work|"
    r"class|school)))|"
    r"\bgone\s+(?:for\s+good|forever|for\s+ever|permanently)\b|"
    r"\bif\s+i\s+(?:(?:was|were)\s+gone|(?:wasn't|weren't|was\s+not|were\s+not)\s+(?:here|"
    r"around|alive))\b|"
    r"\bend(?:ing|ed|s)?\s+(?:it|things|everything|it\s+all)\b(?!\s+with)|"
    r"\b(?:it\s+all|everything)\s+(?:to\s+)?(?:stop|end|be\s+over)\b[^.?!]{0,12}?"
    r"\b(?:for\s+good|forever|permanently|for\s+ever)\b|"
    r"\bmy\s+(?:own\s+)?(?:funeral|death|grave)\b|"
    # A method: the means and the act ("taking all my pills at once", "crashing the car").
    r"\b(?:tak\w+|took|swallow\w*)\s+(?:all|every\s+one|the\s+whole|a\s+(?:whole\s+)?"
    r"(?:bottle|handful|box|packet)|a\s+lot|loads|the\s+rest)\b[^.?!]{0,25}?\b(?:pills|tablets|"
    r"meds|medications?|sleepers|painkillers)\b|"
    r"\b(?:crash\w*|driv\w*|steer\w*|swerv\w*)\s+(?:\w+\s+){0,2}?(?:into|off)\s+(?:a|the|an)\b|"
    r"\b(?:jump\w*|step\w*|walk\w*|throw\w*\s+myself)\s+(?:off|from|in\s+front\s+of)\s+(?:a|the)\b|"
    r"\b(?:hang\w*|drown\w*|gas\w*)\s+myself\b"
)
# Risk on its own, whatever frames it: a life not worth living, no point in going on, a
# favour to everyone, others relieved at the speaker's absence, preparations for after.
_STANDALONE = re.compile(
    r"\b(?:life|living|it)\s*(?:is|'s)?\s*(?:isn't|is\s+not|'s\s+not|ain't|isnt|not|no\s+longer)"
    r"\s+worth\s+(?:living|it\s+anymore|it\s+any\s+more|going\s+on)\b|"
    r"\b(?:don't|do\s+not|doesn't|dont)\s+deserve\s+to\s+(?:live|be\s+alive|be\s+here|exist)\b|"
    r"\bgiv\w*\s+up\s+on\s+(?:life|living|everything|myself)\b|"
    r"\b(?:no|what's\s+the|what\s+is\s+the|whats\s+the|what\s+the|don't\s+see\s+the|can't\s+see\s+the|"
    r"do\s+not\s+see\s+the|cannot\s+see\s+the|see\s+no|lost\s+the)\s+(?:point|use|sense|reason)\s+"
    r"(?:in|of|to|for)?\s*(?:me\s+)?(?:to\s+)?(?:still\s+)?(?:my\s+)?(?:being\s+(?:here|around|alive)|"
    r"living|life|going\s+on|carrying\s+on(?!\s+(?:with|at)\b)|"
    r"keep(?:ing)?\s+going(?!\s+(?:with|to|at|on)\b)|any\s+of\s+it|anything(?:\s+anymore)?|it\s+all|existing|"
    r"trying\s+anymore|waking\s+up|me\b)|"
    r"\b(?:can't|cannot|can\s+not|don't|do\s+not)\s+see\s+(?:myself|me)\s+(?:being\s+)?(?:here|"
    r"around|alive|lasting|making\s+it)\b|"
    r"\bnot\s+(?:be|being)\s+(?:here|around)\s+(?:much|any)\s+longer\b|"
    r"\b(?:rather|prefer\s+to)\s+(?:be\s+dead|die|not\s+(?:be\s+)?(?:here|alive|exist))\b|"
    r"\b(?:doing|do|did)\s+(?:everyone|everybody|them|the\s+world|my\s+family|us\s+all)\s+a\s+"
    r"(?:big\s+)?favou?r\b[^.?!]{0,25}?\b(?:if|by|when)\s+i\b|"
    r"\b(?:everyone|everybody|they|people|my\s+(?:family|kids|wife|husband|partner|parents)|"
    r"the\s+world)\b[^.?!]{0,25}?\b(?:relieved|better\s+off|happier|easier|fine|okay|ok)\b"
    r"[^.?!]{0,25}?\b(?:if\s+i\s+(?:was|were|wasn't|weren't|died|disappeared)|without\s+me|"
    r"once\s+i'm\s+gone|when\s+i'm\s+gone)\b|"
    r"\b(?:when|after|once)\s+i'm\s+(?:gone|dead|not\s+here)\b|"
    # Indifference to one's own death, told as a condition: "if I died tomorrow I honestly
    # wouldn't care". The span starts at "if", so it is not read as a mere hypothetical.
    r"\bif\s+i\s+(?:died|was\s+gone|were\s+gone|didn't\s+wake\s+up|never\s+woke\s+up)\b"
    r"[^.?!]{0,40}?\b(?:wouldn't|would\s+not|don't|do\s+not)\s+(?:\w+\s+)?(?:care|mind)\b|"
    r"\b(?:wrote|written|writing|write|left|leave|leaving)\b[^.?!]{0,30}?\b(?:letters?|notes?)\b"
    r"[^.?!]{0,40}?\b(?:in\s+case|goodbye|if\s+(?:anything|something)\s+happens)\b|"
    # Preparation with the means held ready (C-SSRS preparatory behaviour).
    r"\b(?:have|got|bought|checked|tested|tied|hid|hidden|hide|keep|kept|stash\w*)\b"
    r"[^.?!]{0,20}?\b(?:the|a|my)\s+(?:rope|noose)\b|"
    r"\b(?:checked|loaded|hid|hidden|got\s+out|took\s+out|cleaned\s+and\s+loaded)\b"
    r"[^.?!]{0,20}?\b(?:the|a|my|his|dad's)\s+(?:gun|pistol|shotgun|rifle|revolver|handgun)\b|"
    # A place of means, and the thought of it: "looked at the bridge and thought about it".
    r"\b(?:bridge|tracks|platform|ledge|roof|rooftop|cliff|balcony|overpass|car\s+park)\b"
    r"[^.?!]{0,50}?\b(?:thought\s+about\s+(?:it|jumping|going\s+over)|thinking\s+about\s+"
    r"(?:it|jumping)|wondered\s+(?:what|how|if))\b|"
    # At a place of means, about to go (C-SSRS aborted attempt): "stood on the bridge, I was
    # going to go over".
    r"\b(?:river|canal|bridge|cliff|cliffs|ledge|roof|rooftop|tracks|platform|railings?|balcony|"
    r"overpass|car\s+park|quarry|motorway)\b[^.?!]{0,80}?\bi\s+(?:was|were|felt|am|'m)\s+(?:\w+\s+)?"
    r"(?:going\s+to|about\s+to|gonna|ready\s+to|so\s+close\s+to)\s+(?:just\s+)?(?:go\s+in|jump|step\s+"
    r"(?:off|out|in)|go\s+over|let\s+go|throw\s+myself)\b|"
    # Medication held back from taking and kept (C-SSRS preparatory behaviour).
    r"\b(?:haven't|have\s+not|not|stopped|quit)\s+(?:been\s+)?tak\w*\b[^.?!]{0,60}?\b(?:sav\w*|"
    r"stockpil\w*|hoard\w*|keep\w*|kept|stash\w*|collect\w*|hid\w*|putting|put)\s+(?:them|those|"
    r"these|it)\s+(?:up|away|aside|in|by)\b|"
    # Indifference to one's own death or injury: "I don't care if I crash".
    r"\b(?:don't|do\s+not|dont|wouldn't|would\s+not)\s+(?:really\s+|even\s+|honestly\s+)?(?:care|"
    r"mind)\s+(?:if|whether)\s+i\s+(?:crash\w*|die|died|get\s+killed|got\s+killed|get\s+hurt|"
    r"got\s+hurt|live|lived|make\s+it|made\s+it|wake\s+up|woke\s+up)\b|"
    # Self-injury told by its effect or purpose: "punched the wall until my knuckles bled".
    r"\b(?:punch\w*|hit|hitting|bang\w*|smash\w*|slam\w*)\s+(?:the\s+wall|walls|my\s+head|"
    r"myself|my\s+(?:fists?|hands?|arms?))\b[^.?!]{0,50}?\b(?:bled|bleed|bleeding|bruised|"
    r"broke|to\s+feel\s+(?:something|anything|pain|it)|on\s+purpose|to\s+punish)\b"
)
# A wish whose object is something ending the speaker: "I wish the accident had taken me",
# "she'd be better off if the stroke had finished me", "I hope something happens to me".
# Another person may stand between ("if the cancer had..."): "me" keeps it the speaker's.
_WISH = re.compile(
    r"\b(?:wish\w*|hope|hoped|hoping|pray\w*|better\s+off|(?:would|'d)\s+have\s+been\s+"
    r"(?:better|kinder|easier))\b"
)
_ENDS_ME = re.compile(
    r"\b(?:had|would\s+have|'d\s+have|would've)\s+(?:just\s+)?(?:finished|killed|taken|got)\s+me"
    r"(?:\s+off)?\b|"
    r"\bsomething\s+(?:bad\s+|terrible\s+|awful\s+)?(?:happens|happen|happened|would\s+happen|will\s+"
    r"happen)\s+to\s+me\b|"
    r"\b(?:get|got|getting|be)\s+(?:hit|run\s+over|knocked\s+down)\s+by\s+(?:a|the)\b"
)


# Someone else between the frame and the death makes it theirs: "I wish my dad hadn't
# died", "I think about when she died", "I pictured him dead".
_OTHER_PERSON = re.compile(
    r"\b(?:he|she|they|him|her|them|his|their|it|my\s+(?!own\b|self\b|life\b|family\b)\w+|"
    r"your|you|someone|somebody|everyone|everybody|people|the\s+(?!whole\b|rest\b)\w+)\b"
)
_FRAME_REACH = 60


def ideation_spans(clause: str) -> list[tuple[int, int]]:
    """Where a clause states ideation, preparation or self-injury: (start, end) spans.

    `clause` is lower case with straight apostrophes (`text.normalise`). A span starts at
    its frame so that the negation and condition checks in `risks` look at what comes
    before the statement ("I don't want to die" is negated; "I want to die" is not).
    """
    spans = [(m.start(), m.end()) for m in _STANDALONE.finditer(clause)]
    for frame in _FRAME.finditer(clause):
        reach = clause[frame.end() : frame.end() + _FRAME_REACH]
        end = _OWN_END.search(reach)
        if end is None:
            continue
        between = reach[: end.start()]
        # "Everyone would be relieved if I was gone": the others are the appraisers, and
        # "if I" brings the speaker back as the one who is gone.
        if _OTHER_PERSON.search(between) and not re.search(r"\bif\s+i\b", reach[: end.end()]):
            continue
        spans.append((frame.start(), frame.end() + end.end()))
    for wish in _WISH.finditer(clause):
        ends_me = _ENDS_ME.search(clause, wish.end(), wish.end() + _FRAME_REACH)
        if ends_me is not None:
            spans.append((wish.start(), ends_me.end()))
    return sorted(spans)
