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
    r"daydream\w*|dream\w*|consider\w*|plan|plans|planned|planning|might\s+as\s+well|"
    r"\bhow\s+(?:nice|peaceful|easy|easier|good|quiet|calm)\s+it\s+(?:would|'d)\s+be|"
    r"(?:would|'d|could|might)\s+(?:just\s+)?be\s+(?:so\s+)?(?:nice|easier|better|a\s+relief|"
    r"peaceful|simpler|best|kinder|a\s+mercy)|"
    r"(?:wouldn't|would\s+not|wouldnt|don't|do\s+not|dont)\s+(?:really\s+)?(?:care|mind)|"
    r"crossed\s+my\s+mind|on\s+my\s+mind)\b"
)
# The speaker's own death or absence, in the words people use for it. A word that also
# names something ordinary is held to its sense: "dying to see it", "dead tired",
# "disappear into a book", "end it with him".
_OWN_END = re.compile(
    r"\b(?:die|dying|died)\b(?!\s+(?:to|for|of|from|laughing|down|out|off|away|on\s+me|than|"
    r"(?:my|her|his|the)\s+(?:\w+\s+)?(?:hair|fabric|clothes|wool|eggs|beard)))|"
    r"\b(?:be|being|was|were|am|i'm)\s+dead\b(?!\s+(?:tired|on|set|serious|wrong|easy|quiet|"
    r"beat|bored|ringer|inside))|"
    r"\b(?:not|never|no\s+longer|stop|stopped|quit)\s+(?:\w+\s+)?(?:exist\w*|be(?:ing)?\s+"
    r"(?:here|around|alive|in\s+this\s+world)|liv(?:e|ing)|wak(?:e|ing)\s+up|breath\w*)\b|"
    r"\bceas\w*\s+to\s+exist\b|"
    r"\brest\s+(?:forever|for\s+good|for\s+ever)\b|\bfade\s+(?:away|out)\b(?!\s+(?:over|from|into))|"
    r"\bstop\s+(?:everything|it\s+all)\s+for\s+good\b|"
    r"\bi\s+(?:wasn't|weren't|was\s+not|were\s+not)\s+(?:alive|born)\b(?!\s+yet)|"
    r"\b(?:was|were|had\s+been|'d)\s+never\s+been\s+born\b|\b(?:was|were)\s+never\s+born\b|"
    r"\bhadn't\s+been\s+born\b|\bnot\s+coming\s+back\b(?!\s+to\b)|"
    r"\bif\s+i\s+(?:just\s+)?(?:stopped|went|ended\s+it|was\s+gone|wasn't\s+here)\b|"
    r"\b(?:tak\w+|took|swallow\w*)\s+(?:the\s+whole|a\s+whole|an\s+entire|the\s+entire)\s+(?:packet|"
    r"bottle|box|lot|pack|strip|tub)\b|"
    r"\b(?:tak\w+|took|swallow\w*)\s+(?:all\s+of\s+them|them\s+all|every\s+(?:last\s+)?one)\s+(?:at\s+"
    r"once|in\s+one\s+go|together)\b|"
    r"\b(?:sleep|asleep)\b[^.?!]{0,20}?\b(?:forever|for\s+good|for\s+ever|permanently|"
    r"and\s+(?:never|not)\s+wak\w*)|\bstay\s+asleep\b|\bnever\s+(?:have\s+to\s+)?wak\w*\s+up\b|"
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
    r"\blet(?:ting)?\s+go\s+of\s+the\s+(?:wheel|steering\s+wheel)\b|"
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
    r"living|live|life|going\s+on|carrying\s+on(?!\s+(?:with|at)\b)|"
    r"keep(?:ing)?\s+going(?!\s+(?:with|to|at|on)\b)|any\s+of\s+it|anything(?:\s+anymore)?|it\s+all|existing|"
    r"trying\s+anymore|waking\s+up|me\b)|"
    r"\b(?:can't|cannot|can\s+not|don't|do\s+not)\s+see\s+(?:myself|me)\s+(?:being\s+)?(?:here|"
    r"around|alive|lasting|making\s+it)\b|"
    r"\bnot\s+(?:be|being)\s+(?:here|around)\s+(?:much|any)\s+longer\b|"
    r"\b(?:rather|prefer\s+to)\s+(?:be\s+dead|die|not\s+(?:be\s+)?(?:here|alive|exist))\b(?!\s+than)|"
    r"\b(?:doing|do|did)\s+(?:everyone|everybody|them|the\s+world|my\s+family|us\s+all)\s+a\s+"
    r"(?:big\s+)?favou?r\b[^.?!]{0,25}?\b(?:if|by|when)\s+i\b|"
    r"\b(?:everyone|everybody|they|people|my\s+(?:family|kids|wife|husband|partner|parents)|"
    r"the\s+world)\b[^.?!]{0,25}?\b(?:relieved|better\s+off|happier|easier|fine|okay|ok)\b"
    r"[^.?!]{0,25}?\b(?:if\s+i\s+(?:was|were|wasn't|weren't|died|disappeared)|without\s+me|"
    r"once\s+i'm\s+gone|when\s+i'm\s+gone)\b|"
    r"\b(?:when|after|once)\s+i'm\s+(?:gone|dead|not\s+here)\b|"
    # Death waited for as a call (an older voice): "I'm ready to go whenever He wants me".
    r"\b(?:ready|happy|waiting)\s+to\s+go\s+(?:whenever|when)(?=\s+(?:he|god|the\s+lord|jesus|"
    r"my\s+time)\b)|"
    # Means kept "in case I decide" (C-SSRS preparatory behaviour), the decision unsaid.
    r"\bin\s+case\s+i\s+(?:decide(?:\s+to)?|go\s+through\s+with\s+it)\W*$|"
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
    r"\b(?:river|canal|bridge|cliff|cliffs|ledge|roof|rooftop|tracks|platform|railings?|balcony|"
    r"overpass|quarry|motorway)\b[^.?!]{0,60}?\bwhat\s+if\s+i\s+(?:just\s+)?(?:stepped|jumped|went|"
    r"let\s+go|leaned|fell|stepped\s+forward)\b|"
    # Medication held back from taking and kept (C-SSRS preparatory behaviour).
    r"\b(?:haven't|have\s+not|not|stopped|quit)\s+(?:been\s+)?tak\w*\b[^.?!]{0,60}?\b(?:sav\w*|"
    r"stockpil\w*|hoard\w*|keep\w*|kept|stash\w*|collect\w*|hid\w*|putting|put)\s+(?:them|those|"
    r"these|it)\s+(?:up|away|aside|in|by)\b|"
    # Disappointed to have survived the night: "annoyed I woke up", "sorry I'm still here".
    r"\b(?:disappointed|annoyed|sorry|upset|angry|gutted|cross)\b[^.?!]{0,15}?\bi(?:'m|\s+am|\s+was)?\s+"
    r"(?:still\s+(?:here|alive|breathing|around)|woke\s+up|survived)\b|"
    # Perceived burdensomeness and worthlessness in the Interpersonal Needs Questionnaire's
    # sense: taking up space, a waste of space; others who would be better without me.
    r"\bi(?:'m|\s+am)\s+(?:just\s+|only\s+)?(?:taking\s+up\s+space|a\s+waste\s+of\s+(?:space|"
    r"oxygen|air|skin))\b|"
    r"\b(?:everyone|everybody|they|people|my\s+(?:family|kids|children|wife|husband|partner|"
    r"parents|son|daughter)|the\s+world)\b[^.?!]{0,10}?(?:would|'d|will)\s+[^.?!]{0,25}?\b(?:better|"
    r"fine|okay|ok|happier|easier|move\s+on|manage|cope|get\s+on|get\s+over\s+it)\b[^.?!]{0,25}?"
    r"\bwithout\s+me\b|"
    r"\b(?:life|living|everything|it\s+all|my\s+life)(?:'s|\s+is|\s+feels|\s+seems)\s+(?:so\s+|just\s+|"
    r"completely\s+|totally\s+)?(?:pointless|meaningless|worthless|not\s+worth\s+it)\b|"
    r"\b(?:just\s+)?want(?:s|ed)?\s+out\b(?!\s+of\b)|\bwant\s+it\s+(?:all\s+)?(?:to\s+be\s+)?over\b"
    r"(?!\s+with\b)|"
    r"\bbetter\s+(?:if\s+)?i\s+(?:am|was|were|be)\s+(?:not\s+alive|dead|not\s+here|gone)\b|"
    r"\bpart\s+of\s+me\s+(?:doesn't|does\s+not|don't)\s+(?:really\s+)?care\b|"
    r"\b(?:don't|do\s+not|doesn't)\s+(?:really\s+)?care\s+what\s+happens\s+to\s+me\b|"
    # Means turned on oneself, or held to the body: "using it on myself", "the knife
    # against my wrist".
    r"\b(?:using|use|used|turn\w*)\s+(?:it|that|them|one)\s+on\s+myself\b|"
    r"\b(?:knife|knives|blade|razor|one|it|glass|scissors)\s+(?:against|to|on)\s+my\s+(?:wrist|"
    r"wrists|throat|neck|arm|skin)\b|"
    r"\b(?:dig\w*|press\w*|stick\w*|jab\w*)\s+(?:my\s+)?(?:nails|fingernails|pins?|needles?|"
    r"compass)\s+into\s+(?:my\s+)?\w+|"
    r"\b(?:the\s+day|the\s+night|the\s+weekend)\s+i(?:'ll|\s+will|'m\s+going\s+to|'m\s+gonna)\s+do\s+it\b|"
    r"\b(?:passwords|bank\s+details|pin\s+numbers)\b[^.?!]{0,30}?\b(?:envelope|for\s+my\s+\w+)\b|"
    r"\b(?:found|sorted)\s+(?:the|my)\s+(?:cat|dog|pets?)\s+(?:out\s+with\s+)?a\s+new\s+home\b|"
    r"\brehom\w+\s+(?:the|my)\s+(?:cat|dog|pets?)\b|"
    r"\b(?:think|thinking|thought)\s+about\s+(?:the\s+)?(?:railway|train\s+line|tracks|bridge|"
    r"reservoir|cliff|cliffs|quarry)\b(?!\s+(?:trip|walk|holiday|visit))|"
    r"\bmy\s+(?:wrists?|arms?|thighs?|legs?|stomach)\s+(?:have|has|are\s+covered\s+in)\s+(?:fresh\s+|"
    r"new\s+)?(?:marks|cuts|scars|burns)\b|\b(?:fresh|new)\s+(?:cuts|burns)\s+on\s+my\b|"
    r"\bi(?:'d|\s+would)\s+(?:be\s+dead|not\s+be\s+here)\b[^.?!]{0,15}?\bif\s+[^.?!]{0,30}?\b(?:hadn't|"
    r"had\s+not|didn't)\s+(?:come|found|stopped|called|rung|walked|got)\b|"
    r"\b(?:keep|kept|keeping|hid|hidden|hide|hiding|stash\w*)\s+(?:my\s+|the\s+|some\s+)?(?:\w+'s\s+)?"
    r"(?:old\s+|spare\s+)?(?:pills|tablets|meds|painkillers)\b[^.?!]{0,20}?\bin\s+case\b|"
    r"\b(?:stop|stopped)\s+(?:eating|drinking)\s+and\s+let\s+it\s+happen\b|"
    r"\b(?:be\s+with|join)\s+(?:my\s+)?(?:late\s+)?(?:husband|wife|mum|mom|dad|son|daughter|him|her)\b"
    r"[^.?!]{0,30}?\b(?:wherever\s+(?:he|she)\s+is|in\s+heaven|up\s+there|on\s+the\s+other\s+side)\b|"
    r"\b(?:i've|i\s+have)\s+lived\s+(?:long\s+)?enough\b|"
    r"\bready\s+for\s+(?:it|this|everything|life)\s+(?:all\s+)?to\s+(?:be\s+over|end|stop)\b|"
    r"\bnothing\s+(?:left\s+)?to\s+live\s+for\b|\bnothing\s+left\s+for\s+me\b|"
    r"\bjust\s+want\s+(?:it\s+all|everything|life|it)\s+to\s+(?:end|be\s+over|stop)\b(?!\s+(?:soon|early|"
    r"quickly|today)\b)|"
    r"\bhate\s+(?:being\s+alive|existing)\b|"
    r"\b(?:death|dying|being\s+dead)\s+(?:would|'d|will|could)\s+be\s+(?:a\s+)?(?:relief|release|"
    r"blessing|mercy|welcome|easier|better)\b|"
    r"\b(?:chair|stool|ladder)\s+with\s+(?:the|a)\s+(?:cord|rope|belt|cable|noose|scarf)\b|"
    r"\b(?:cord|rope|belt|noose|cable)\b[^.?!]{0,30}\b(?:beam|banister|bannister|hook|loft\s+hatch)\b|"
    r"\b(?:drank|drink|swallowed|swallow|took)\s+(?:some\s+)?(?:bleach|antifreeze|weedkiller|poison|"
    r"drain\s+cleaner|rat\s+poison)\b|"
    r"\b(?:thought|thinking|think)\s+(?:of|about)\s+(?:ways|how)\b[^.?!]{0,30}\b(?:pills|bridge|rope|"
    r"gun|jump|overdose|tablets|knife|train)\b|"
    r"\bif\s+(?:i\s+didn't\s+have|it\s+wasn't\s+for|it\s+weren't\s+for)\s+(?:the|my)\s+(?:dog|cat|kids|"
    r"children|son|daughter|family|mum|mam|mom|wife|husband|partner|faith)\b[^.?!]{0,30}\b(?:i'd|"
    r"i\s+would)\s+(?:have\s+)?(?:done\s+it|be\s+gone|not\s+be\s+here|be\s+dead|gone|end\w*)|"
    r"\b(?:went|drove|walked|got)\s+(?:up\s+)?to\s+(?:the\s+)?(?:\w+\s+)?(?:station|bridge|cliff|cliffs|"
    r"roof|tracks|river|car\s+park)\s+to\s+(?:jump|end\s+it|do\s+it|kill\s+myself)\b|"
    # Death accepted or waited for (C-SSRS wish to be dead, passive): "I'd be fine with
    # dying", "if I didn't wake up that would be okay", "waiting to die".
    r"\b(?:fine|okay|ok|happy|glad|content|relieved)\s+(?:with\s+dying|to\s+die|if\s+i\s+(?:died|didn't\s+"
    r"wake\s+up|never\s+woke\s+up|was\s+gone))\b|"
    r"\bif\s+i\s+(?:didn't|did\s+not|never)\s+(?:wake|woke)\s+up\b[^.?!]{0,30}?\b(?:okay|ok|fine|good|"
    r"alright|all\s+right|a\s+relief|a\s+blessing)\b|"
    r"\bwelcome\s+death\b|\bwaiting\s+(?:to\s+die|for\s+death|for\s+the\s+end)\b|"
    r"\b(?:wish|want|pray|hope|ask|beg)\w*\s+(?:god|the\s+lord|jesus)\s+(?:would|will|to|could)\s+"
    r"(?:take|call)\s+me\b|\bgo\s+home\s+to\s+(?:god|jesus|the\s+lord)\b|"
    r"\bwant\w*\s+to\s+(?:be\s+with|join|see)\s+(?:my\s+\w+|him|her|them)\s+(?:\w+\s+)?(?:in\s+heaven|"
    r"up\s+there)\b|"
    r"\bcan't\s+see\s+myself\s+(?:getting\s+(?:any\s+)?older|growing\s+old|reaching\s+\d+)\b|"
    r"\bwon't\s+(?:be\s+around|be\s+here|make\s+it)\b[^.?!]{0,40}?\b(?:glad|don't\s+mind|don't\s+care|"
    r"a\s+relief)\b|"
    r"\bhad\s+enough\s+of\s+(?:life|living|it\s+all|everything|being\s+alive)\b|"
    r"\b(?:sick|tired|fed\s+up)\s+of\s+(?:waking\s+up|breathing|being\s+here)\b|"
    r"\bend\s+of\s+the\s+road\s+for\s+me\b|"
    r"\blife\s+(?:has|holds)\s+no\s+(?:meaning|point|purpose)\b|"
    r"\bwaking\s+up\s+is\s+the\s+worst\b|"
    # Treatment let go so that death may come: "let it take me", "wouldn't fight it".
    r"\blet\s+it\s+take\s+me\b|\b(?:wouldn't|won't|would\s+not)\s+fight\s+it\b|"
    r"\b(?:stopped|stopping|stop)\s+(?:taking\s+)?my\s+(?:\w+\s+)?(?:tablets|pills|meds|medication|insulin|"
    r"treatment|dialysis)\b[^.?!]{0,40}?\bwhatever\s+happens\b|"
    r"\bwhatever\s+happens\s+happens\b[^.?!]{0,40}?\bstopped\s+(?:taking\s+)?my\s+(?:\w+\s+)?(?:tablets|"
    r"pills|meds|medication|insulin|treatment)\b|"
    # Planning the method, and means laid out ready.
    r"\b(?:worked\s+out|figured\s+out|planned|thought\s+through|decided)\s+(?:exactly\s+)?(?:how|when|"
    r"where)\s+i(?:'d|\s+would|'ll|\s+will|'m\s+going\s+to)\s+do\s+it\b|"
    r"\b(?:pills|tablets|meds|painkillers)\s+(?:all\s+)?(?:lined\s+up|laid\s+out|hidden\s+away)\b|"
    r"\b(?:stash|stockpile|hoard)\s+of\s+[^.?!]{0,20}?\b(?:tablets|pills|meds|medications?|"
    r"painkillers)\b|"
    # Death welcomed: "I'd welcome it", "it'd be a release", with death named just before.
    r"(?:(?<=dying, i'd )|(?<=death, i'd ))welcome\s+it\b|"
    r"\b(?:death|dying)\b[^.?!]{0,40}?\b(?:it'd|it\s+would)\s+be\s+a\s+(?:release|relief|blessing|"
    r"mercy)\b|"
    r"\b(?:asking|ask|asked|begging|beg|begged|praying\s+for|want)\s+(?:god|the\s+lord|jesus|him\s+"
    r"upstairs)\s+to\s+(?:take|call)\s+me\b|\bhad\s+my\s+innings\b|\bready\s+to\s+meet\s+my\s+maker\b|"
    # A condition that is itself the wish: "if I could just not exist, that would be good".
    r"\bif\s+i\s+could\s+(?:just\s+)?(?:not\s+exist|disappear|die|not\s+wake\s+up|stop\s+existing|"
    r"not\s+be\s+here)\b[^.?!]{0,30}?\b(?:would|'d)\s+be\s+(?:good|nice|great|a\s+relief|better|"
    r"easier|best|lovely)\b|"
    # Rehearsal and research: a ligature round the neck, the means looked at anew, how
    # people do it, all the pills counted out, a plan with only the day to choose.
    r"\b(?:belt|rope|cord|scarf|noose|ligature|tie|cable|lead)\s+(?:round|around)\s+my\s+neck\b|"
    r"\blook\w*\s+at\s+(?:the\s+|my\s+)?(?:knives|knife|pills|tablets|rope|bridge|tracks|trains|gun|"
    r"razors?|blades?)\s+(?:\w+\s+){0,3}?differently\b|"
    r"\b(?:read\w*|look\w*\s+up|research\w*|googl\w*|search\w*|watch\w*)\s+(?:about\s+|up\s+)?"
    r"(?:how|ways)\s+(?:people|to)\s+(?:do\s+it|kill|end|die|overdose)\b|"
    r"\b(?:counted|lined|laid|set)\s+(?:out|up)\s+all\s+(?:of\s+)?my\s+(?:pills|tablets|meds)\b|"
    r"\b(?:a|the)\s+plan\b[^.?!]{0,40}?\b(?:picked|chosen|set|decided\s+on)\s+(?:a|the)\s+(?:day|date)\b|"
    r"\b(?:bridge|cliff|ledge|roof|rooftop|multi-?storey|car\s+park|balcony|overpass|tower)\b"
    r"[^.?!]{0,40}?\b(?:looked|leaned|leant|peered)\s+over\b|"
    r"\b(?:took|swallowed|taken)\s+(?:about\s+|like\s+|around\s+|over\s+)?(?:\d{2,}|ten|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|a\s+hundred)\s+(?:of\s+(?:my|the|his|her)\s+\w+|(?:\w+\s+)?(?:pills|"
    r"tablets|capsules|painkillers|paracetamol|sleepers))\b|"
    # An attempt named as such; self-injury named as a habit relapsed into.
    r"\b(?:my|the|last|previous|first|second|an)\s+(?:suicide\s+)?attempts?\b(?!\s+(?:at|to|on)\b)|"
    r"\brelaps\w*\b[^.?!]{0,20}?\b(?:cutting|self-harm\w*|burning|hurting\s+myself)\b|"
    r"\b(?:the|my)\s+cutting\b(?!\s+(?:board|edge|room|mat|tool|machine|list|back|down))|"
    r"\b(?:don't|do\s+not)\s+think\s+i'll\s+(?:be\s+(?:here|around)|make\s+it)\s+(?:for|to|till|"
    r"until|by)\b|"
    r"\b(?:step\w*|walk\w*)\s+(?:off|out|into)\s+(?:the\s+)?(?:kerb|curb|road|traffic)\b[^.?!]{0,30}?"
    r"\b(?:on\s+purpose|deliberately|hoping)\b|"
    r"\bnot\s+sure\s+(?:i|if\s+i|whether\s+i)\s+(?:want|wanna)\s+to\s+(?:be\s+alive|live)\b|"
    # Indifference to one's own death or injury: "I don't care if I crash".
    r"\b(?:don't|do\s+not|dont|wouldn't|would\s+not)\s+(?:really\s+|even\s+|honestly\s+)?(?:care|"
    r"mind|be\s+(?:sad|upset|bothered))\s+(?:if|whether)\s+i\s+(?:crash\w*|die|died|get\s+killed|"
    r"got\s+killed|get\s+hurt|got\s+hurt|live|lived|make\s+it|made\s+it|wake\s+up|woke\s+up|"
    r"(?:got|get|had|have)\s+(?:a\s+)?(?:terminal|cancer|something\s+terminal)|didn't\s+make\s+it|"
    r"don't\s+make\s+it)\b|"
    # Head banging as self-injury ("I started hitting my head against the wall again"),
    # not the saying ("like banging my head against a brick wall").
    r"(?<!like\s)(?<!like\sa\s)\b(?:hit|hitting|bang\w*|smash\w*|slam\w*)\s+my\s+head\s+"
    r"(?:against|into)\s+(?:the\s+)?walls?\b|"
    # Self-injury told by its effect or purpose: "punched the wall until my knuckles bled".
    r"\b(?:pick\w*\s+at|pull\w*)\s+my\s+(?:skin|hair|scabs?|nails)\b[^.?!]{0,30}?\b(?:raw|bleed\w*|"
    r"bled|(?:i\s+like\s+that\s+)?it\s+hurts)\b|"
    r"\b(?:punch\w*|hit|hitting|bang\w*|smash\w*|slam\w*|bite|bites|biting|bit)\s+(?:the\s+wall|"
    r"walls|myself|my\s+(?:own\s+)?(?:head|fists?|hands?|arms?|wrists?|legs?|fingers?|lips?))\b"
    r"[^.?!]{0,50}?\b(?:bled|bleed\w*|bruis\w*|broke|marks|(?:it|they)\s+hurts?|to\s+feel\s+"
    r"(?:something|anything|pain|it)|on\s+purpose|to\s+punish|swell\w*|swollen)\b"
)
# A wish whose object is something ending the speaker: "I wish the accident had taken me",
# "she'd be better off if the stroke had finished me", "I hope something happens to me".
# Another person may stand between ("if the cancer had..."): "me" keeps it the speaker's.
_WISH = re.compile(
    r"\b(?:wish\w*|hopes?|hoped|hoping|pray\w*|asking\s+god|want|wants|wanted|wanting|better\s+off|(?:would|'d)\s+have\s+been\s+"
    r"(?:better|kinder|easier))\b"
)
_ENDS_ME = re.compile(
    r"\b(?:had|would\s+have|'d\s+have|would've)\s+(?:just\s+)?(?:finished|killed|taken|got)\s+me"
    r"(?:\s+off)?\b|"
    r"\bsomething\s+(?:bad\s+|terrible\s+|awful\s+)?(?:happens|happen|happened|would\s+happen|will\s+"
    r"happen)\s+to\s+me\b|"
    r"\b(?:get|got|getting|be)\s+(?:hit|run\s+over|knocked\s+down)\s+by\s+(?:a|the)\b|"
    r"\bi\s+(?:get|got)\s+(?:really\s+|very\s+|seriously\s+|terminally\s+)?(?:sick|ill)\b[^.?!]{0,20}?"
    r"\b(?:over|die|end|gone)\b|"
    r"\b(?:everything|it\s+all)\s+to\s+(?:go\s+dark|go\s+black|fade\s+(?:out|away))\b|"
    r"\b(?:surgery|operation|treatment|chemo|scan|biopsy)\s+(?:doesn't|won't|didn't|does\s+not)\s+"
    r"(?:go\s+well|work)\b|"
    r"\bi\s+(?:don't|won't|didn't|do\s+not)\s+(?:make\s+it|survive|pull\s+through|come\s+round)\b|"
    # An illness or death let take the speaker, or the body let stop: "wishes the cancer
    # would just take me quicker", "hoping my heart just stops".
    r"\b(?:cancer|illness|disease|tumou?r|condition|it|death|god|the\s+lord)\s+(?:would|will|'d|"
    r"to)\s+(?:just\s+)?(?:come\s+and\s+)?(?:take|finish)\s+me\b(?!\s+(?:to|for|out|home|back|"
    r"round|shopping|with))|"
    r"\bmy\s+heart\s+(?:would\s+|will\s+|to\s+)?(?:just\s+)?(?:stops?|stopped|gives?\s+out|gave\s+"
    r"out|packs?\s+in)\b"
)


