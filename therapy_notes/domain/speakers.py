"""Which of a session's two voices is the clinician: the rule, without audio or I/O.

The diarizer only tells voices apart (cluster 0 is whoever spoke first). A voice becomes a
role from the clinician's one-time enrollment when there is one, otherwise from the
conversation itself: the clinician asks most of the questions and speaks to the client
("you", "your"), the client speaks of themselves ("I", "my"); when that is not yet clear,
whoever opened the session is taken to be the clinician. The evidence grows with every
turn, so earlier labels may change ("settle"), and one swap from the window overrides the
guess for the rest of the session.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from therapy_notes.domain.session import SpeakerRole

ROLE_MARGIN = 0.1
"""How much higher one voice's clinician score must be to outweigh who spoke first."""
MIN_SENTENCES = 6
"""Sentences each voice needs before its way of speaking counts."""
PRONOUN_WEIGHT = 2.0
"""Weight of (second-person minus first-person words) per word beside the question share."""
_SECOND_PERSON = frozenset({"you", "your", "you're", "yourself", "you've", "you'll", "you'd"})
_FIRST_PERSON = frozenset({"i", "my", "me", "i'm", "i've", "myself", "i'd", "i'll", "mine"})


@dataclass(slots=True)
class RolePolicy:
    """The clinician/client mapping of one session's voices (clusters 0 and 1)."""

    enrolled_clinician: int | None = None
    swapped: bool = False
    _sentences: list[int] = field(default_factory=lambda: [0, 0])
    _questions: list[int] = field(default_factory=lambda: [0, 0])
    _words: list[int] = field(default_factory=lambda: [0, 0])
    _addressing: list[int] = field(default_factory=lambda: [0, 0])
    """Second-person words minus first-person words, per voice."""

    def observe(self, cluster: int | None, text: str) -> None:
        """Count a voice's sentences, questions and who its words are about."""
        if cluster not in (0, 1):
            return
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
        words = re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))
        self._sentences[cluster] += len(sentences)
        self._questions[cluster] += sum(s.endswith("?") for s in sentences)
        self._words[cluster] += len(words)
        self._addressing[cluster] += sum(w in _SECOND_PERSON for w in words) - sum(
            w in _FIRST_PERSON for w in words
        )

    def clinician_score(self, cluster: int) -> float:
        """Share of questions plus how much the voice speaks to the other person."""
        questions = self._questions[cluster] / max(1, self._sentences[cluster])
        addressing = self._addressing[cluster] / max(1, self._words[cluster])
        return questions + PRONOUN_WEIGHT * addressing

    def voices_heard(self) -> int:
        """How many of the two voices have said anything yet."""
        return sum(1 for count in self._sentences if count)

    def is_confident(self) -> bool:
        """Whether the roles rest on more than who spoke first."""
        return self.enrolled_clinician in (0, 1) or min(self._sentences) >= MIN_SENTENCES

    def clinician(self) -> int:
        """The cluster taken to be the clinician, before any swap."""
        if self.enrolled_clinician in (0, 1):
            return self.enrolled_clinician
        if min(self._sentences) >= MIN_SENTENCES:
            scores = [self.clinician_score(0), self.clinician_score(1)]
            if abs(scores[0] - scores[1]) >= ROLE_MARGIN:
                return 0 if scores[0] > scores[1] else 1
        return 0  # whoever opened the session

    def role(self, cluster: int | None) -> SpeakerRole:
        """The role of a voice now."""
        if cluster not in (0, 1):
            return SpeakerRole.UNKNOWN
        is_clinician = (cluster == self.clinician()) != self.swapped
        return SpeakerRole.CLINICIAN if is_clinician else SpeakerRole.CLIENT

    def roles(self, clusters: Sequence[int | None]) -> list[SpeakerRole]:
        return [self.role(c) for c in clusters]
