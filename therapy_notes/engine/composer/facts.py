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
    counting: bool = False
    """The last instruction asked for a count ("as many times as you can in thirty
    seconds", "let's do ten"): the number reported next is repetitions."""
    earlier_frame: str = ""
    """An earlier time the client's question named ("last week you had to do most of it,
    didn't you?"): what the clinician's reply tells in the past tense is of that time."""
    said: frozenset[str] = frozenset()
    """Numbers the clinician stated (not asked) in the last turn: a client repeating one
    ("Six out of ten?") adds no value."""
    topic: str = ""
    """What the question being answered asks about, for the rest of the reply."""
    asked: str = ""
    """A client's question about their own care ("Do I still need to ice it?"), as a
    phrase, which the clinician's reply answers as a plan item."""
    small_talk: bool = False
    """The clinician's last question or greeting was small talk (the drive in, the game),
    or the client opened with an apology for being late: the reply is kept only where it
    says something clinical."""
    announced: tuple[str, tuple[float, float]] | None = None
    """A measure named without its value ("Let me feel your pulse"): how its value is said
    in full, and the range a value of it can take. The next bare number is its value."""
    announced_turns: int = 0
    """Turns the announcement has waited for its value; it lapses after a few."""
    question_lead: str = ""
    """What the clinician said just before the open question ("You mentioned headaches."),
    which names what a question by reference ("How bad is it?") asks about."""
    medicine_withheld: bool = False
    """The client's turn said a medicine is not being taken: keeping "them" back after it is
    preparation, however it is worded."""
    risk_named: tuple[RiskKind, ...] = ()
    """Risks the client's turn has named so far, said or denied: a later sentence that owns
    the thought by reference ("I just think about it") states it."""
    spoken_of: str = ""
    """Whom the client's turn spoke of last ("i", "he", "my son"): a sentence that names
    no one ("Like, beat him up.") speaks of them too."""
    resisted: bool = False
    """The clinician's last instruction set a test against resistance ("push out against
    me"): bare readings of it are muscle grades."""
    timed_test: str = ""
    """The hold the clinician just set up ("hold an 'ah' as long as you can"): a time
    reported next is its result, and is named by it."""
    against: bool = False
    """That instruction said the clinician resists ("against my hand", "don't let me"):
    a single bare number then is a grade too, not only a pair of them."""
    lead_in: str = ""
    """The clinician's last statement in this turn: a screen asked after it by reference
    ("Some people think about suicide. Has that crossed your mind?") asks about it."""
    professional: str = ""
    """The last professional named ("Dr. Patel", "the dietitian"), whom a plan item's
    "her" or "him" stands for."""
