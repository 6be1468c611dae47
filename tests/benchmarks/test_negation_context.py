"""Risk negation and context: the composer's hand-written scoping against medspaCy's ConText.

Both systems look for the same risk wording, so only the negation and context part differs:
the medspaCy pipeline's target rules are the composer's own risk cues (`_RISK_CUES`, written
from the C-SSRS ideation and behaviour items, the ASQ and PHQ-9 item 9), with the same
"substance abuse is not abuse" exclusion.

* **hand-written**: the turn split with the composer's `split_sentences`, then
  `find_risks(sentence, first_person=True)` on client turns (`first_person=False` on a
  clinician's question, as the composer reads a clinician's sentences).
* **medspaCy**: `medspacy.load()` (a blank English pipeline, no model download): the
  PyRuSH sentence splitter, a TargetMatcher with those cues, and ConText with its default
  rules. A target is stated when ConText marks it neither negated, hypothetical nor about a
  family member. A historical target is kept: a past attempt is a risk to flag (the
  C-SSRS asks about lifetime behaviour), so `is_historical` must not drop it; the variant
  that drops it is reported beside. Uncertain targets are kept too. ConText runs with
  `prune_on_target_overlap=True`: with the default (False) a cue word inside a target
  ("better off *without* me") negates its own target, because medspaCy 1.3.1's overlap test
  misses a modifier that lies wholly inside the target; that default is reported beside.

The labelled sentences are the conversation sets' own labels (tests/fixtures/conversations,
the audio set's and the text set's dev and held-out halves; the audio set's one-session
``pressure`` split is left out, as in test_note_quality). Each case is one turn:

* a client turn with a ``facts.risks`` label: a ``stated`` kind must be found; a ``denied``
  one must not (nor anything else the turn does not state);
* every other client turn: nothing should be found. Flags there are split into those of a
  kind the session states elsewhere (often the same event told again, "I landed on my
  bottom" after "I slipped") and the rest;
* every clinician question: nothing should be found, a question is not a statement.

Turns that name a family member are reported as their own group as well, since ConText's
family rule treats any relative in the sentence as the experiencer.

Each system is also timed once per distinct sentence (the hand-written one's cache cleared
first): median and the medspaCy/hand-written ratio. Results go to
results/negation_context.json. medspaCy is not a dependency of the app: the benchmark skips
when it is not installed (``pip install -e '.[negation-bench]'`` on Python 3.12+; on 3.11
it is installed by hand, as that extra's note in pyproject.toml says).
"""

from __future__ import annotations

import hashlib
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.conftest import write_results
from tests.conversation_set import ConversationSession, load_sessions, load_text_sessions
from therapy_notes.engine.composer import risk_cues
from therapy_notes.engine.composer import risks as risks_module
from therapy_notes.engine.composer.risks import find_risks
from therapy_notes.engine.composer.text import split_sentences

pytestmark = [
    pytest.mark.benchmark,
    # medspaCy's empty token and phrase matchers (all targets here are regexes) say so on
    # every document; medspaCy silences this itself, pytest's "error" filter would not.
    pytest.mark.filterwarnings(r"ignore:\[W036\]:UserWarning"),
]
SPLITS = ("dev", "heldout")
_FAMILY = re.compile(
    r"\b(mom|mum|mother|dad|father|parents?|brother|sister|siblings?|son|daughter|"
    r"daughter-in-law|husband|wife|spouse|uncle|aunt|grand\w+|cousin|nephew|niece|family|"
    r"kids?|children|girls)\b",
    re.IGNORECASE,
)
"""Grouping only (which turns name a relative), never a rule of either system."""


@dataclass(frozen=True)
class Case:
    """One turn and what should be found in it."""

    split: str
    source: str
    session: str
    turn: int
    speaker: str
    group: str
    """"risk" (a labelled client turn), "unlabelled" (another client turn) or "question"."""
    text: str
    stated: frozenset[str]
    denied: frozenset[str]
    session_stated: frozenset[str]
    family: bool


