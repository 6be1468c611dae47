"""Loader and scorers for the labelled conversation test set (tests/fixtures/conversations).

The set measures the whole path from a recorded two-person session to a clinical note:
who spoke, which measurements were recorded, which risks were flagged, which plan items
were written. The labels were written from clinical documentation sense before any note
rules existed, so this module depends on none of the app's code: scorers take plain values
(dicts, strings, tuples) that a test extracts from the app's output.

The held-out split exists to report a number that no rule was tuned on; tune on ``dev``.
"""

from __future__ import annotations

import json
import re
import wave
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "conversations"
SESSIONS_DIR = FIXTURES / "sessions"
AUDIO_DIR = FIXTURES / "audio"
TEXT_SESSIONS_DIR = FIXTURES / "text_sessions"
"""The text-only set: more sessions, no audio, for measuring the note writer on text."""

SPEAKERS = ("clinician", "client")
DISCIPLINES = ("ot", "pt", "speech", "psych")
TEMPLATES = ("soap", "dap", "birp", "girp")
SPLITS = ("dev", "heldout", "pressure")
TEXT_SPLITS = ("dev", "heldout")
MEASUREMENT_KINDS = (
    "pain_score",
    "range_of_motion",
    "strength_grade",
    "repetitions",
    "sets",
    "duration",
    "distance",
    "assistance_level",
    "mood_score",
    "other",
)
SIDES = ("left", "right", "bilateral", "")
RISK_KINDS = ("self_harm", "harm_to_others", "abuse_or_neglect", "fall_risk")
RISK_STATUSES = ("stated", "denied")
TURN_KINDS = ("question", "greeting", "instruction", "acknowledgement", "statement")


@dataclass(frozen=True)
class Turn:
    """One speaker's turn as it was written (the true transcript)."""

    speaker: str
    text: str
    kind: str | None = None


@dataclass(frozen=True)
class Measurement:
    """A measurement stated in the session; ``earlier`` ones are comparisons, not today's."""

    kind: str
    value: float | str
    unit: str
    body_part: str
    side: str
    earlier: bool
    name: str = ""
    aliases: tuple[str, ...] = ()
    turn: int | None = None
    """Index of the turn that states the value (labelled in the text set only)."""


@dataclass(frozen=True)
class Risk:
    """A risk the client states, or denies when screened, at turn index ``turn``."""

    kind: str
    status: str
    turn: int


@dataclass(frozen=True)
class PlanItem:
    """A plan item; an entry covers it if it holds an alternative of every keyword group."""

    item: str
    keywords: tuple[str, ...]
    turn: int | None = None
    """Index of the turn that states the item (labelled in the text set only)."""


@dataclass(frozen=True)
class TurnTime:
    """Where a turn truly lies in the rendered audio."""

    index: int
    speaker: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class ConversationSession:
    """One labelled session: its true turns and the facts a correct note must carry."""

    id: str
    discipline: str
    template: str
    split: str
    turns: tuple[Turn, ...]
    measurements: tuple[Measurement, ...]
    risks: tuple[Risk, ...]
    plan: tuple[PlanItem, ...]
    note: str = ""


