"""Two-person sessions through the whole offline path: who said what, and a written note.

The full labelled set (both halves, with figures) runs as a benchmark
(tests/benchmarks/test_note_quality.py); here the risk-under-pressure file and one session
from each half keep the default run honest at a bounded cost.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conversation_run import Outcome, run_conversation
from therapy_notes.domain.session import SpeakerRole
from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turns import EngineModels
from therapy_notes.speakers.encoder import SpeakerEncoder

SET = Path(__file__).parent / "fixtures" / "conversations"


def _session(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((SET / "sessions" / f"{name}.json").read_text())
    return data


def _true_turns(name: str) -> list[dict[str, object]]:
    turns: list[dict[str, object]] = json.loads((SET / "audio" / f"{name}.turns.json").read_text())[
        "turns"
    ]
    return turns


def _speaker_accuracy(name: str, outcome: Outcome) -> float:
    """Share of segments whose role is the true speaker of the audio they overlap most."""
    truth = _true_turns(name)
    hits = 0
    for seg in outcome.segments:
        overlap = {str(t["speaker"]): 0 for t in truth}
        for t in truth:
            start, end = int(str(t["start_ms"])), int(str(t["end_ms"]))
            overlap[str(t["speaker"])] += max(0, min(end, seg.end_ms) - max(start, seg.start_ms))
        hits += seg.speaker.value == max(overlap, key=lambda k: overlap[k])
    return hits / max(1, len(outcome.segments))


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


@pytest.fixture
async def engine(engine_models: EngineModels) -> AsyncIterator[LocalEngine]:
    async with LocalEngine(engine_models) as served:
        yield served


async def test_a_risk_in_the_last_turn_is_flagged_with_a_tiny_output_limit(
    engine: LocalEngine, encoder: SpeakerEncoder, tmp_path: Path
) -> None:
    """The file ends on the client's risk statement; responses may write 20 tokens each."""
    outcome = await run_conversation(
        engine,
        encoder,
        SET / "audio" / "risk_last_turn.wav",
        tmp_path,
        template=str(_session("risk_last_turn")["template"]),
        max_output_tokens=20,
    )
    assert "self_harm" in outcome.risks
    # Responses cut at 20 tokens are followed up in order: nothing is written twice.
    assert len(outcome.entries) == len(set(outcome.entries))
    assert outcome.risks.count("self_harm") == 1
    last = outcome.segments[-1]
    assert any(
        last.text.split()[-1].strip(".,").lower() in e.lower() for e in outcome.risk_evidence
    )


@pytest.mark.parametrize("name", ["pt_knee_replacement", "psych_anxiety_exposure"])
async def test_a_session_is_labelled_and_written_as_a_note(
    engine: LocalEngine, encoder: SpeakerEncoder, tmp_path: Path, name: str
) -> None:
    session = _session(name)
    outcome = await run_conversation(
        engine, encoder, SET / "audio" / f"{name}.wav", tmp_path, template=str(session["template"])
    )
    roles = {s.speaker for s in outcome.segments}
    assert {SpeakerRole.CLINICIAN, SpeakerRole.CLIENT} <= roles
    assert _speaker_accuracy(name, outcome) >= 0.7
    assert outcome.entries
    assert len(outcome.entries) == len(set(outcome.entries))
    assert not [text for _, text in outcome.entries if text.rstrip().endswith("?")]
    stated = {
        str(r["kind"])
        for r in session["facts"]["risks"]  # type: ignore[index]
        if r["status"] == "stated"
    }  # type: ignore[index]
    assert stated <= set(outcome.risks)


async def test_swapping_the_roles_mid_session_rewrites_the_note_from_the_new_roles(
    engine: LocalEngine, encoder: SpeakerEncoder, tmp_path: Path
) -> None:
    """One click swaps who is who; what was written from the old roles is written again."""
    wav = SET / "audio" / "pt_knee_replacement.wav"
    template = str(_session("pt_knee_replacement")["template"])
    plain = await run_conversation(engine, encoder, wav, tmp_path / "plain", template=template)
    # Swapped once the note holds its first entries, written from the first roles.
    swapped = await run_conversation(
        engine, encoder, wav, tmp_path / "swapped", template=template, swap_after_entries=(3,)
    )
    flip = {SpeakerRole.CLINICIAN: SpeakerRole.CLIENT, SpeakerRole.CLIENT: SpeakerRole.CLINICIAN}
    assert [flip.get(s.speaker, s.speaker) for s in plain.segments] == [
        s.speaker for s in swapped.segments
    ]
    # The client's answer to the clinician's early pain question is a fact only with the
    # first roles; with the roles swapped the question is the client's and is no entry.
    # The clinician's opening remark is an observation of the client with the first roles;
    # as the client's words it is a report, so the entry written from it is replaced.
    observed = ("objective", "Client is walking in with just the cane today.")
    assert observed in plain.entries
    assert observed not in swapped.entries
    assert len(swapped.entries) == len(set(swapped.entries))
    assert sorted(swapped.risks) == sorted(plain.risks)  # a flag stands, once
    assert len(swapped.measurements) == len(set(map(str, swapped.measurements)))
    assert "fall_risk" in plain.risks