def _cases(source: str, sessions: Iterable[ConversationSession]) -> list[Case]:
    out: list[Case] = []
    for s in sessions:
        if s.split not in SPLITS:
            continue
        session_stated = frozenset(r.kind for r in s.risks if r.status == "stated")
        for index, turn in enumerate(s.turns):
            labels = [r for r in s.risks if r.turn == index]
            if turn.speaker == "client":
                group = "risk" if labels else "unlabelled"
            elif turn.kind == "question":
                group = "question"
            else:
                continue
            out.append(
                Case(
                    split=s.split,
                    source=source,
                    session=s.id,
                    turn=index,
                    speaker=turn.speaker,
                    group=group,
                    text=turn.text,
                    stated=frozenset(r.kind for r in labels if r.status == "stated"),
                    denied=frozenset(r.kind for r in labels if r.status == "denied"),
                    session_stated=session_stated,
                    family=turn.speaker == "client" and bool(_FAMILY.search(turn.text)),
                )
            )
    return out


def all_cases() -> list[Case]:
    return _cases("audio", load_sessions()) + _cases("text", load_text_sessions())


# --------------------------------------------------------------------------- the systems


def hand_written(text: str, speaker: str) -> frozenset[str]:
    found: set[str] = set()
    for sentence in split_sentences(text):
        found.update(k.value for k in find_risks(sentence, first_person=speaker == "client"))
    return frozenset(found)


@dataclass(frozen=True)
class Target:
    """A risk target medspaCy found, with ConText's verdicts."""

    kind: str
    text: str
    negated: bool
    hypothetical: bool
    historical: bool
    family: bool
    uncertain: bool


def _straight(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


class MedspacyRisks:
    """medspaCy on a blank English pipeline, with the composer's risk cues as targets."""

    def __init__(self, *, prune_on_target_overlap: bool) -> None:
        medspacy = pytest.importorskip(
            "medspacy",
            reason="medspaCy is not installed: pip install -e '.[negation-bench]' on Python 3.12+, "
            "by hand on 3.11 (see the negation-bench extra in pyproject.toml)",
        )
        target_matcher = pytest.importorskip("medspacy.target_matcher")
        loguru = pytest.importorskip("loguru")
        loguru.logger.disable("PyRuSH")  # it logs every token at DEBUG otherwise
        self.nlp: Any = medspacy.load(
            medspacy_disable=["medspacy_context"],
        )
        self.nlp.add_pipe(
            "medspacy_context",
            config={"prune_on_target_overlap": prune_on_target_overlap},
        )
        self.nlp.get_pipe("medspacy_target_matcher").add(
            [
                target_matcher.TargetRule(kind.value, kind.value, pattern=pattern.pattern)
                for kind, pattern in risk_cues.RISK_CUES.items()
            ]
        )
        self.version = str(medspacy.__version__)

    def targets(self, text: str) -> list[Target]:
        doc = self.nlp(_straight(text))
        out = []
        for ent in doc.ents:
            if ent.label_ == "abuse_or_neglect" and risks_module._NOT_ABUSE.search(
                doc.text[max(0, ent.start_char - 12) : ent.end_char].lower()
            ):
                continue
            out.append(
                Target(
                    kind=ent.label_,
                    text=ent.text,
                    negated=bool(ent._.is_negated),
                    hypothetical=bool(ent._.is_hypothetical),
                    historical=bool(ent._.is_historical),
                    family=bool(ent._.is_family),
                    uncertain=bool(ent._.is_uncertain),
                )
            )
        return out


def stated(targets: Sequence[Target], *, drop_historical: bool = False) -> frozenset[str]:
    return frozenset(
        t.kind
        for t in targets
        if not (t.negated or t.hypothetical or t.family or (drop_historical and t.historical))
    )


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Outcome:
    case: Case
    found: frozenset[str]

    @property
    def missed(self) -> frozenset[str]:
        return self.case.stated - self.found

    @property
    def false_flags(self) -> frozenset[str]:
        return self.found - self.case.stated

    @property
    def wrong(self) -> bool:
        return bool(self.missed or self.false_flags)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    risk = [o for o in outcomes if o.case.group == "risk"]
    stated_total = sum(len(o.case.stated) for o in risk)
    stated_found = sum(len(o.case.stated & o.found) for o in risk)
    denials = [o for o in risk if o.case.denied]
    unlabelled = [o for o in outcomes if o.case.group == "unlabelled"]
    flagged = [o for o in unlabelled if o.found]
    questions = [o for o in outcomes if o.case.group == "question"]
    family = [o for o in outcomes if o.case.family]
    family_stated = sum(len(o.case.stated) for o in family)
    return {
        "stated_found": stated_found,
        "stated_total": stated_total,
        "stated_recall": _ratio(stated_found, stated_total),
        "extra_kinds_on_stated_turns": sum(len(o.false_flags) for o in risk if o.case.stated),
        "denial_turns": len(denials),
        "false_flags_on_denials": sum(bool(o.found - o.case.stated) for o in denials),
        "unlabelled_client_turns": len(unlabelled),
        "false_flags_on_unlabelled": len(flagged),
        "of_which_a_kind_the_session_states": sum(
            o.found <= o.case.session_stated for o in flagged
        ),
        "clinician_questions": len(questions),
        "false_flags_on_questions": sum(bool(o.found) for o in questions),
        "family_turns": len(family),
        "family_stated_found": sum(len(o.case.stated & o.found) for o in family),
        "family_stated_total": family_stated,
        "family_false_flags": sum(bool(o.false_flags) for o in family),
        "turns_wrong": sum(o.wrong for o in outcomes),
        "turns": len(outcomes),
    }


def context_use(targets: Sequence[tuple[Case, Target]]) -> dict[str, Any]:
    """How often each ConText verdict fired on the risk cues found: what the set exercises."""
    return {
        "cues_found": len(targets),
        "turns_with_a_cue": len({(c.source, c.session, c.turn) for c, _ in targets}),
        "denial_turns_with_a_cue": len(
            {(c.source, c.session, c.turn) for c, _ in targets if c.denied}
        ),
        **{
            f"cues_{verdict}": sum(getattr(t, verdict) for _, t in targets)
            for verdict in ("negated", "hypothetical", "historical", "family", "uncertain")
        },
    }


def errors(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "split": o.case.split,
            "where": f"{o.case.source}/{o.case.session}#{o.case.turn}",
            "group": o.case.group,
            "text": o.case.text,
            "expected": sorted(o.case.stated),
            "denied": sorted(o.case.denied),
            "found": sorted(o.found),
        }
        for o in outcomes
        if o.wrong
    ]


