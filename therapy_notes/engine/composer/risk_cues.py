"""Where a clause names a risk: the published vocabulary and the concepts behind it.

The cue patterns here hold the screens' own words (C-SSRS, ASQ, PHQ-9 item 9, HITS, EASI,
STEADI); `ideation` and `harm_concepts` find the same risks told in a client's own words.
A cue is only a candidate: whether it is stated, negated, supposed or about someone else
is decided in `risks`.
"""

from __future__ import annotations

import re

from therapy_notes.domain.notes import RiskKind
from therapy_notes.engine.composer.harm_concepts import concept_spans
from therapy_notes.engine.composer.ideation import ideation_spans

PERSON = (
    r"(?:ex|wife|husband|spouse|partner|fianc\w*|boyfriend|girlfriend|mother|father|mom|mum|"
    r"dad|parents?|step(?:mom|mum|dad|father|mother)|son|daughter|child|children|kids?|baby|"
    r"brother|sister|siblings?|cousin|uncle|aunt|grand\w+|nephew|niece|family|friends?|"
    r"roommates?|flatmates?|boss|manager|supervisor|co-?workers?|colleagues?|neighbou?rs?|"
    r"landlord|teacher|classmates?|teammates?|caregiver|carer|doctor|nurse|therapist|"
    r"stranger|guy|man|woman|girl|boy|mate|pal|bestie|buddy|gran|granny|nan|nana|residents?|"
    r"patients?|characters?)"
)
OTHERS = (
    rf"(?:him|them|someone|somebody|anyone|anybody|others|other people|people|"
    rf"(?:my|his|her|their|a|the|that)\s+(?:ex-|own\s+|former\s+)?{PERSON})"
)
VIOLENT_VERB = (
    r"(?:kill|hurt|harm|attack|assault|shoot|shot|stab|hit|punch|beat|kick|choke|strangle|"
    r"push|shove|slap)(?:s|es|ed|ing|ten|bed|bing|ting)?"
)
# Controlling or violent acts done to the client, as the client or a carer tells them.
_ABUSE_VERB = (
    r"(?:hits|hit|beats|beat|kicks|kicked|chokes|choked|slaps|slapped|pushes|pushed|shoves|"
    r"shoved|grabs|grabbed|punches|punched|strangles|strangled|threatens|threatened|locks|"
    r"pinches|pinched|bites|slaps|"
    r"locked|burns|burned|burnt)"
)
# Winning is no violence: "we beat them in the final", "she beat me at chess".
_NOT_SPORT = (
    r"(?!\s+(?:in|at|on)\s+(?:the\s+)?(?:final|game|match|race|round|semis?|league|chess|cards|"
    r"tennis|golf|pool|darts|quiz|tournament|cup|play-?offs?)\b|\s+to\s+it\b)"
)
_INJURY = r"(?:bruis\w*|black eyes?|welts?|marks|injur\w*|fractur\w*|burns|cuts|scratches)"
# "Fall asleep", "fell apart", "falls on a Monday", "fell behind": the verb, not a fall
# (read by the fall cues here and the fall screen's question in risks.py).
NOT_A_FALL = (
    r"(?!\s+(?:semester|term|season|break|colou?rs|leaves|classes|quarter|festival|fashion|"
    r"asleep|apart|behind|through|in love|short|ill|sick|silent|into place|for it|about laughing|"
    r"on (?:a |the )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|"
    r"holiday)))"
)
RISK_CUES: dict[RiskKind, re.Pattern[str]] = {
    # The published screening vocabulary (C-SSRS ideation and behaviour, ASQ, PHQ-9 item 9):
    # wishes to be dead or not wake up, being a burden, hopelessness, thoughts, plans, means,
    # intent, preparatory acts and past attempts. Stems carry no leading word boundary where
    # a recogniser glues words ("outending my life", "killmyself").
    RiskKind.SELF_HARM: re.compile(
        r"suicid\w*+(?!\s+(squad|prevention|awareness))|\bself[- ]?harm\w*|\bself[- ]?injur\w*|"
        r"\bunalive\w*|"
        r"(kill|hurt|harm|cut|hang|shoot|shot|stab|burn|poison|drown|strangle|choke|off)"
        r"(ing|s|ed|t|ted|bed|bing)?\s*(myself|himself|herself|themselves|themself)\b"
        r"(?!\s+laugh|\s+(shaving|chopping|cooking|gardening|by accident|accidentally)|"
        r"\s+(in|at)\s+(the\s+)?(gym|game|match|training|practice|work|lower back|back|garden)\b|"
        r"\s+(on|with)\s+(the|a|my)\s+(\w+\s+)?(oven|stove|hob|iron|kettle|pan|tray|grill|straighteners|glass|tin|"
        r"can|paper|knife|saw|edge|door))|"
        r"\bjump(s|ed|ing)?\s+(off|from|in front of)\s+(a|the)\s+"
        r"(bridge|building|roof|balcony|train|car|cliff)\b|"
        r"end(ing|s|ed)?\s*(it all|(my|his|her|their)\s+(own\s+)?life)\b|"
        r"\b(take|taking|took|taken)\s+(my|his|her|their)\s+(own\s+)?life\b|"
        r"\b(want|wants|wanted|wanting|wish|wishes|wished|wishing)\s+(to\s+(die|be dead|disappear"
        r"(?!\s+(into|to|for a|for the|off|on|in)\b))|"
        r"(i|he|she|they)\s+(was|were|could be|'d|had)\s*(been\s+)?(dead|gone|never born|not here|"
        r"not around))\b|\boverdos\w*|"
        # Passive ideation, in the words clients use for it.
        r"\bbetter off\s+(dead|without\s+(a\s+\w+\s+like\s+)?(me|him|her|them)|"
        r"if\s+(i|he|she|they)\s+"
        r"(was|were|wasn't|weren't|wasnt|werent|died|disappeared|(was|were)\s+gone|"
        r"(was|were)\s+not\s+(here|around)))|"
        r"\b(don't|do not|doesn't|does not|didn't|did not|dont)\s+want\s+to\s+"
        r"(be (here|alive|around)( anymore)?(?!\s*,?\s*(in|at|today|this (room|place|waiting|"
        r"meeting|class|ward|hospital)))|live|go on|wake up|exist|do (this )?(life|living))\b|"
        r"\b(no|not|don't)\s+want\s+(to\s+)?(live|living|alive)\b|"
        r"\bnot\s+sure\s+(i|if\s+i|whether\s+i)\s+(want|wanna)\s+to\s+(be\s+alive|live|be\s+here|"
        r"go\s+on|carry\s+on|keep\s+going)\b|"
        r"\bi\s+(\w+\s+)?(want\s+to|wanna)\s+(kill|hurt|harm)\s+me\b|"
        r"\b(go|went|going)\s+to\s+sleep\s+and\s+(not|never)\s+wak\w*|"
        # "I wouldn't mind if I didn't wake up", "wouldn't care if it all ended".
        r"\b(wouldn't|would not|don't|do not|wouldnt|dont)\s+(really\s+|honestly\s+)?(mind|care)\s+"
        r"(if\s+(i|it all)\s+"
        r"(didn't|did not|never|don't|do not|wouldn't)\s+(wake|woke)\s+up|if\s+(i|it all)\s+"
        r"(died|ended|was gone|were gone|wasn't here|weren't here|wasn't around)|dying|"
        r"not waking up|being dead)\b|"
        # Joining someone who died: "go to sleep and be with him", "die and be with her".
        r"\b(go to sleep|fall asleep|die|pass away|not wake up)\s+and\s+(just\s+)?(be with|join|"
        r"see)\s+(him|her|them|my)\b|"
        r"\b(wish|wished|wishing|hope|hoped|hoping|pray|prayed|praying)\w*\b[^.?!]{0,30}?"
        r"(wouldn't|would not|won't|"
        r"didn't|did not|don't|do not|dont|never|not)\s+wake\s+up\b|"
        r"\bno (reason|point) (to|in|for) (live|living|going on|being here|anything)\b|"
        r"\b(a|such a|just a|being a)\s+burden\b|"
        r"\b(tired|sick|weary|fed up|bored|exhausted|done)\s+(of|with)\s+(living|life|being alive|"
        r"existing|everything|it all)\b|"
        r"\b(can't|cannot)\s+be\s+bothered\s+(to\s+)?(live|living|being\s+alive|with\s+life|existing)\b|"
        r"\bmy\s+life\b[^.?!]{0,20}?\b(is|'s|feels|seems)\s+(like\s+it's\s+|\w+\s+)?(over|done|finished)\b|"
        r"\b(don't|do not)\s+want\s+(my\s+life|life|it)\s+(any\s*more)\b|"
        r"\bbetter\s+dead\b|"
        r"\b(nobody|no one|no-one)\s+would\s+(even\s+)?(miss|notice|care\s+about)\s+me\b|"
        r"\b(fine|okay|ok|better|easier|happier)\s+(off\s+)?if\s+(i|he|she|they)\s+"
        r"(just\s+|simply\s+)?((were|was)\s+(gone|dead)|(wasn't|weren't|was not|were not)\s+"
        r"(here|around|alive)|disappeared|vanished|died)\b|"
        # Carbon monoxide (C-SSRS: an interrupted or aborted attempt told as what was done):
        # an engine left running in a closed garage, in either order.
        r"\bgarage\b[^.?!]{0,60}?\b(engine|car|motor)\s+(running|on)\b|"
        r"\b(engine|car|motor)\s+(running|on)\b[^.?!]{0,40}?\b(in|inside)\s+the\s+garage\b|"
        r"\b(hose|tube)\b[^.?!]{0,30}?\bexhaust\b|"
        r"\b(dragging|bringing|pulling)\s+(everyone|everybody|them|my family|us all|you all)\s+"
        r"down\b|"
        r"\bnothing('s| is| will)?\s+(ever\s+)?(going to|gonna|will)?\s*(change|get better|"
        r"improve)\b|"
        r"\b(can't|cannot|don't|do not)\s+see\s+(things|it|anything|life|my life)\s+(ever\s+)?"
        r"(getting|get|going\s+to\s+get)\s+better\b|"
        r"\b(a|just a|such a)\s+(drain|burden|weight|drag)\s+on\s+(everyone|everybody|my family|"
        r"them|people|you all)\b|"
        r"\b(easier|better)\s+(to\s+)?(just\s+)?(end it|end things|not be here|die|be dead|"
        r"not wake up)\b|"
        # The burden said as a picture or as others' relief: "a weight around her neck",
        # "they'd be happier without me" (perceived burdensomeness, C-SSRS/INQ).
        r"\b(a|just a|such a|the)\s+(dead\s+)?(weight|millstone|drain|drag)\s+(around|on)\s+"
        r"[\w']+(\s+[\w']+)?\s+(neck|shoulders|back)\b|"
        r"\b(be|are|is|'d be|would be|'re|'s)\s+(so\s+much\s+)?(happier|freer|better|easier|"
        r"lighter)(\s+off)?\s+without\s+me\b|"
        r"\bhopeless\w*|\bno hope\b|\b(can't|cannot|can not)\s+(go on(?!\s+(holiday|vacation|"
        r"a\s+\w+|the\s+\w+|with|about|to|at|for|until|till))|keep going|do this "
        r"anymore|take (it|this) anymore)\b|\bno way out\b|"
        r"\b(nothing|it)('s| is| will| is ever| will ever)?\s+(ever\s+)?(going to\s+)?"
        r"(get|be)\s+better\s+(again\s+)?ever\b|"
        # Thoughts, plans, means, intent, preparation, attempts.
        r"\b(notice|care|miss me|matter)\b[^.?!]{0,15}\bif\s+(i|he|she)\s+(died|was gone|were gone|"
        r"disappeared|was dead|wasn't here|weren't here|went|vanished|was not here)\b|"
        r"\b(don't|do not|can't|cannot|couldn't)\s+see\s+(a|any)\s+"
        r"(future|way out|reason to live|way forward for me|way through this|end to (it|this))\b|"
        r"\bno future\b|"
        # Rehearsal (C-SSRS preparatory behaviour): the means held, ready.
        r"\b(with|holding|held|hold)\s+(the\s+|my\s+|a\s+)?(pills|tablets|gun|rope|knife|blade|"
        r"razor)\s+(in\s+(my|his|her)\s+hands?|to\s+(my|his|her)\s+(head|throat|wrist|chest))\b|"
        r"\b(took|taken|swallowed)\s+(too many|a lot of|lots of|loads of|a load of|a bunch of|"
        r"a heap of|heaps of|a pile of|a stack of|a fistful of|all)\s+(of\s+)?"
        r"(my\s+|the\s+|her\s+|his\s+)?(sleeping\s+)?(pills|tablets|meds|medications?|painkillers)\b|"
        r"\b(think|thought|thinking|thoughts)\w*\s+(about|of)\s+(driving|crashing|steering|"
        r"jumping|stepping|walking|swerving)\s+(\w+\s+)?(into|off|in front of)\b|"
        r"\b(looked|look|looking|searched|searching|googled|googling|researched)\s+(up\s+)?"
        r"[^.?!]{0,30}?\b(how many|how much|how to|ways to)\b[^.?!]{0,40}?\b(pills|tablets|take\w*|"
        r"die|kill|overdose|end|paracetamol|tylenol|acetaminophen|aspirin|ibuprofen|insulin)\b|"
        # Researching the means: the tallest building, a lethal dose.
        r"\b(looked|look|looking|searched|searching|googled|googling|researched|researching)\s+"
        r"(up\s+)?[^.?!]{0,20}?\b(tallest|highest|lethal|fatal|deadliest|painless|quickest)\b|"
        r"\bloaded\s+(gun|pistol|rifle|handgun|firearm|shotgun|revolver)\b|"
        r"\b(hurt|injur\w*|broke|break|cut|burn\w*|hit|punch\w*|bang\w*|scratch\w*|bit|bite)\s+"
        r"(myself|my\s+\w+|the wall)\b[^.?!]{0,40}?\b(on purpose|deliberately|intentionally|"
        r"to punish myself)\b|"
        r"\b(i|he|she|they)\s+(\w+\s+)?(think|thinks|thought|thinking|dream|dreams)\s+(about|of)\s+"
        r"(dying|death|being dead|not being (here|alive|around)|ending (it|things))\b|"
        r"\b(i|he|she|they)('ve| have| has| keep| kept)?\s+(been\s+)?(having|had|get|getting|have)"
        r"\s+(\w+\s+)?thoughts\s+(of|about)\s+(dying|death|being dead|ending (it|things))\b|"
        r"\b(thought|thinking|thoughts|think)\s+(about|of)\s+(how|ways|when|where)\s+"
        r"(i|to|he|she|they)\b[^.?!]{0,30}?\b(do it|die|end|kill|go through)|"
        r"\b(saving|saved|stockpil\w*|hoard\w*|collect\w*)\s+(up\s+)?(my\s+|some\s+|the\s+)?"
        r"(pills|meds|medications?|tablets)\b|"
        r"\b(bought|buy|buying|got|get)\s+(a\s+)?(gun|rope|firearm|shotgun|rifle|pistol|handgun)\b|"
        r"\b(goodbye|suicide|final)\s+(note|letter|letters|notes|messages?|texts?|videos?|emails?)\b|"
        r"\bgave\s+away\s+(my|his|her|their)\s+(things|stuff|belongings|possessions)\b|"
        # Preparatory acts (C-SSRS): giving away a pet or valuables, a will, affairs in order.
        r"\b(gave|given|giving|give)\s+(all\s+)?my\s+(?!old\b|spare\b|unused\b|outgrown\b|extra\b|"
        r"used\b)(\w+\s+){1,2}away\b|"
        r"\b(said|saying|say)\s+goodbye\b[^.?!]{0,40}?\b(last\s+time|for\s+good|forever|for\s+the\s+"
        r"last)\b|"
        r"\b(gave|given|giving|give)\s+(away\s+)?(my|his|her|their)\s+(dog|cat|pets?|things|"
        r"stuff|belongings|possessions|valuables|jewel\w*|savings)\s+(away|to)\b|"
        r"\b(wrote|written|writing|write|made|making)\s+(out\s+)?(my|his|her|their|a)\s+will\b|"
        r"\b(put|putting|got|getting)\s+(my|his|her|their)\s+affairs\s+in\s+order\b|"
        r"\b(tried|try|trying|attempted|attempt|attempting)\s+(to\s+)?(kill|end|hurt|take)\b|"
        # An overdose told as what was taken: "took a whole bottle of my sleeping pills".
        r"\b(took|take|swallowed|swallow)\s+(a|the|my|an)?\s*(whole|entire|full)?\s*"
        r"(bottle|handful|box|pack|packet|bunch|month's supply)\s+of\s+"
        r"(my\s+|his\s+|her\s+|the\s+)?"
        r"([\w']+\s+){0,2}?(pills|meds|medications?|tablets|capsules|painkillers|sleepers|"
        r"tylenol|paracetamol|acetaminophen|aspirin|insulin)\b|"
        r"\b(took|swallowed)\s+(all|every one|the rest)\s+of\s+(my|his|her|the)\s+(pills|meds|"
        r"medications?|tablets)\b|\b(pumped|pump)\s+(my|his|her)\s+stomach\b|"
        r"\bslit\s+(my|his|her|their)\s+wrists?\b|"
        # Self-injury named by its method: "been cutting again", "scratching her arms".
        r"\b(been|started|start|starting|back to|keeps?|kept)\s+(cutting|burning)\b|"
        r"\bcutting\s+again\b|"
        r"\b(cut|cutting|cuts|burn(s|ed|t|ing)?|scratch(es|ed|ing)?|slash(es|ed|ing)?|carv(e|ed|ing)|"
        r"slic(e|ed|ing))\s+(on\s+)?"
        r"(my|his|her|their)\s+(arms?|wrists?|legs?|thighs?|skin|stomach|body)\b"
    ),
    RiskKind.HARM_TO_OTHERS: re.compile(
        r"\bhomicid\w*|"
        rf"\b{VIOLENT_VERB}\s+{OTHERS}\b{_NOT_SPORT}|"
        rf"\bi\s+(?:\w+\s+)?{_ABUSE_VERB}\s+(?:her|him|them)\b|"
        r"\bviolen\w*\s+(toward|towards|against)\b|\bthreaten\w*\s+to\s+(kill|hurt|harm)\b|"
        # An injury promised in a figure of speech: "put him in the hospital".
        rf"\b(?:put|putting|send|sending|land|landing)\s+{OTHERS}\s+in\s+(?:the\s+)?"
        r"(?:hospital|grave|ground|morgue|er)\b"
    ),
    RiskKind.ABUSE_OR_NEGLECT: re.compile(
        r"\babus\w*|\bneglect\w*|\bdomestic violence\b|\bunsafe at home\b|"
        # Self-neglect, in the words of elder self-neglect screens: personal care or food
        # gone for days or weeks ("haven't had a proper bath in two weeks").
        r"\b(haven't|hasn't|have not|has not|havent|hasnt|not)\s+(had\s+(a\s+)?(proper\s+|real\s+|"
        r"decent\s+|hot\s+)?(bath|shower|wash|meal)|bathed|showered|washed|eaten(\s+properly)?)"
        r"\s+(in|for)\s+(about\s+|over\s+|nearly\s+|almost\s+)?(a|\d+|two|three|four|five|six|"
        r"several|a few|a couple of)\s+(days|weeks|months|week|month)\b|"
        rf"(?<!\bi )(?<!\bwe )\b{_ABUSE_VERB}\s+(me|her|him|them|my\s+(arms?|wrists?|neck|throat|"
        r"hair|face))\b(?!\s+to\s+(apply|try|do|go|be|get|keep|take|finish|make|see|call|work|study|start|"
        rf"join|think|speak|ask|come|stay|eat|exercise|write|read|train)\b){_NOT_SPORT}|"
        r"\b(pins?|pinned|pinning|holds?|held|holding)\s+me\s+down\b|"
        r"\bmakes?\s+me\s+(feel\s+)?(scared|afraid|frightened|unsafe)\b|"
        r"\bhelps?\s+(him|her|them)sel(f|ves)\s+to\s+my\s+(purse|wallet|money|pension|savings|card|"
        r"account|bank)\b|"
        r"\b(takes|took|taking|keeps|kept)\s+(all\s+of\s+|all\s+)?my\s+(pension|benefits|savings|wages)\b"
        r"(?!\s+(to|for|in|into|out|down)\b)|"
        # Financial exploitation and deprivation of necessities (EASI items): someone taking
        # the client's money, withholding food or medicine, no food in the house for days.
        # Taking alone is often help ("takes my checks to the bank"): it is exploitation when
        # stolen or spent, or when taken without leave or with something withheld.
        r"\b(?:(steals|stole|stealing|spends|spent|pockets|pocketed)|"
        r"(takes|took|taking|cashes|cashed|keeps|kept)(?=[^.;]{0,60}\b(won't|wouldn't|doesn't|"
        r"without|never|for (himself|herself|themselves)|against my will|and (keeps|spends|kept|"
        r"spent))))\s+(all\s+(of\s+)?)?(my|her|his|their)\s+(money|pension|benefits|savings|"
        r"social security|checks?|cheques?|bank card|paychecks?|wages)\b|"
        r"\b(won't|wouldn't|doesn't|didn't|refuses to|refused to|never)\s+(buy|get|give|bring)\s+"
        r"(me\s+|her\s+|him\s+)?(my\s+|her\s+|his\s+|any\s+)?(food|groceries|meals|medicine|"
        r"medications?|meds|pills)\b|"
        r"\bno\s+food\s+(in\s+the\s+house\s+)?for\s+(days|a week|weeks|a few days)\b|"
        r"\b(leaves|left|leaving)\s+(me|her|him)\b[^.?!]{0,30}?\b(all day|for hours|for days|"
        r"overnight|without\s+(food|water|meals|help|my\s+(meds|medicine|medication)))\b|"
        # Isolation and control (EASI): kept from people, a phone or money.
        r"\b(won't|doesn't|wouldn't|didn't|never)\s+let\s+(me|her|him)\s+(see|call|talk to|leave|"
        r"go to|go out|visit|have\s+(any\s+|my\s+|a\s+)?(own\s+)?(money|phone|cards?|keys|"
        r"bank card|friends|visitors|people))\b|"
        r"\b(took|takes|taken|taking|has|keeps|kept)\s+my\s+(phone|money|cards?|bank card|keys|"
        r"car keys|passport)\b[^.?!]{0,20}?\b(won't|doesn't|wouldn't|never)\s+(give|hand)\s+"
        r"(it|them)\s+back\b|"
        r"\b(keeps|kept|keep|keeping)\s+me\s+(locked|shut)\s+(in|up)\b|"
        r"\b(pulls|pulled|drags|dragged|yanks|yanked|shakes|shook)\s+me\s+(about|around|by)\b|"
        r"\brough\s+with\s+me\b|"
        r"\b(taking|took|takes|taken|withdraw\w*)\s+(money|cash)\s+(out\s+of|from)\s+my\s+(account|bank|"
        r"purse|wallet|savings)\b|"
        r"\b(doesn't|don't|didn't|won't|never)\s+(feed|wash|change|bathe)\s+me\b|"
        r"\b(he|she|they|my\s+\w+)\s+(said|says|told\s+me|threatened|swore)\s+(that\s+)?(he|she|they)"
        r"('d|\s+would|'ll|\s+will|'s\s+going\s+to|\s+was\s+going\s+to)\s+(kill|hurt|hit|beat|burn)\s+me\b|"
        r"\b(his|her|their)\s+hands?\s+(round|around|on)\s+my\s+(throat|neck)\b|"
        rf"\b(afraid|scared|frightened|terrified)\s+of\s+(my|his|her|their)\s+{PERSON}\b|"
        r"\b(afraid|scared|frightened|terrified)\s+of\s+(him|her)\b|"
        # Control of money, a phone or people (EASI, coercive control).
        r"\bnot\s+allowed\s+(a|my|any|my own)\s+(own\s+)?(bank card|card|money|phone|cash)\b|"
        r"\bnot\s+allowed\s+to\s+(see|call|ring|visit|talk to|phone)\s+(my|any)\s+\w+|"
        # Neglect seen in the client's care: the same clothes for days, a carer who has not
        # come and the medicine or food that goes with it.
        r"\b(in|wearing|worn|had on)\s+the\s+same\s+clothes\s+(since|for)\b|"
        r"\b(carer|caregiver|aide|helper|she|he|they)('s|\s+has|\s+have)?\s+(missed|not\s+(come|been|"
        r"turned up)|hasn't\s+(come|been|turned up)|didn't\s+(come|turn up|show))\b[^.?!]{0,60}?"
        r"\b(haven't|hasn't|not|no|without)\b[^.?!]{0,20}?\b(tablets|meds|medications?|medicine|"
        r"insulin|food|meals|eaten|washed|changed)\b|"
        rf"\b(he|she|they|{PERSON})\s+(scares|frightens|terrifies)\s+(me|her|him|them)\b|"
        # An injury put down to someone close: "bruises her partner caused", "a black eye
        # from her boyfriend".
        rf"\b{_INJURY}\b[^.;]{{0,60}}?\b(?:(?:caused|given|done|made|left)\s+by\s+|from\s+)?"
        rf"(?:my|his|her|their)\s+(?:ex-)?{PERSON}\b(?:\s+\w+){{0,2}}?\s+"
        r"(?:caused|gave|did|made|left)\b|"
        rf"\b{_INJURY}\b[^.;]{{0,60}}?\b(?:(?:caused|given|done|made|left)\s+by|from)\s+"
        rf"(?:my|his|her|their)\s+(?:ex-)?{PERSON}\b"
    ),
    RiskKind.FALL_RISK: re.compile(
        rf"\bfell\b{NOT_A_FALL}|\bfalls?\b{NOT_A_FALL}|\bfalling\b{NOT_A_FALL}|"
        # A fall as screening defines it (STEADI, WHO): coming to rest on the floor or
        # ground without meaning to, however it is told.
        r"\bended up on the (floor|ground)\b|\btook (a|another) (tumble|spill|fall)\b|"
        r"\b(slid|slipped|slumped|rolled|sank)\s+(off|out of|down)\s+(the\s+|my\s+|a\s+)?"
        r"(bed|chair|toilet|couch|sofa|wheelchair|commode)\b|\bonto the (floor|ground)\b|"
        r"\b(knees?|legs?|ankles?|hips?)\s+(buckled|gave way|gave out|went out)\b|"
        r"\bhit the (floor|ground|deck|pavement)\b|"
        r"\bnear[- ]falls?\b|\blos(t|es|ing)\s+(my\s+|his\s+|her\s+|their\s+)?balance\b|"
        r"\b(tripped|tripping|trips?\s+(over|on))\b(?!\s+(over\s+)?(my|his|her|their)\s+"
        r"(words|tongue)|\s+(the\s+)?(circuit|breaker|switch|alarm|fuse|sensor))|\bunsteady\b|"
        # A near fall is screened with the falls (STEADI): "nearly went over", "almost fell".
        r"\b(nearly|almost)\s+(went\s+(over|down)|fell|fall|hit\s+the\s+(floor|ground))\b|"
        r"\bslipped\b|\bwent down\b(?!\s+to\b)|"
        r"\blanded on (my|his|her|their|the) (bottom|back|side|knees?|hip|floor|face)\b|"
        r"\b(couldn't|could not|can't) get (back )?up\b|"
        r"\bon\s+the\s+(\w+\s+)?(floor|ground)\s+(for|until|till|all night|overnight)\b|"
        r"\bfound\s+(me|him|her)\s+on\s+the\s+(\w+\s+)?(floor|ground)\b"
    ),
}

