"""The composer probe set: short labelled exchanges, loaded and scored one item at a time.

Each item is a tiny session in the conversation sets' schema, so it is loaded and checked by
the same code (`tests.conversation_set`) and composed the way a session is
(`tests.conversation_compose`). Scores add up over items per split.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conversation_compose import assessment_sections, compose_session, ratio
from tests.conversation_set import (
    TEXT_SPLITS,
    ConversationSession,
    _session_from_dict,
    score_measurements,
    score_risks,
)

_FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROBE_DIR = _FIXTURES / "composer_probe"
# Two later sets, each written by an author who had not read the rules: risk statements and
# their look-alikes, and measurements as clinicians say them while measuring.
RISK_PROBE_DIR = _FIXTURES / "risk_probe"
MEASURE_PROBE_DIR = _FIXTURES / "measure_probe"
# A third, from another author who had not read the rules either: risk in many voices.
RISK_VOICES_DIR = _FIXTURES / "risk_voices"
PROBE_SETS = {
    "probe": PROBE_DIR,
    "risk_probe": RISK_PROBE_DIR,
    "measure_probe": MEASURE_PROBE_DIR,
    "risk_voices": RISK_VOICES_DIR,
}


@dataclass(frozen=True, slots=True)
class ProbeItem:
    """One labelled exchange and the category it probes."""

    category: str
    session: ConversationSession


def load_probe(split: str, folder: Path = PROBE_DIR) -> list[ProbeItem]:
    """The items of one half (``dev`` or ``heldout``) of a probe set, in file order."""
    if split not in TEXT_SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {TEXT_SPLITS}")
    rows: list[dict[str, Any]] = json.loads((folder / f"{split}.json").read_text("utf-8"))
    return [ProbeItem(str(r["category"]), _session_from_dict(r)) for r in rows]


def score_item(item: ProbeItem) -> dict[str, Any]:
    """Measurement counts and risk counts of one item as the composer writes it."""
    s = item.session
    composed = compose_session(s)
    denials = [t for sec, t in composed.entries if sec in assessment_sections(s.template)]
    return {
        "id": s.id,
        "category": item.category,
        "measurements": score_measurements(s.measurements, composed.measurements),
        "risks": score_risks(s.risks, composed.risks, denials),
        "recorded": composed.measurements,
        "flagged": composed.risks,
    }


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Precision and recall of measurements, and the risk counts, over the rows."""
    tp, fp, fn = (sum(r["measurements"][i] for r in rows) for i in range(3))
    risk = {k: sum(r["risks"][k] for r in rows) for k in rows[0]["risks"]} if rows else {}
    return {
        "items": len(rows),
        "measurement_precision": ratio(tp, tp + fp),
        "measurement_recall": ratio(tp, tp + fn),
        "measurements_tp_fp_fn": (tp, fp, fn),
        "risks": risk,
    }