def _median_ms(values: Sequence[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def time_per_sentence(
    sentences: Sequence[tuple[str, str]], run: Callable[[str, str], object]
) -> list[float]:
    timings = []
    for sentence, speaker in sentences:
        started = time.perf_counter()
        run(sentence, speaker)
        timings.append(time.perf_counter() - started)
    return timings


def _risks_source() -> dict[str, Any]:
    """Which risks.py was measured: its hash, and whether it has edits not yet committed."""
    path = Path(risks_module.__file__)
    data = path.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD:therapy_notes/engine/composer/risks.py"],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = ""
    return {"git_blob": blob, "same_as_head": blob == head if head else None}


def _table(figures: dict[str, dict[str, dict[str, Any]]]) -> str:
    columns: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("stated found", lambda f: f"{f['stated_found']}/{f['stated_total']}"),
        ("denial flags", lambda f: f"{f['false_flags_on_denials']}/{f['denial_turns']}"),
        (
            "unlabelled flags (same kind)",
            lambda f: (
                f"{f['false_flags_on_unlabelled']}/{f['unlabelled_client_turns']} "
                f"({f['of_which_a_kind_the_session_states']})"
            ),
        ),
        ("question flags", lambda f: f"{f['false_flags_on_questions']}/{f['clinician_questions']}"),
        (
            "family: found, flags",
            lambda f: (
                f"{f['family_stated_found']}/{f['family_stated_total']}, "
                f"{f['family_false_flags']}/{f['family_turns']}"
            ),
        ),
        ("turns wrong", lambda f: f"{f['turns_wrong']}/{f['turns']}"),
    ]
    header = ["split", "system", *(name for name, _ in columns)]
    rows = [
        [split, system, *(cell(f) for _, cell in columns)]
        for split, systems in figures.items()
        for system, f in systems.items()
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]
    )


