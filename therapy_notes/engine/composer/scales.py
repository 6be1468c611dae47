"""What a rating rates: the words that make a number out of ten a pain score or another scale.

A number out of ten is a pain score when pain or a body part is named, a mood score when
mood is, and another scale's value when the clause names one (anxiety, confidence, a task's
items); these words are shared by the reader of one value and the reader of a list of them.
"""

from __future__ import annotations

import re

# Words that say a number out of ten rates something other than pain.
OTHER_SCALE = re.compile(
    r"\b(mood|anxiety|anxious|stress|confiden\w*|energy|fatigue|tired\w*|sleep|motivation|"
    r"effort|exertion|borg|trials?|correct\w*|accura\w*|tasks?|items?|score|words?|"
    r"sentences?|questions?)\b"
)
NOT_A_RATING = (
    r"(?!\s*(?:degrees?|°|%|percent|out\b|/|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|"
    r"weeks?|months?|years?|times|feet|foot|ft|meters?|metres?|yards?|miles?|blocks?|steps?|"
    r"reps|repetitions|sets?|pounds?|lbs?|kilo\w*|kgs?|o'clock|am\b|pm\b|\.\d))"
)


PAIN_WORDS = (
    r"\b(pain|painful|ache|aches|aching|achy|hurts?|hurting|sore|soreness|tender\w*|throb\w*|"
    r"burn(s|ing)|sting(s|ing))\b"
)
