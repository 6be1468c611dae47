"""Harm to others, abuse and falls told in a client's own words, by the screens' concepts.

The cues in `risks` name the acts; clients tell them by intent, effect or picture. The
concepts here follow the screens' items rather than their wording: for harm to others an
intent or fantasy aimed at a person (HCR-20, the C-SSRS homicidal items); for abuse the
HITS items (hurt, insult, threaten, scream), coercion and deprivation (EASI); for falls
STEADI's definition (coming to rest on the floor or ground without meaning to) and its
near-falls. Negation, conditions and the speaker are decided in `risks`, as for every cue.
"""

from __future__ import annotations

import re

from therapy_notes.domain.notes import RiskKind

_TARGET = (
    r"(?:him|her|them|his|their|my\s+(?:ex|boss|neighbou?r|brother|sister|father|dad|mother|mum|"
    r"mom|husband|wife|partner|boyfriend|girlfriend|son|daughter|stepdad|stepfather|landlord|"
    r"manager|coworker|co-worker|colleague|roommate|flatmate)\w*|that\s+(?:guy|man|woman|girl|"
    r"boy|kid|bitch|bastard|idiot|teacher)|people|someone|somebody|anyone|anybody|everyone|"
    r"everybody)"
)
_HARM_TO_OTHERS = re.compile(
    # An intent or a fantasy, then an act aimed at a person: "I keep picturing smashing his
    # face in", "I want to make her suffer".
    r"\b(?:want|wanted|wanting|wanna|going\s+to|gonna|'ll|will|swear|fantasi[sz]\w*|pictur\w*|"
    r"imagin\w*|think\w*\s+about|thought\s+about|thoughts?\s+(?:of|about)|urges?\s+to|tempted\s+to|"
    r"plan|plans|"
    r"planned|planning|ready\s+to|feel\s+like|felt\s+like|"
    r"could|dream\w*\s+(?:of|about))\b[^.?!]{0,25}?\b(?:smash\w*|punch\w*|"
    r"stab\w*|shoot\w*|strangl\w*|chok\w*|kill\w*|hurt\w*|beat\w*|batter\w*|break\w*|snap\w*|"
    r"run\w*\s+over|burn\w*|set\w*\s+fire\s+to|torch\w*|poison\w*|get\w*\s+back\s+at|get\w*\s+even\s+with|"
    r"mak\w*)\s+(?:\w+\s+)?" + _TARGET + r"\b(?!\s+(?:laugh|smile|dinner|breakfast|lunch|"
    r"happy|proud|a\s+(?:card|cake|coffee|cup)))|"
    r"\b(?:want|wanna|going\s+to|gonna|'ll|will|swear|fantasi[sz]\w*|pictur\w*|imagin\w*|"
    r"think\w*\s+about|thought\s+about|urges?\s+to|tempted\s+to)\b[^.?!]{0,25}?\b(?:throw\w*|threw|"
    r"hurl\w*|chuck\w*|lob\w*|swing\w*|swung)\s+(?:\w+\s+){1,3}?at\s+" + _TARGET + r"\b|"
    r"\bmake\s+(?:him|her|them)\s+(?:pay|suffer|sorry|regret)\b|"
    # Violent ideation (HCR-20): the thoughts named, another's death wished or pictured,
    # a threat, a weapon kept ready, an act done.
    r"\bviolent\s+(?:thoughts|urges|fantasies|ideas|images)\b|"
    r"\b(?:hope|hoping|wish|pray)\w*\s+(?:that\s+)?(?:he|she|they)\s+(?:dies|die|drops\s+dead|gets\s+killed|"
    r"rots)\b(?!\s+(?:peacefully|soon|quickly|in\s+(?:his|her|their)\s+sleep|without))|"
    r"\bsee\s+(?:him|her|them)\s+(?:dead|bleed|suffer|in\s+pain|in\s+the\s+ground)\b|"
    r"\b(?:imagin|pictur|fantasi[sz])\w*\s+(?:him|her|them)\s+(?:dead|dying|bleeding|in\s+pain)\b|"
    r"\bif\s+(?:he|she|they)\b[^.?!]{0,40}?,?\s*(?:he's|she's|they're)\s+(?:dead|finished)\b|"
    r"\bget\s+what's\s+coming\s+to\s+(?:him|her|them)\b(?:[^.?!]{0,12}?\bi'll\s+make\s+sure\b)?|"
    r"\brun\w*\s+(?:him|her|them)\s+(?:over|off\s+the\s+road|down\s+(?:with|in)\s+(?:the|my)\s+car)\b|"
    r"\b(?:bat|knife|gun|hammer|weapon|crowbar|machete)\b[^.?!]{0,40}?\bknow\s+where\s+(?:he|she|they)\b|"
    r"\b(?:threw|thrown|throw|hurled|chucked)\s+(?:a|the|my)\s+(?!ball\b|frisbee\b|beanbag\b|keys\b|"
    r"sweets?\b)\w+\s+at\s+" + _TARGET + r"\b|"
    r"\bshook\s+(?:the|my)\s+(?:baby|child|kid|son|daughter|toddler)\b|"
    r"\b(?:revenge|payback)\s+(?:on|against)\s+" + _TARGET + r"\b|"
    r"\b(?:keep|carry|carrying|kept)\s+(?:a|the|my)\s+(?:knife|blade|bat|hammer|gun|weapon)\s+(?:in|on)\s+"
    r"(?:my|the)\s+\w+\b[^.?!]{0,20}?\bin\s+case\b|"
    r"\b(?:grabbed|grab|grabs|had)\s+(?:him|her|them|my\s+\w+)\s+by\s+the\s+(?:throat|neck|hair)\b|"
    r"\bdo\s+something\s+to\s+(?:him|her|them|that\s+\w+|my\s+\w+)\s+(?:i'll|i\s+will|i'd|i\s+might)\s+"
    r"regret\b|"
    r"\bput\s+my\s+fist\s+through\s+(?:his|her|their)\b|"
    # A threat to a thing that takes its owner with it: "a brick through his windscreen and
    # him with it".
    r"\b(?:'ll|will|gonna|going\s+to)\b[^.?!]{0,60}?\band\s+(?:him|her|them)\s+with\s+it\b|"
    # A harm promised without its act named, and a weapon with the will to use it: "I'll do
    # something terrible to her", "I bought a knife after he threatened me and I'll use it".
    r"\b(?:i'll|i\s+will|i'm\s+going\s+to|i'm\s+gonna|i\s+might|i\s+could)\s+do\s+something\s+"
    r"(?:terrible|awful|bad|horrible|violent|really\s+bad)\s+to\s+" + _TARGET + r"\b|"
    r"\b(?:knife|gun|bat|hammer|weapon|blade|machete|crowbar)\b[^.?!]{0,40}?\b(?:i'll|i\s+will|"
    r"i'm\s+going\s+to|i'm\s+gonna|i'd)\s+use\s+it\b|"
    r"\b(?:got|have|keep|kept)\s+(?:a|the|my)\s+(?:knife|gun|bat|hammer|weapon|blade)\s+(?:ready|handy|"
    r"by\s+the\s+door|under\s+(?:my|the)\s+(?:bed|pillow))\b|"
    r"\b(?:i'll|i\s+will|i'm\s+going\s+to|i'm\s+gonna)\s+(?:cut|slash|glass|knife)\s+(?:him|her|them)\b|"
    r"\bwant\s+(?:him|her|them)\s+to\s+(?:feel\s+)?(?:scared|afraid|frightened|suffer|hurt|pay)\b|"
    r"\bteach\s+(?:him|her|them|that\s+\w+)\s+a\s+lesson\b|"
    r"\bwhat\s+i(?:'d|\s+would|'ll|\s+will|'m\s+going\s+to)\s+do\s+to\s+(?:him|her|them|his|her|their)\b|"
    r"\b(?:going|go|went|gone)\s+round\s+(?:there\s+|to\s+his\s+|to\s+her\s+)?(?:\w+\s+)?with\s+(?:a|the|my)\s+"
    r"(?:\w+\s+)?(?:hammer|knife|bat|gun|crowbar|machete|blade|axe)\b|"
    r"\b(?:want|wanna|going\s+to|gonna|'ll|will|could)(?:\s+to)?\s+(?:just\s+)?run\s+(?:him|her|them)\s+"
    r"(?:over|down|off\s+the\s+road)\b|"
    r"\bmy\s+hands?\s+(?:round|around|on)\s+(?:his|her|their)\s+(?:throat|neck)\b|"
    r"\bset\w*\s+(?:his|her|their)\s+(?:house|car|place|flat|apartment|home|shop|shed|garage|van)\s+"
    r"(?:on\s+fire|alight|ablaze)\b|"
    r"\b(?:burn|torch|set\s+fire\s+to|smash\w*\s+up)\s+(?:his|her|their)\s+(?:house|car|place|"
    r"flat|apartment|home|shop)\b|"
    r"\b(?:bought|got|carry|carrying|keep|keeping|kept|sharpened|brought)\s+(?:a|the|my)\s+(?:knife|"
    r"gun|bat|blade|machete|weapon|hammer|crowbar)\b[^.?!]{0,40}?\b(?:get\s+(?:him|her|them)|"
    r"for\s+(?:him|her|them)|if\s+(?:he|she|they)|for\s+when\s+(?:he|she|they)|teach|back\s+at|"
    r"revenge|pay)\b"
)
_ABUSE = re.compile(
    # HITS: scream, insult, threaten; said of someone close.
    r"\b(?:he|she|they|my\s+\w+|the\s+(?:carer|caregiver|aide|staff|nurse|helper))\s+(?:\w+\s+)?"
    r"(?:screams|yells|shouts|swears|curses|screamed|"
    r"yelled|shouted|swore|cursed)\s+at\s+me\b|"
    r"\b(?:insults|belittles|humiliates|degrades|mocks|insulted|belittled|humiliated)\s+me\b|"
    r"\bcalls?\s+me\s+(?:\w+\s+)?(?:names|worthless|stupid|useless|fat|ugly|pathetic|"
    r"a\s+(?:\w+\s+)?(?:idiot|bitch|whore|slut|loser|failure|burden))\b|"
    # Sexual coercion.
    r"\b(?:forced|forces|made|makes|pressured|pressures)\s+me\s+(?:to\s+)?(?:have\s+sex|do\s+"
    r"(?:sexual|things)|sleep\s+with)\b|\braped\b|\bsexually\s+(?:assaulted|abused)\b|"
    r"\btouched\s+me\s+(?:when|after|even\s+though|without|against)\b|"
    r"\b(?:push\w*|pressur\w*|nag\w*)\s+(?:me\s+)?for\s+sex\b|\bsex\s+when\s+i(?:'ve|\s+have)?\s+said\s+no\b|"
    r"\b(?:says|said|say|told\s+me|tells\s+me)\s+i\s+(?:cannot|can't|can\s+not|am\s+not\s+allowed\s+to|"
    r"mustn't|must\s+not)\s+(?:see|call|talk\s+to|visit|phone|go\s+out|leave|have)\b|"
    r"\b(?:broke|breaks|break|smashed|smashes|smash)\s+my\s+phone\b|"
    r"\blocks?\s+(?:the\s+)?(?:fridge|food|cupboards?|kitchen)\b|"
    # Coercive control: money, who is seen, where one goes, the phone and location watched.
    r"\bcontrols?\s+(?:all\s+)?(?:of\s+)?my\s+(?:money|finances|bank|account|pension|benefits|cards?)\b|"
    r"\b(?:decides|chooses|tells\s+me)\s+(?:who|where|when)\s+i(?:'m|\s+am)?\s+(?:allowed\s+to|can|may)\s+"
    r"(?:see|go|talk|visit)\b|"
    r"\b(?:checks|reads|goes\s+through|monitors)\s+(?:all\s+)?my\s+(?:phone|texts|messages|emails)\b|"
    r"\b(?:gets|goes)\s+(?:really\s+)?(?:angry|mad|furious|crazy|nuts)\s+(?:if|when)\s+i\s+(?:go\s+out|see|"
    r"talk\s+to|leave|spend|call|text)\b|"
    r"\bi(?:'m|\s+am)?\s+not\s+allowed\s+to\s+(?:go\s+out|leave\s+the\s+house|go\s+anywhere)\b|"
    r"\btracks?\s+(?:my\s+)?(?:location|movements|car)\b|"
    r"\bmakes?\s+me\s+(?:hand\s+over|give\s+(?:him|her|them))\s+(?:all\s+)?my\s+(?:wages|money|pension|"
    r"benefits|card|salary)\b|"
    r"\b(?:throws|threw|throwing|hurls|hurled|chucks|chucked)\s+(?:things|stuff|\w+)\s+at\s+me\b|"
    r"\b(?:tells|told|calls|says|said)\s+me\s+(?:that\s+)?i'm\s+(?:nothing|worthless|useless|stupid|ugly|"
    r"fat|pathetic|disgusting|a\s+\w+)\b|"
    r"\b(?:keeps|kept|takes|has)\s+(?:all\s+)?my\s+(?:pension|benefits|money|wages|savings)\s+and\s+"
    r"(?:gives|lets)\s+me\b|"
    # Money kept from the client (EASI): anger or refusal when they ask for their own back.
    r"\b(?:angry|mad|furious|shouts?|yells?|screams?|nasty)\b[^.?!]{0,30}?\bwhen\s+i\s+ask\s+"
    r"(?:for|about)\s+my\s+(?:bank\s+card|card|money|pension|wages|benefits|purse|wallet|savings)\b|"
    r"\b(?:won't|will\s+not|doesn't|does\s+not|refuses\s+to)\s+(?:give|let)\s+(?:me\s+)?(?:have\s+)?"
    r"my\s+(?:bank\s+card|card|money|pension|wages|benefits|purse|wallet|savings)\s+back\b|"
    # Medicine held by a carer and given only when they remember (EASI: medication withheld).
    r"\b(?:keeps|holds|hides|locks\s+up|locks\s+away)\s+my\s+(?:pills|tablets|medication|meds|"
    r"medicine|insulin|inhaler)\b[^.?!]{0,60}?\bonly\s+(?:get|gets|give|gives|let|lets)\b|"
    r"\b(?:only|never)\s+(?:get|give\s+me|gives\s+me)\s+(?:them|my\s+(?:pills|tablets|meds|medication))"
    r"\s+(?:when|if)\s+(?:she|he|they)\s+(?:remembers?|feels?\s+like\s+it|can\s+be\s+bothered)\b|"
    # Deprivation: food, medicine or help not brought.
    r"\b(?:nobody|no\s+one|nobody's|no\s+one's|no-one)\s+(?:has\s+)?(?:brought|given|fed|"
    r"helped|come|checked\s+on|been\s+in|been\s+round|come\s+in|changed|washed|turned|bathed)\s+(?:to\s+help\s+me\s+\w+\s+)?"
    r"(?:me\s+)?(?:any\s+)?(?:food|meals|my\s+(?:meds|medicine|tablets)|me)?\b[^.?!]{0,10}?\b(?:since|for|"
    r"in)\s+(?:days|a\s+week|weeks|a\s+fortnight|\w+day|two|three|four|five|several)\b|"
    # Silenced, and the means of care taken or spoilt (EASI): "she says nobody will believe
    # me if I tell", "he threw my tablets down the toilet".
    r"\b(?:says|said|tells|told)\s+(?:me\s+)?(?:that\s+)?(?:no\s*one|nobody|no-one)\s+(?:will|would|'ll|'d)\s+"
    r"(?:ever\s+)?believe\s+me\b|"
    r"\b(?:he|she|they|my\s+\w+)\s+(?:\w+\s+)?(?:threw|throws|flushed|flushes|hid|hides|binned|bins|"
    r"took|takes)\s+(?:away\s+)?my\s+(?:tablets|pills|meds|medication|medicine|inhaler|insulin|"
    r"glasses|hearing\s+aids?|walker|frame|stick|wheelchair)\b(?![^.?!]{0,30}?\b(?:for\s+me|to\s+the\s+"
    r"pharmacy|to\s+be\s+(?:fixed|mended|repaired)|to\s+get))|"
    # Fear of someone at home.
    r"\b(?:scared|afraid|frightened|terrified)\s+(?:to\s+go\s+home|of\s+going\s+home|of\s+what\s+"
    r"(?:he|she|they)(?:'ll|\s+will|'d|\s+would|\s+might)\s+do)\b|"
    # Control: watched and kept from people (EASI, coercive control).
    r"\b(?:checks|reads|goes\s+through|tracks|monitors)\s+(?:all\s+)?my\s+(?:phone|texts|messages|"
    r"emails|location)\b[^.?!]{0,40}?\b(?:won't|doesn't|never|not)\s+let\b"
)
_FALLS = re.compile(
    r"\b(?:legs?|knees?|ankles?|hips?)\s+(?:just\s+|suddenly\s+|completely\s+)?(?:gave\s+way|"
    r"gave\s+out|buckled|went\s+(?:out|from\s+under))\b|"
    r"\b(?:legs?|knees?|ankles?|hips?)\s+(?:just\s+|suddenly\s+)?went\b(?!\s+(?:to|for|into|through|"
    r"numb|stiff|red|purple|pop|click|back|up|down\s+to))|"
    r"\bmissed\s+(?:a|the|my)\s+(?:\w+\s+)?(?:step|stair|kerb|curb)\b|"
    r"\bkeep\s+(?:going\s+over|falling\s+over|tipping\s+over|toppling)\b|"
    r"\bfound\s+myself\s+on\s+the\s+(?:\w+\s+){0,3}?(?:floor|ground)\b|"
    r"\bdown\s+i\s+went\b|\bwent\s+(?:over|down)\s+on\s+(?:my|the)\b|"
    r"\b(?:los\w+|lost)\s+my\s+footing\b|"
    r"\b(?:had|took)\s+(?:a|another)\s+(?:little\s+|bit\s+of\s+a\s+|nasty\s+|bad\s+)?(?:tumble|"
    r"spill|fall)\b|"
    r"\bended\s+up\s+(?:(?:sat|sitting|lying|laid)\s+)?(?:on|flat\s+on)\s+(?:the|my)\s+(?:\w+\s+)?"
    r"(?:floor|ground|back|face)\b|\bwent\s+flying\b|"
    r"\bcouldn't\s+get\s+(?:myself\s+)?(?:back\s+)?(?:up|off\s+the\s+floor)\b|\bcame\s+a\s+cropper\b"
)
_CONCEPTS = {
    RiskKind.HARM_TO_OTHERS: _HARM_TO_OTHERS,
    RiskKind.ABUSE_OR_NEGLECT: _ABUSE,
    RiskKind.FALL_RISK: _FALLS,
}


def concept_spans(kind: RiskKind, clause: str) -> list[tuple[int, int]]:
    """Where a clause tells of harm to others, abuse or a fall by its concept: spans.

    `clause` is lower case with straight apostrophes. Self-harm has its own module
    (`ideation`); it returns nothing here.
    """
    pattern = _CONCEPTS.get(kind)
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(clause)]
