"""Local agreement: which words of a turn still being spoken are settled enough to send.

A partial decode's last words change as more audio arrives. A word is sent once two
hypotheses in a row agree on it, so the deltas the client sees only ever append.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORD_RE = re.compile(r"[^\w']+")


def normalise_word(word: str) -> str:
    """A word compared without case or punctuation ("Okay," and "okay" agree)."""
    return _WORD_RE.sub("", word.lower())


@dataclass(eq=False)
class LocalAgreement:
    """One turn's hypotheses so far and the words already sent."""

    previous_words: list[str] | None = None
    emitted_words: list[str] = field(default_factory=list)

    def tentative(self) -> str:
        """The latest hypothesis's words after the confirmed ones."""
        return " ".join((self.previous_words or [])[len(self.emitted_words) :])

    def agree(self, hypothesis: str, *, is_final: bool = False) -> str | None:
        """The delta of words two hypotheses in a row agree on, if any.

        The final hypothesis needs no second opinion: when the words sent so far are a
        prefix of it, the rest of it goes out, so the deltas add up to the final.
        """
        words = hypothesis.split()
        previous, self.previous_words = self.previous_words, words
        if is_final:
            previous = words
        if previous is None:
            return None
        agreed = 0
        for old, new in zip(previous, words, strict=False):
            if normalise_word(old) != normalise_word(new):
                break
            agreed += 1
        sent = len(self.emitted_words)
        if agreed <= sent or [normalise_word(w) for w in words[:sent]] != [
            normalise_word(w) for w in self.emitted_words
        ]:
            return None
        fresh = words[sent:agreed]
        self.emitted_words.extend(fresh)
        return (" " if sent else "") + " ".join(fresh)