def _session_from_dict(data: dict[str, Any]) -> ConversationSession:
    """Build a session from its JSON, rejecting labels outside the schema.

    Validation lives here rather than only in a test so that a typo in a hand-written
    label (``"rigth"``, a risk turn past the end) fails the first load, not a score.
    """
    turns = tuple(
        Turn(speaker=str(t["speaker"]), text=str(t["text"]), kind=t.get("kind"))
        for t in data["turns"]
    )
    facts: dict[str, list[dict[str, Any]]] = data["facts"]
    measurements = tuple(
        Measurement(
            kind=str(m["kind"]),
            value=m["value"],
            unit=str(m.get("unit", "")),
            body_part=str(m.get("body_part", "")),
            side=str(m.get("side", "")),
            earlier=bool(m.get("earlier", False)),
            name=str(m.get("name", "")),
            aliases=tuple(str(a) for a in m.get("aliases", ())),
            turn=_optional_int(m.get("turn")),
        )
        for m in facts.get("measurements", [])
    )
    risks = tuple(
        Risk(kind=str(r["kind"]), status=str(r["status"]), turn=int(r["turn"]))
        for r in facts.get("risks", [])
    )
    plan = tuple(
        PlanItem(
            item=str(p["item"]),
            keywords=tuple(p["keywords"]),
            turn=_optional_int(p.get("turn")),
        )
        for p in facts.get("plan", [])
    )
    session = ConversationSession(
        id=str(data["id"]),
        discipline=str(data["discipline"]),
        template=str(data["template"]),
        split=str(data["split"]),
        turns=turns,
        measurements=measurements,
        risks=risks,
        plan=plan,
        note=str(data.get("note", "")),
    )
    _validate(session)
    return session


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _validate(s: ConversationSession) -> None:
    problems: list[str] = []
    if s.discipline not in DISCIPLINES:
        problems.append(f"discipline {s.discipline!r}")
    if s.template not in TEMPLATES:
        problems.append(f"template {s.template!r}")
    if s.split not in SPLITS:
        problems.append(f"split {s.split!r}")
    for t in s.turns:
        if t.speaker not in SPEAKERS or not t.text.strip():
            problems.append(f"turn {t!r}")
        if t.kind is not None and t.kind not in TURN_KINDS:
            problems.append(f"turn kind {t.kind!r}")
    for m in s.measurements:
        if m.kind not in MEASUREMENT_KINDS or m.side not in SIDES:
            problems.append(f"measurement {m!r}")
        if m.kind == "other" and not m.name:
            problems.append(f"'other' measurement without a name: {m!r}")
        if m.turn is not None and not 0 <= m.turn < len(s.turns):
            problems.append(f"measurement turn {m.turn} outside 0..{len(s.turns) - 1}")
    for r in s.risks:
        if r.kind not in RISK_KINDS or r.status not in RISK_STATUSES:
            problems.append(f"risk {r!r}")
        if not 0 <= r.turn < len(s.turns):
            problems.append(f"risk turn {r.turn} outside 0..{len(s.turns) - 1}")
    for p in s.plan:
        if not p.keywords or any(not group.strip() for group in p.keywords):
            problems.append(f"plan item {p.item!r} without keywords")
        if p.turn is not None and not 0 <= p.turn < len(s.turns):
            problems.append(f"plan turn {p.turn} outside 0..{len(s.turns) - 1}")
    if problems:
        raise ValueError(f"session {s.id}: " + "; ".join(problems))