def test_negation_context_against_hand_written() -> None:
    started = time.perf_counter()
    pruned = MedspacyRisks(prune_on_target_overlap=True)
    load_s = time.perf_counter() - started
    unpruned = MedspacyRisks(prune_on_target_overlap=False)
    cases = all_cases()

    outcomes: dict[str, list[Outcome]] = {
        "hand_written": [],
        "medspacy": [],
        "medspacy_drop_historical": [],
        "medspacy_default_overlap": [],
    }
    targets_seen: list[tuple[Case, Target]] = []
    for case in cases:
        found = pruned.targets(case.text)
        targets_seen += [(case, t) for t in found]
        outcomes["hand_written"].append(Outcome(case, hand_written(case.text, case.speaker)))
        outcomes["medspacy"].append(Outcome(case, stated(found)))
        outcomes["medspacy_drop_historical"].append(
            Outcome(case, stated(found, drop_historical=True))
        )
        outcomes["medspacy_default_overlap"].append(
            Outcome(case, stated(unpruned.targets(case.text)))
        )

    figures = {
        split: {
            system: summary([o for o in rows if o.case.split == split])
            for system, rows in outcomes.items()
        }
        for split in SPLITS
    }
    context = {
        split: context_use([(c, t) for c, t in targets_seen if c.split == split])
        for split in SPLITS
    }

    sentences = list(
        dict.fromkeys((s, case.speaker) for case in cases for s in split_sentences(case.text))
    )
    risks_module._risks_in.cache_clear()
    hand_s = time_per_sentence(sentences, hand_written)
    spacy_s = time_per_sentence(sentences, lambda text, _speaker: stated(pruned.targets(text)))
    timing = {
        "sentences": len(sentences),
        "runs": 1,
        "hand_written_median_ms": _median_ms(hand_s),
        "medspacy_median_ms": _median_ms(spacy_s),
        "ratio_medspacy_to_hand_written": round(
            statistics.median(spacy_s) / statistics.median(hand_s), 1
        ),
        "hand_written_total_ms": round(sum(hand_s) * 1000, 1),
        "medspacy_total_ms": round(sum(spacy_s) * 1000, 1),
        "medspacy_import_and_load_s": round(load_s, 2),
    }

    table = _table(figures)
    write_results(
        "negation_context",
        {
            "systems": {
                "hand_written": "split_sentences + find_risks(first_person=client)",
                "medspacy": (
                    "PyRuSH + TargetMatcher(_RISK_CUES) + ConText default rules, "
                    "prune_on_target_overlap=True; stated = not negated, hypothetical or family"
                ),
                "medspacy_drop_historical": "as medspacy, and historical targets dropped",
                "medspacy_default_overlap": "as medspacy, ConText's prune_on_target_overlap=False",
            },
            "medspacy_version": pruned.version,
            "medspacy_pipeline": list(pruned.nlp.pipe_names),
            "risks_py": _risks_source(),
            "figures": figures,
            "context_verdicts_on_cues": context,
            "timing_per_sentence": timing,
            "errors": {system: errors(rows) for system, rows in outcomes.items()},
            "medspacy_targets": [
                {"split": c.split, "where": f"{c.source}/{c.session}#{c.turn}", **vars(t)}
                for c, t in targets_seen
            ],
            "table": table.splitlines(),
            "load": "other work on the machine at the time is not controlled; see machine",
        },
    )
    print(table)
    for split, use in context.items():
        print(f"ConText on the {use['cues_found']} cues found ({split}): {use}")
    print(
        f"per sentence: hand-written {timing['hand_written_median_ms']} ms, medspaCy "
        f"{timing['medspacy_median_ms']} ms (x{timing['ratio_medspacy_to_hand_written']})"
    )
    for system in ("hand_written", "medspacy"):
        print(f"\n{system} wrong on:")
        for e in errors(outcomes[system]):
            print(
                f"  [{e['split']}] {e['where']} ({e['group']}) expected {e['expected']} "
                f"found {e['found']}: {e['text']}"
            )
    assert figures["heldout"]["hand_written"]["turns"] > 0
