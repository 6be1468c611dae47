"""Which of a session's two voices is the clinician: the rule, without audio or I/O.

The diarizer only tells voices apart (cluster 0 is whoever spoke first). A voice becomes a
role from the clinician's one-time enrollment when there is one, otherwise from the
conversation itself: the clinician usually opens the session and asks most of the
questions. The evidence grows with every turn, so earlier labels may change ("settle"),
and one swap from the window overrides the guess for the rest of the session.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from therapy_notes.domain.session import SpeakerRole

QUESTION_MARGIN = 0.1
"""How much more of one voice's sentences must be questions to outweigh who spoke first."""
MIN_SENTENCES_FOR_QUESTIONS = 6
"""Sentences each voice needs before its share of questions counts."""


@dataclass(slots=True)
class RolePolicy:
    """The clinician/client mapping of one session's voices (clusters 0 and 1)."""

    enrolled_clinician: int | None = None
    swapped: bool = False
    _turns: list[int] = field(default_factory=lambda: [0, 0])
    _questions: list[int] = field(default_factory=lambda: [0, 0])

    def observe(self, cluster: int | None, text: str) -> None:
        """Count a voice's sentences, and how many of them asked something."""
        if cluster not in (0, 1):
            return
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
        self._turns[cluster] += len(sentences)
        self._questions[cluster] += sum(s.endswith("?") for s in sentences)

    def clinician(self) -> int:
        """The cluster taken to be the clinician, before any swap."""
        if self.enrolled_clinician in (0, 1):
            return self.enrolled_clinician
        if min(self._turns) >= MIN_SENTENCES_FOR_QUESTIONS:
            rates = [q / t for q, t in zip(self._questions, self._turns, strict=True)]
            if abs(rates[0] - rates[1]) >= QUESTION_MARGIN:
                return 0 if rates[0] > rates[1] else 1
        return 0  # whoever opened the session

    def role(self, cluster: int | None) -> SpeakerRole:
        """The role of a voice now."""
        if cluster not in (0, 1):
            return SpeakerRole.UNKNOWN
        is_clinician = (cluster == self.clinician()) != self.swapped
        return SpeakerRole.CLINICIAN if is_clinician else SpeakerRole.CLIENT

    def roles(self, clusters: Sequence[int | None]) -> list[SpeakerRole]:
        return [self.role(c) for c in clusters]


def swapped(role: SpeakerRole) -> SpeakerRole:
    """The other role (unknown stays unknown)."""
    if role is SpeakerRole.CLINICIAN:
        return SpeakerRole.CLIENT
    if role is SpeakerRole.CLIENT:
        return SpeakerRole.CLINICIAN
    return role