def load_sessions(split: str | None = None) -> list[ConversationSession]:
    """Load every session (or one split's), sorted by id so runs are comparable.

    Args:
        split: ``dev``, ``heldout`` or ``pressure``; None loads all of them.

    Returns:
        The sessions.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    sessions = [
        _session_from_dict(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(SESSIONS_DIR.glob("*.json"))
    ]
    return [s for s in sessions if split is None or s.split == split]


def load_text_sessions(split: str | None = None) -> list[ConversationSession]:
    """Load the text-only sessions (or one split's), sorted by id.

    They share the schema and validation of the audio set but have no audio or turn
    times, and no ``pressure`` split: every one is ``dev`` or ``heldout``.

    Args:
        split: ``dev`` or ``heldout``; None loads both.

    Returns:
        The sessions.
    """
    if split is not None and split not in TEXT_SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {TEXT_SPLITS}")
    sessions = []
    for path in sorted(TEXT_SESSIONS_DIR.glob("*.json")):
        session = _session_from_dict(json.loads(path.read_text(encoding="utf-8")))
        if session.split not in TEXT_SPLITS:
            raise ValueError(f"session {session.id}: split {session.split!r} in the text set")
        sessions.append(session)
    return [s for s in sessions if split is None or s.split == split]


def audio_path(session: ConversationSession) -> Path:
    """The session's rendered WAV (16 kHz mono PCM16)."""
    return AUDIO_DIR / f"{session.id}.wav"


def true_turn_times(session: ConversationSession) -> list[TurnTime]:
    """The true start and end of each turn in the rendered audio, from its turns file."""
    record = json.loads((AUDIO_DIR / f"{session.id}.turns.json").read_text(encoding="utf-8"))
    return [
        TurnTime(
            index=int(t["index"]),
            speaker=str(t["speaker"]),
            start_ms=int(t["start_ms"]),
            end_ms=int(t["end_ms"]),
        )
        for t in record["turns"]
    ]


def audio_duration_s(path: Path) -> float:
    """Length of a WAV in seconds, read from its header."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def transcript_sentences(session: ConversationSession) -> list[str]:
    """Split the true turns into sentences, for is_verbatim()."""
    out: list[str] = []
    for t in session.turns:
        out.extend(p.strip() for p in re.split(r"(?<=[.!?])\s+", t.text) if p.strip())
    return out


# --- measurements -------------------------------------------------------------------------


_LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)(?:\s*/\s*\d+|\s*[a-z%]+)?\s*$")


def _as_number(value: object) -> float | None:
    """A number, or a text that is one number with at most a unit ("4/5", "110 degrees")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _LEADING_NUMBER.match(str(value).lower())
    return float(match.group(1)) if match else None


FIM_LEVELS: dict[str, int] = {
    "total assist": 1,
    "maximal assist": 2,
    "moderate assist": 3,
    "minimal assist": 4,
    "contact guard": 4,
    "stand-by assist": 5,
    "standby assist": 5,
    "supervision": 5,
    "setup": 5,
    "set-up": 5,
    "modified independent": 6,
    "independent": 7,
}
"""The FIM's published levels: an assistance level documented as a number or as words is
the same fact ("minimal assist" is FIM 4), so either way of recording it is right."""


def _values_equal(expected: Measurement, got: object) -> bool:
    """Numbers match within 0.01; other values match as normalised text or a label alias.

    Aliases let a label accept both ways a clinician documents one value ("minimal assist"
    or "twenty-five percent"), since either is correct in a note.
    """
    e, g = _as_number(expected.value), _as_number(got)
    if e is not None and g is not None:
        return abs(e - g) <= 0.01
    if expected.kind == "assistance_level" and g is not None:
        words = (_norm(str(expected.value)), *(_norm(a) for a in expected.aliases))
        return any(FIM_LEVELS.get(w) == g for w in words)
    text = _norm(str(got))
    return bool(text) and (
        text == _norm(str(expected.value)) or any(text == _norm(a) for a in expected.aliases)
    )


def _body_words(text: str) -> str:
    words = [w for w in _norm(text).split() if w != "the"]
    return " ".join(words)


def body_parts_match(expected: str, got: str) -> bool:
    """Loose body-part match: either phrase contains the other's head (last) word.

    "right knee" matches "knee", "quadriceps" matches "right quad", "wrist" matches
    "the wrist"; "knee" does not match "shoulder". A label may list alternatives separated
    by "|" ("quadriceps|knee": a knee-extension grade is documented either way). An empty
    expectation matches anything, because some measurements (PHQ-9, sleep, distance walked)
    have no body part.
    """
    if not expected.strip():
        return True
    g = _body_words(got)
    if not g:
        return False
    for alternative in expected.split("|"):
        e = _body_words(alternative)
        if e and (e.split()[-1] in g or g.split()[-1] in e):
            return True
    return False


def _sides_match(expected: str, got: str) -> bool:
    if not expected:
        return True
    aliases = {"both": "bilateral", "bilat": "bilateral", "l": "left", "r": "right"}
    g = _norm(got)
    return aliases.get(g, g) == expected


_FORCE_UNITS = ("lb", "lbs", "pound", "pounds", "kg", "kgs", "kilogram", "kilograms")
_STRENGTH_KINDS = ("strength_grade", "other")


def _same_kind(expected: Measurement, got: Mapping[str, object]) -> bool:
    """Kinds match; a dynamometer force (pounds, kilograms) may be either strength kind.

    The tool's kinds have a grade but no force: a grip of 28 lb is documented as a
    strength reading by some and as "other" by others, and both carry the same fact.
    """
    kind = str(got.get("kind", ""))
    if kind == expected.kind:
        return True
    force = str(got.get("unit", "")).lower() in _FORCE_UNITS
    return force and kind in _STRENGTH_KINDS and expected.kind in _STRENGTH_KINDS


def score_measurements(
    expected: Sequence[Measurement], got: Iterable[Mapping[str, object]]
) -> tuple[int, int, int]:
    """Count recorded measurements against the labels.

    Each recorded item (record_measurement's arguments: kind, value, unit, body_part, side)
    takes the first unmatched expected item of today (``earlier`` false) with the same kind
    and an equal value (or one of the label's aliases), whose body part and side match when
    the label gives them. Units are
    not compared: "degrees" vs "deg" is not what this set measures. A comparison value
    ("last week you were at ninety") recorded as a measurement finds no today's label and
    so counts as a false positive, which is the point: it must not enter today's note.

    Args:
        expected: The session's labelled measurements.
        got: The recorded measurements.

    Returns:
        (true_positives, false_positives, false_negatives).
    """
    today = [m for m in expected if not m.earlier]
    used = [False] * len(today)
    tp = fp = 0
    for item in got:
        for i, m in enumerate(today):
            if (
                not used[i]
                and _same_kind(m, item)
                and _values_equal(m, item.get("value"))
                and body_parts_match(m.body_part, str(item.get("body_part", "") or ""))
                and _sides_match(m.side, str(item.get("side", "") or ""))
            ):
                used[i] = True
                tp += 1
                break
        else:
            fp += 1
    return tp, fp, used.count(False)


# --- risks --------------------------------------------------------------------------------

RISK_VOCABULARY: dict[str, tuple[str, ...]] = {
    "self_harm": (
        r"suicid",
        r"self[- ]?harm",
        r"(hurt|harm)(ing)? (him|her|them|your)sel",
        r"\bkill",
        r"better off dead",
        r"end(ing)? (his|her|their) life",
    ),
    "harm_to_others": (r"homicid", r"\bothers\b", r"anyone else", r"someone else", r"violen"),
    "abuse_or_neglect": (
        r"abuse",
        r"neglect",
        r"unsafe",
        r"safe at home",
        r"hurt(ing|s)? (him|her|them)\b",
        r"hurt by",
    ),
    "fall_risk": (r"\bfall", r"\bfell\b", r"fallen"),
}
"""Patterns by which a denial entry names the risk it denies (searched in lower case)."""


def score_risks(
    expected: Sequence[Risk], flagged_kinds: Sequence[str], denial_texts: Sequence[str] = ()
) -> dict[str, int]:
    """Compare flag_risk calls and documented denials with the labelled risks, by kind.

    Scoring is per kind, not per turn: a session with three stated self-harm statements
    needs one self-harm flag. A kind that is both stated and denied in a session (passive
    wish to die, then "no plan") counts as stated, so flagging it is right.

    Args:
        expected: The session's labelled risks.
        flagged_kinds: The kind of every flag_risk call in the session (repeats allowed).
        denial_texts: Note text in which the system documented a denial (e.g. "Client denies
            suicidal ideation."); a denied-only kind counts as documented when some text
            matches one of its RISK_VOCABULARY patterns and a form of "deny" or "no".

    Returns:
        stated_total: kinds stated in the session; stated_flagged: of those, flagged;
        denied_total: kinds whose only labels are denials; flags_on_denials: of those,
        flagged (a false alarm built from a denial); unlabelled_flags: flagged kinds with
        no label at all; denials_documented: denied-only kinds found in denial_texts.
    """
    stated = {r.kind for r in expected if r.status == "stated"}
    denied_only = {r.kind for r in expected if r.status == "denied"} - stated
    flagged = set(flagged_kinds)
    documented = 0
    for kind in denied_only:
        for text in denial_texts:
            t = text.lower()
            if re.search(r"\b(den(y|ies|ied)|no|not|none|negative)\b", t) and any(
                re.search(pattern, t) for pattern in RISK_VOCABULARY[kind]
            ):
                documented += 1
                break
    return {
        "stated_total": len(stated),
        "stated_flagged": len(stated & flagged),
        "denied_total": len(denied_only),
        "flags_on_denials": len(denied_only & flagged),
        "unlabelled_flags": len(flagged - stated - denied_only),
        "denials_documented": documented,
    }


# --- plan ---------------------------------------------------------------------------------


def _alternative_matches(alternative: str, text: str) -> bool:
    """Match a keyword alternative at the start of a word; short ones as whole words.

    Starting at a word lets "thought record" match "thought records" and "social work"
    match "social worker"; alternatives of three characters or fewer ("ENT", "ice", "988")
    must be whole words so that "ent" is not found in "patient" nor "ice" in "office".
    """
    alt = alternative.strip().lower()
    if not alt:
        return False
    tail = r"(?!\w)" if len(alt) <= 3 else ""
    return re.search(r"(?<!\w)" + re.escape(alt) + tail, text.lower()) is not None


def plan_entry_covers(item: PlanItem, entry: str) -> bool:
    """True when the entry holds one alternative of every keyword group of the item."""
    return all(
        any(_alternative_matches(alt, entry) for alt in group.split("|")) for group in item.keywords
    )


def score_plan(
    expected: Sequence[PlanItem], plan_entry_texts: Sequence[str]
) -> tuple[int, int, int]:
    """Count plan items covered by the note's plan entries.

    Args:
        expected: The session's labelled plan items.
        plan_entry_texts: Text of every entry the system put in the plan section.

    Returns:
        (true_positives, false_positives, false_negatives): items covered by some entry,
        non-empty entries covering no item, items no entry covers. One entry may cover
        several items ("putty three times a day and the splint at night").
    """
    covered = [any(plan_entry_covers(p, e) for e in plan_entry_texts) for p in expected]
    fp = sum(
        1
        for e in plan_entry_texts
        if e.strip() and not any(plan_entry_covers(p, e) for p in expected)
    )
    tp = covered.count(True)
    return tp, fp, len(expected) - tp


# --- speakers -----------------------------------------------------------------------------


def speaker_accuracy(
    true_turns: Sequence[TurnTime], segments: Iterable[tuple[int, int, str]]
) -> float:
    """Share of the system's segments whose speaker label is right.

    A segment's true speaker is that of the true turn it overlaps most in time. A segment
    overlapping no turn (speech found in silence) counts as wrong, as does any label other
    than clinician/client (such as "unknown").

    Args:
        true_turns: From true_turn_times().
        segments: (start_ms, end_ms, speaker) per system segment.

    Returns:
        correct / total, or 0.0 when there are no segments.
    """
    correct = total = 0
    for start, end, speaker in segments:
        total += 1
        best, best_overlap = None, 0
        for t in true_turns:
            overlap = min(end, t.end_ms) - max(start, t.start_ms)
            if overlap > best_overlap:
                best, best_overlap = t, overlap
        if best is not None and best.speaker == speaker:
            correct += 1
    return correct / total if total else 0.0


# --- verbatim copies ----------------------------------------------------------------------

_ROLE_PREFIX = re.compile(
    r"^(the\s+)?(client|patient|pt|clinician|therapist|provider)"
    r"(\s+(reports|reported|states|stated|says|said|notes|noted|asks|asked|explains|"
    r"describes|shares|shared|instructs|instructed))?(\s+that)?\s+"
)


def _norm(text: str) -> str:
    text = re.sub(r"[^\w\s]", "", text.lower())
    return " ".join(text.split())


def is_verbatim(entry_text: str, transcript_sentences: Iterable[str]) -> bool:
    """True when a note entry is just a transcript sentence copied in.

    A note should restate in clinical language, not paste what was said: "Client reports:
    Maybe a three." is a copy of "Maybe a three." Case, punctuation and a leading role
    phrase ("client reports", "clinician", "the patient states that") are ignored.

    Args:
        entry_text: One note entry.
        transcript_sentences: Sentences of the session, e.g. from transcript_sentences().

    Returns:
        Whether the entry equals one of the sentences after normalising.
    """
    entry = _ROLE_PREFIX.sub("", _norm(entry_text))
    return bool(entry) and any(entry == _norm(s) for s in transcript_sentences)