# Words a recogniser splits or glues ("kill my self", "over dose", "suicide all" for
# "suicidal"), joined back before any cue is looked for.
_RECOGNISER_SPLITS = (
    (re.compile(r"\b(my|him|her|them|your|our)\s+(self|selves)\b"), r"\1\2"),
    (re.compile(r"\bover\s+dos(e|ed|es|ing)\b"), r"overdos\1"),
    (re.compile(r"\bsuicide\s+(?:all|al|ol)\b"), "suicidal"),
    (re.compile(r"\bself\s+harm"), "self-harm"),
    (re.compile(r"\bwith\s+out\s+(me|us|him|her|them)\b"), r"without \1"),
    (re.compile(r"\bany\s+more\b"), "anymore"),
    (re.compile(r"\bself[- ]arm(ing|ed|s)?\b"), r"self-harm\1"),
    # Texting shorthand said aloud: "kms" (kill myself), "sh-ing" (self-harming).
    (re.compile(r"\bkms\b"), "kill myself"),
    (re.compile(r"\bsh(?:-|')?ing\b"), "self-harming"),
)


def rejoined(text: str) -> str:
    """The text with the recogniser's splits joined back, so one cue matches every form."""
    for pattern, replacement in _RECOGNISER_SPLITS:
        text = pattern.sub(replacement, text)
    return text


def cue_spans(kind: RiskKind, clause: str) -> list[tuple[int, int]]:
    """Every candidate span of one kind in a clause: the screens' words, then the concepts.

    `clause` is lower case with straight apostrophes, recogniser splits joined back.
    """
    spans = [(m.start(), m.end()) for m in RISK_CUES[kind].finditer(clause)]
    if kind is RiskKind.SELF_HARM:
        spans.extend(ideation_spans(clause))
    else:
        spans.extend(concept_spans(kind, clause))
    return spans
