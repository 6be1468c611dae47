"""What one turn adds to the note, and what the conversation so far says about the next.

Every stage of the composer reads a turn's sentences into `Facts` (entries, values, risk
flags) and keeps a running `Context` (the open question, the joint being examined, earlier
values, risks already flagged or denied). They live apart from the stages so each stage
module depends on them and not on another stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from therapy_notes.domain.notes import RiskKind


@dataclass(slots=True)
class Entry:
    """One note entry: its clinical role (not yet a section), text and source turns."""

    role: str
    text: str
    item_ids: tuple[str, ...]


@dataclass(slots=True)
class Facts:
    """What one turn adds to the note."""

    entries: list[Entry] = field(default_factory=list)
    measurements: list[tuple[dict[str, Any], tuple[str, ...]]] = field(default_factory=list)
    risks: list[tuple[RiskKind, str, tuple[str, ...]]] = field(default_factory=list)


@dataclass(slots=True)
class Context:
    """What the conversation so far says about the next turn."""

    question: tuple[str, str] | None = None
    """The clinician's last unanswered question: (item id, sentence)."""
    part: str = ""
    side: str = ""
    motion: str = ""
    values: dict[tuple[str, str, str, str], tuple[float, str]] = field(default_factory=dict)
    """Latest value per (kind, body part, side, motion), and when it was taken."""
    last: tuple[dict[str, Any], tuple[str, ...]] | None = None
    """The value measured last, which a following "last week it was 90" compares with."""
    flagged: set[RiskKind] = field(default_factory=set)
    denied: set[RiskKind] = field(default_factory=set)
    tested: tuple[str, str] | None = None
    """Limb and side the clinician's last instruction named ("stand on your left leg"), for
    the time or distance reported next; a one-sided test, not the joint talked about."""
    rating: dict[str, Any] | None = None
    """The rating the client is giving ("stairs it's a two, jogging maybe a four"): later
    bare numbers of the same reply rate the same thing."""