# Someone else between the frame and the death makes it theirs: "I wish my dad hadn't
# died", "I think about when she died", "I pictured him dead".
_OTHER_PERSON = re.compile(
    r"\b(?:he|she|they|him|her|them|his|their|it|my\s+(?!own\b|self\b|life\b|family\b)\w+|"
    r"your|you|someone|somebody|everyone|everybody|people|the\s+(?!whole\b|rest\b)\w+)\b"
)
_FRAME_REACH = 60
_WANTS_IT = re.compile(
    r"\bpart\s+of\s+me\s+wants\s+(?:it|to)\b|\bi\s+(?:don't|do\s+not)\s+want\s+to\s+any\s*more\b"
)
_DEATH_OR_LIFE = re.compile(r"\b(?:dying|death|die|dead|living|alive)\b")
_FEARED = re.compile(r"\b(?:going\s+to|gonna|about\s+to|was\s+to|thought\s+i'd)\s+$")


def ideation_spans(clause: str) -> list[tuple[int, int]]:
    """Where a clause states ideation, preparation or self-injury: (start, end) spans.

    `clause` is lower case with straight apostrophes (`text.normalise`). A span starts at
    its frame so that the negation and condition checks in `risks` look at what comes
    before the statement ("I don't want to die" is negated; "I want to die" is not).
    """
    spans = [(m.start(), m.end()) for m in _STANDALONE.finditer(clause)]
    for wants in _WANTS_IT.finditer(clause):
        # "I'm not afraid of dying, part of me wants it": the wish refers back to death.
        if _DEATH_OR_LIFE.search(clause, max(0, wants.start() - 40), wants.start()):
            spans.append((wants.start(), wants.end()))
    for frame in _FRAME.finditer(clause):
        reach = clause[frame.end() : frame.end() + _FRAME_REACH]
        end = _OWN_END.search(reach)
        if end is None:
            continue
        between = reach[: end.start()]
        # "I felt like I was going to die on that hike": fear, not a wish.
        if _FEARED.search(between):
            continue
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
