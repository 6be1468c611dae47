"""The note writer alone on true transcripts: both labelled sets, both halves.

`test_note_quality` measures the whole offline path on the audio set (recognition and
speaker labels included); this measures the composer on the true words and roles of the
audio set's 12 sessions and the text set's 24, so a gap between the two benchmarks is what
recognition and diarization cost, and a gap between the halves is what the rules fit.
Rules were written against the dev halves only; the held-out figures are the ones to quote.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from tests.benchmarks.conftest import write_results
from tests.conversation_compose import (
    assessment_sections,
    compose_session,
    plan_section,
    ratio,
)
from tests.conversation_set import (
    ConversationSession,
    is_verbatim,
    load_sessions,
    load_text_sessions,
    score_measurements,
    score_plan,
    score_risks,
    transcript_sentences,
)

pytestmark = [pytest.mark.benchmark]


def _row(session: ConversationSession) -> dict[str, Any]:
    composed = compose_session(session)
    plan = [t for s, t in composed.entries if s == plan_section(session.template)]
    denials = [t for s, t in composed.entries if s in assessment_sections(session.template)]
    questions = [t.text for t in session.turns if t.kind == "question"]
    sentences = transcript_sentences(session)
    return {
        "id": session.id,
        "measurements": score_measurements(session.measurements, composed.measurements),
        "plan": score_plan(session.plan, plan),
        "risks": score_risks(session.risks, composed.risks, denials),
        "entries": len(composed.entries),
        "verbatim": sum(is_verbatim(t, sentences) for _, t in composed.entries),
        "question_entries": sum(
            t.rstrip().endswith("?") or is_verbatim(t, questions) for _, t in composed.entries
        ),
    }


def _summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def total(key: str, i: int) -> int:
        return sum(r[key][i] for r in rows)

    risk = {k: sum(r["risks"][k] for r in rows) for k in rows[0]["risks"]}
    tp = total("measurements", 0) + total("plan", 0) + risk["stated_flagged"]
    fp = total("measurements", 1) + total("plan", 1)
    fp += risk["unlabelled_flags"] + risk["flags_on_denials"]
    fn = total("measurements", 2) + total("plan", 2)
    fn += risk["stated_total"] - risk["stated_flagged"]
    entries = sum(r["entries"] for r in rows)
    m_tp, m_fp, m_fn = (total("measurements", i) for i in range(3))
    p_tp, p_fp, p_fn = (total("plan", i) for i in range(3))
    return {
        "sessions": len(rows),
        "measurement_precision": ratio(m_tp, m_tp + m_fp),
        "measurement_recall": ratio(m_tp, m_tp + m_fn),
        "plan_precision": ratio(p_tp, p_tp + p_fp),
        "plan_recall": ratio(p_tp, p_tp + p_fn),
        "fact_precision": ratio(tp, tp + fp),
        "fact_recall": ratio(tp, tp + fn),
        "risks": risk,
        "entries": entries,
        "verbatim_share": ratio(sum(r["verbatim"] for r in rows), entries),
        "question_entries": sum(r["question_entries"] for r in rows),
    }


def test_note_writer_on_true_transcripts() -> None:
    started = time.perf_counter()
    sets = {"audio_set": load_sessions(), "text_set": load_text_sessions()}
    figures: dict[str, Any] = {}
    for name, sessions in sets.items():
        for split in ("dev", "heldout"):
            rows = [_row(s) for s in sessions if s.split == split]
            figures[f"{name}_{split}"] = {**_summary(rows), "per_session": rows}
            summary = {k: v for k, v in figures[f"{name}_{split}"].items() if k != "per_session"}
            print(name, split, summary)
    figures["wall_s"] = round(time.perf_counter() - started, 2)
    figures["load"] = "other work on the machine at the time is not controlled; see machine"
    write_results("note_quality_text", figures)
    assert all(figures[f"{n}_{s}"]["sessions"] for n in sets for s in ("dev", "heldout"))
