"""Who said what and what the note says, over the whole labelled conversation set.

Every session goes through the whole offline path (tests/conversation_run.py): real
voices, real recognition, real speaker encoder, the local composer, SQLite. Figures are
reported for the dev half (what rules were looked at against) and the held-out half
(never tuned on) separately, and written to results/note_quality.json.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.conftest import write_results
from tests.conversation_compose import assessment_sections, plan_section, ratio
from tests.conversation_run import Outcome, run_conversation
from tests.conversation_set import (
    ConversationSession,
    audio_path,
    is_verbatim,
    load_sessions,
    score_measurements,
    score_plan,
    score_risks,
    speaker_accuracy,
    transcript_sentences,
    true_turn_times,
)
from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turns import EngineModels
from therapy_notes.speakers.encoder import SpeakerEncoder

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]


def _score(session: ConversationSession, outcome: Outcome) -> dict[str, Any]:
    segments = [(s.start_ms, s.end_ms, s.speaker.value) for s in outcome.segments]
    correct = round(speaker_accuracy(true_turn_times(session), segments) * len(segments))
    m_tp, m_fp, m_fn = score_measurements(session.measurements, outcome.measurements)
    plan = [text for section, text in outcome.entries if section == plan_section(session.template)]
    p_tp, p_fp, p_fn = score_plan(session.plan, plan)
    denials = [t for s, t in outcome.entries if s in assessment_sections(session.template)]
    risks = score_risks(session.risks, outcome.risks, denials)
    sentences = transcript_sentences(session)
    questions = [t.text for t in session.turns if t.kind == "question"]
    return {
        "id": session.id,
        "segments": len(segments),
        "speaker_correct": correct,
        "measurements": (m_tp, m_fp, m_fn),
        "plan": (p_tp, p_fp, p_fn),
        "risks": risks,
        "entries": len(outcome.entries),
        "verbatim": sum(is_verbatim(t, sentences) for _, t in outcome.entries),
        "question_entries": sum(
            t.rstrip().endswith("?") or is_verbatim(t, questions) for _, t in outcome.entries
        ),
    }


def _summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def total(key: str, i: int) -> int:
        return sum(r[key][i] for r in rows)

    facts_tp = total("measurements", 0) + total("plan", 0)
    facts_fp = total("measurements", 1) + total("plan", 1)
    facts_fn = total("measurements", 2) + total("plan", 2)
    risk = {k: sum(r["risks"][k] for r in rows) for k in rows[0]["risks"]} if rows else {}
    facts_tp += risk.get("stated_flagged", 0)
    facts_fp += risk.get("unlabelled_flags", 0) + risk.get("flags_on_denials", 0)
    facts_fn += risk.get("stated_total", 0) - risk.get("stated_flagged", 0)
    entries = sum(r["entries"] for r in rows)
    return {
        "sessions": len(rows),
        "speaker_accuracy": ratio(
            sum(r["speaker_correct"] for r in rows), sum(r["segments"] for r in rows)
        ),
        "measurement_precision": ratio(
            total("measurements", 0), total("measurements", 0) + total("measurements", 1)
        ),
        "measurement_recall": ratio(
            total("measurements", 0), total("measurements", 0) + total("measurements", 2)
        ),
        "plan_precision": ratio(total("plan", 0), total("plan", 0) + total("plan", 1)),
        "plan_recall": ratio(total("plan", 0), total("plan", 0) + total("plan", 2)),
        "fact_precision": ratio(facts_tp, facts_tp + facts_fp),
        "fact_recall": ratio(facts_tp, facts_tp + facts_fn),
        "risks": risk,
        "entries": entries,
        "verbatim_share": ratio(sum(r["verbatim"] for r in rows), entries),
        "question_entries": sum(r["question_entries"] for r in rows),
    }


async def test_note_quality_on_both_halves(engine_models: EngineModels, tmp_path: Path) -> None:
    encoder = SpeakerEncoder()
    rows: dict[str, list[dict[str, Any]]] = {"dev": [], "heldout": []}
    started = time.perf_counter()
    async with LocalEngine(engine_models) as engine:
        for session in load_sessions():
            if session.split not in rows:
                continue
            outcome = await run_conversation(
                engine,
                encoder,
                audio_path(session),
                tmp_path / session.id,
                template=session.template,
            )
            row = _score(session, outcome)
            rows[session.split].append(row)
            print(session.split, row)
    figures = {
        "dev": _summary(rows["dev"]),
        "heldout": _summary(rows["heldout"]),
        "per_session": rows,
        "wall_s": round(time.perf_counter() - started, 1),
        "load": "other work on the machine at the time is not controlled; see machine",
    }
    write_results("note_quality", figures)
    assert rows["dev"]
    assert rows["heldout"]
