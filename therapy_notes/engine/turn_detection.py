"""Turn detection settings: server_vad's fixed silence, semantic_vad's silence by the words.

`session.update` chooses one (`audio.input.turn_detection`); the tracker reads these to
decide when a pause ends a turn. semantic_vad asks whether the words so far make a
complete utterance (`utterance_is_complete`): then a short silence ends the turn,
mid-phrase a longer one (PROTOCOL.md, as the cloud describes its eagerness levels).
"""

from __future__ import annotations

from dataclasses import dataclass

from therapy_notes.engine.word_agreement import normalise_word

_DANGLING_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as words
        "a an the to of in on at for with from by about into onto over under after before "
        "between without than and or but nor so because if when while whether which who "
        "whose where is are was were be been being am has have had will would can could "
        "should may might must do does did my your our their its um uh er"
    ).split()
)
"""Words a complete utterance rarely ends on."""


@dataclass(frozen=True, slots=True)
class SemanticWaits:
    """semantic_vad: the silence (ms) that ends a turn, by what its words so far look like."""

    complete_ms: int
    """The words make a whole utterance (a full stop, a question, not a dangling word)."""
    unsure_ms: int
    """No punctuation to tell, or no text yet (the decode is still running)."""
    incomplete_ms: int
    """Mid-phrase: a trailing comma or a word that needs more ("the", "to", "and", "is")."""


SEMANTIC_EAGERNESS: dict[str, SemanticWaits] = {
    "high": SemanticWaits(complete_ms=150, unsure_ms=500, incomplete_ms=2_000),
    "medium": SemanticWaits(complete_ms=200, unsure_ms=800, incomplete_ms=4_000),
    "low": SemanticWaits(complete_ms=500, unsure_ms=1_500, incomplete_ms=8_000),
}
"""By `eagerness` (`auto` is `medium`); the longest waits are the cloud's 2 s / 4 s / 8 s."""


@dataclass(frozen=True, slots=True)
class VadSettings:
    """Turn detection from `session.update` (`audio.input.turn_detection`).

    server_vad uses `silence_duration_ms`; semantic_vad (`semantic` set) ends a turn after
    a silence that depends on the words so far. Both use the threshold and prefix padding.
    """

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    semantic: SemanticWaits | None = None

    @classmethod
    def semantic_vad(cls, eagerness: str = "auto") -> VadSettings:
        """semantic_vad at `eagerness` (low, medium, high or auto; unknown means auto)."""
        waits = SEMANTIC_EAGERNESS.get(eagerness, SEMANTIC_EAGERNESS["medium"])
        return cls(silence_duration_ms=waits.unsure_ms, semantic=waits)


def utterance_is_complete(text: str) -> bool | None:
    """Whether a transcript reads as a whole utterance: True, False (mid-phrase) or None.

    Whisper punctuates what it hears: a full stop, question or exclamation mark after a
    word that can end a sentence is complete; a trailing comma, colon, dash or ellipsis, or
    a last word such as "the", "to", "and" or "is", is not; anything else is unsure.
    """
    stripped = text.strip()
    if not stripped:
        return None
    last = normalise_word(stripped.split()[-1])
    if stripped.endswith(("...", "\u2026", ",", ";", ":", "-")) or last in _DANGLING_WORDS:
        return False
    if stripped.endswith((".", "?", "!")):
        return True
    return None
