"""Sentences and clauses of transcript text."""

from __future__ import annotations

import re


def clauses(text: str) -> list[str]:
    """Split at sentence ends and contrast words, the usual limits of a negation's scope."""
    parts = re.split(r"\.(?!\d)|[;!?]+|\b(?:but|however|although|though|except|yet)\b", text)
    return [p.strip() for p in parts if p and p.strip()]


_SENTENCE_END = re.compile(
    r"(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<!\bst\.)"
    r"(?<=[.!?])\s+",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a transcript turn ("Dr. Patel" stays in one)."""
    pieces = _SENTENCE_END.split(text.strip())
    return [p.strip() for p in pieces if p.strip()]


def clean_sentence(sentence: str) -> str:
    """One sentence as a note shows it: single spaces, a capital first, a full stop last."""
    sentence = re.sub(r"\s+", " ", sentence).strip()
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if sentence[-1:] in ".!?" else f"{sentence}."


def normalise(text: str) -> str:
    """Lower case with straight apostrophes: what every pattern here is written against."""
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")
