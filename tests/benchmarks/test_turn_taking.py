"""Turn taking on speech made for this benchmark: finals first, semantic_vad, first words.

The speech is generated here (espeak-ng + sox, voices and rates cycling) from the sentences
below, none of which the engine was tuned on, and streamed in real time as one session,
sentences 1.2 s apart. Some sentences hold a hesitation: their two parts are spoken
separately and joined by a pause of 300-450 ms, shorter than server_vad's 500 ms, so a turn
detector that ends a turn there splits the sentence in two; in half of them the part before
the pause is an unfinished phrase, in the rest it could stand alone.

Per condition (server_vad at 500 ms idle and with one core kept busy, semantic_vad at
eagerness auto idle and busy):
- **speech end -> final** (p50/p95/max): the final of the turn holding the sentence's end,
  received, minus the send time of the chunk holding that end;
- **speech start -> first partial** (p50/p95): the first confirmed words; and the first
  text shown at all, tentative words included;
- **split** sentences (heard as more than one turn) and **merged** ones (sharing a turn);
- **WER** of the run;
- **final decodes run per sentence** and **wasted** ones (run and thrown away because speech
  resumed), and partial decodes run.

From the VAD alone, on the same speech: the quiet runs the engine sees inside sentences
(VAD below its release level until speech resumes), and for each delay how many of them would
start a speculative final per sentence: the evidence for when the speculative final starts.

Machine load (`os.getloadavg`) is recorded beside every condition; ratios are within one run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import websockets

from tests.benchmarks.conftest import API_KEY, counted, ms, percentile, write_results
from tests.speech import SAMPLE_RATE_HZ, word_error_rate
from therapy_notes.domain import audio_format
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.turns import EngineModels
from therapy_notes.engine.vad import WINDOW_SAMPLES, StreamingVad
from therapy_notes.pcm import MODEL_RATE_HZ, StreamResampler

SENTENCES: list[tuple[str, int, str]] = [
    ("Range of motion in the left elbow has improved to full extension.", 0, ""),
    ("She walked two hundred feet with a rolling walker and standby assistance.", 0, ""),
    ("The client described a week of poor sleep, low energy, and frequent worry.", 0, ""),
    ("The patient reports tingling in the", 400, "fingertips of the right hand."),
    ("Swallowing was safe with soft solids and small sips of water.", 0, ""),
    ("Grip strength on the left is", 350, "eighteen kilograms."),
    ("He completed three sets of ten squats without increased knee pain.", 0, ""),
    ("Pain is worse in the morning", 400, "and eases after a warm shower."),
    ("We practiced deep breathing, and she rated her anxiety at four.", 0, ""),
    ("She wants to return to", 450, "gardening by the spring."),
    ("Handwriting remains slow but is legible on lined paper.", 0, ""),
    ("Speech was clear and well paced", 350, "for most of the session."),
    ("Balance improved, with the single leg stance now lasting eight seconds.", 0, ""),
    ("We will increase the resistance band to", 300, "the green level next week."),
    ("His mother reports fewer outbursts at school this month.", 0, ""),
    ("Ice and elevation were recommended after each session.", 0, ""),
]
"""(first part, pause ms, second part): a pause of 0 is a sentence spoken in one go."""
VOICES = ["en-us", "en-gb", "en-us+f3", "en+m3", "en-us+f2", "en-gb+f4", "en-us+m2"]
RATES_WPM = [150, 140, 160, 135, 155, 145]
LEAD_S, GAP_S, TAIL_S = 0.8, 1.2, 1.5
CHUNK_MS = 100
SERVER_VAD = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
              "silence_duration_ms": 500}  # fmt: skip
SEMANTIC_VAD = {"type": "semantic_vad", "eagerness": "auto"}
SPECULATION_DELAYS_MS = [32, 64, 96, 128, 150, 192, 256, 320]
GOALS_P95_MS = {"server_vad idle": 650, "server_vad busy core": 1000, "semantic_vad idle": 450}


@dataclass(frozen=True)
class Spoken:
    text: str
    start_s: float
    end_s: float
    pause: tuple[float, float] | None
    """Session seconds of the hesitation inside the sentence, if it has one."""


def _say(text: str, voice: str, rate: int, work: Path) -> np.ndarray:
    raw, trimmed = work / "raw.wav", work / "trimmed.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", "-D", str(raw), "-r", str(SAMPLE_RATE_HZ), "-c", "1", "-b", "16", str(trimmed),
         "silence", "1", "0.02", "0.1%", "reverse", "silence", "1", "0.02", "0.1%", "reverse"],
        check=True,
    )  # fmt: skip
    with wave.open(str(trimmed), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").copy()


def generate_session(work: Path) -> tuple[bytes, list[Spoken]]:
    """The whole session as PCM16 24 kHz, and where each sentence (and pause) lies."""
    pieces: list[np.ndarray] = [np.zeros(int(LEAD_S * SAMPLE_RATE_HZ), dtype="<i2")]
    spoken: list[Spoken] = []
    position = LEAD_S
    for index, (first, pause_ms, second) in enumerate(SENTENCES):
        voice, rate = VOICES[index % len(VOICES)], RATES_WPM[index % len(RATES_WPM)]
        start = position
        audio = _say(first, voice, rate, work)
        pieces.append(audio)
        position += audio.shape[0] / SAMPLE_RATE_HZ
        pause = None
        if pause_ms:
            pause = (position, position + pause_ms / 1000)
            pieces.append(np.zeros(pause_ms * SAMPLE_RATE_HZ // 1000, dtype="<i2"))
            rest = _say(second, voice, rate, work)
            pieces.append(rest)
            position += pause_ms / 1000 + rest.shape[0] / SAMPLE_RATE_HZ
        text = f"{first} {second}".strip()
        spoken.append(Spoken(text, start, position, pause))
        gap = GAP_S if index < len(SENTENCES) - 1 else TAIL_S
        pieces.append(np.zeros(int(gap * SAMPLE_RATE_HZ), dtype="<i2"))
        position += gap
    return np.concatenate(pieces).astype("<i2").tobytes(), spoken


# --------------------------------------------------------------------------- VAD alone


def inner_quiet_runs(models: EngineModels, pcm: bytes, spoken: list[Spoken]) -> list[float]:
    """Quiet runs (ms) inside sentences as the tracker sees them: from the VAD falling below
    threshold - 0.15 until it rises to the threshold again, before the sentence's end."""
    resampler = StreamResampler(audio_format.SAMPLE_RATE_HZ, MODEL_RATE_HZ)
    audio = np.concatenate([resampler.push_pcm16(pcm), resampler.flush()])
    probs = StreamingVad(models.vad).push(audio)
    window_s = WINDOW_SAMPLES / MODEL_RATE_HZ
    runs: list[float] = []
    for sentence in spoken:
        quiet_from: int | None = None
        first = int(sentence.start_s / window_s)
        last = int(sentence.end_s / window_s)
        for index in range(first, min(last, probs.shape[0])):
            p = float(probs[index])
            if p >= 0.5 and quiet_from is not None:
                runs.append((index - quiet_from) * window_s * 1000)
                quiet_from = None
            elif p < 0.35 and quiet_from is None and index > first:
                quiet_from = index
    return runs


# --------------------------------------------------------------------------- one session


@dataclass
class Run:
    sent: list[tuple[float, float]] = field(default_factory=list)
    """(session seconds at the end of the chunk, time sent)."""
    turns: dict[str, dict[str, Any]] = field(default_factory=dict)

    def sent_at(self, session_s: float) -> float:
        for end_s, at in self.sent:
            if end_s >= session_s:
                return at
        return self.sent[-1][1]


async def stream(url: str, pcm: bytes, turn_detection: dict[str, Any]) -> Run:
    """One real-time session over a raw socket; returns when every turn has its final."""
    run = Run()
    async with websockets.connect(
        f"{url}/realtime?model=gpt-realtime-2",
        additional_headers={"Authorization": f"Bearer {API_KEY}"},
        max_size=None,
    ) as ws:
        session = {
            "type": "realtime",
            "output_modalities": ["text"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ},
                    "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                    "turn_detection": {
                        **turn_detection,
                        "create_response": False,
                        "interrupt_response": False,
                    },
                }
            },
        }
        await ws.send(json.dumps({"type": "session.update", "session": session}))

        async def receive() -> None:
            async for message in ws:
                event = json.loads(message)
                kind, now = event.get("type"), time.perf_counter()
                item = event.get("item_id")
                if kind == "input_audio_buffer.speech_started":
                    run.turns[item] = {
                        "start_ms": event["audio_start_ms"],
                        "deltas": [],
                        "shown": [],
                    }
                elif kind == "input_audio_buffer.speech_stopped" and item in run.turns:
                    run.turns[item]["end_ms"] = event["audio_end_ms"]
                elif kind == "conversation.item.input_audio_transcription.delta":
                    if item in run.turns and event.get("delta"):
                        run.turns[item]["deltas"].append(now)
                    if item in run.turns and (event.get("delta") or event.get("tentative")):
                        run.turns[item]["shown"].append(now)
                elif (
                    kind == "conversation.item.input_audio_transcription.completed"
                    and item in run.turns
                ):
                    run.turns[item].update(final_at=now, text=event.get("transcript", ""))

        receiver = asyncio.create_task(receive())
        step = CHUNK_MS * SAMPLE_RATE_HZ // 1000 * 2
        started = time.perf_counter()
        for index, offset in enumerate(range(0, len(pcm), step)):
            due = started + index * CHUNK_MS / 1000
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            chunk = pcm[offset : offset + step]
            await ws.send(
                json.dumps(
                    {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
                )
            )
            run.sent.append(((offset + len(chunk)) / 2 / SAMPLE_RATE_HZ, time.perf_counter()))
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and any(  # noqa: ASYNC110 - polls a dict
            "final_at" not in t for t in run.turns.values()
        ):
            await asyncio.sleep(0.05)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiver
    return run


def score(run: Run, spoken: list[Spoken]) -> dict[str, Any]:
    """Per-sentence latency, splits and merges, and the run's WER."""
    turns = [t for t in run.turns.values() if t.get("text") and "end_ms" in t]
    owners: list[list[dict[str, Any]]] = [[] for _ in spoken]
    for turn in turns:
        start_s, end_s = turn["start_ms"] / 1000, turn["end_ms"] / 1000
        overlaps = [min(end_s, s.end_s) - max(start_s, s.start_s) for s in spoken]
        for index, overlap in enumerate(overlaps):
            if overlap > 0.05:
                owners[index].append(turn)
    finals, partials, shown, split, merged = [], [], [], [], 0
    for sentence, mine in zip(spoken, owners, strict=True):
        if not mine:
            continue
        split.append(len(mine) > 1)
        last = max(mine, key=lambda t: t["end_ms"])
        merged += sum(1 for other in owners if last in other) > 1
        finals.append(last["final_at"] - run.sent_at(sentence.end_s))
        first = min(mine, key=lambda t: t["start_ms"])
        if first["deltas"]:
            partials.append(first["deltas"][0] - run.sent_at(sentence.start_s))
        if first["shown"]:
            shown.append(first["shown"][0] - run.sent_at(sentence.start_s))
    hypothesis = " ".join(t["text"] for t in sorted(turns, key=lambda t: t["start_ms"]))
    return {
        "sentences_with_final": len(finals),
        "turns": len(turns),
        "speech_end_to_final_ms": {
            "p50": ms(percentile(finals, 50)),
            "p95": ms(percentile(finals, 95)),
            "max": ms(max(finals, default=None)),
        },
        "speech_start_to_first_partial_ms": {
            "p50": ms(percentile(partials, 50)),
            "p95": ms(percentile(partials, 95)),
            "sentences_with_partials": len(partials),
        },
        "speech_start_to_first_text_shown_ms": {
            "p50": ms(percentile(shown, 50)),
            "p95": ms(percentile(shown, 95)),
            "note": "confirmed or tentative words, whichever came first",
        },
        "split_sentences": sum(split),
        "merged_sentences": merged,
        "wer": round(word_error_rate([" ".join(s.text for s in spoken)], [hypothesis]), 4),
    }


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """One process spinning on one core for the duration."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        spinner.kill()
        spinner.wait()


def _decodes(counter: Any, recognizer: Any) -> dict[str, int]:
    """Decodes actually run: the recogniser's own count where it keeps one, else calls."""
    ran = getattr(recognizer, "decodes_run", None)
    if ran is not None:
        return {"final": ran["final"], "partial": ran["partial"]}
    return {"final": counter.final_decodes, "partial": counter.partial_decodes}


@pytest.mark.benchmark
@pytest.mark.timeout(1_800)
async def test_turn_taking(models: EngineModels, tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("needs espeak-ng and sox to generate the speech")
    pcm, spoken = generate_session(tmp_path)
    runs = inner_quiet_runs(models, pcm, spoken)
    plain_runs = inner_quiet_runs(models, pcm, [s for s in spoken if s.pause is None])
    sentences = len(spoken)
    speculation = {
        str(delay): {
            "speculative_finals_per_sentence": round(sum(r >= delay for r in runs) / sentences, 3),
            "in_sentences_without_hesitation": round(
                sum(r >= delay for r in plain_runs) / sum(s.pause is None for s in spoken), 3
            ),
        }
        for delay in SPECULATION_DELAYS_MS
    }
    conditions: dict[str, Any] = {}
    plan = [
        ("server_vad idle", SERVER_VAD, False),
        ("server_vad busy core", SERVER_VAD, True),
        ("semantic_vad idle", SEMANTIC_VAD, False),
        ("semantic_vad busy core", SEMANTIC_VAD, True),
    ]
    engine_models, counter = counted(models)
    async with BackgroundEngine(engine_models, token=API_KEY) as engine:
        for name, turn_detection, is_busy in plan:
            before = _decodes(counter, models.recognizer)
            load_before = os.getloadavg()[0]
            with busy_core() if is_busy else contextlib.nullcontext():
                run = await stream(engine.url, pcm, turn_detection)
            after = _decodes(counter, models.recognizer)
            figures = score(run, spoken)
            finals_run = after["final"] - before["final"]
            figures.update(
                load_avg_1min={
                    "before": round(load_before, 2),
                    "after": round(os.getloadavg()[0], 2),
                },
                final_decodes_run=finals_run,
                final_decodes_per_sentence=round(finals_run / sentences, 3),
                wasted_final_decodes_per_sentence=round(
                    (finals_run - figures["turns"]) / sentences, 3
                ),
                partial_decodes_run=after["partial"] - before["partial"],
            )
            goal = GOALS_P95_MS.get(name)
            if goal is not None:
                p95 = figures["speech_end_to_final_ms"]["p95"]
                figures["goal"] = {"p95_ms_at_most": goal, "met": p95 is not None and p95 <= goal}
            conditions[name] = figures
    write_results(
        "turn_taking",
        {
            "sentences": sentences,
            "sentences_with_hesitation": sum(s.pause is not None for s in spoken),
            "audio_s": round(len(pcm) / 2 / SAMPLE_RATE_HZ, 2),
            "inner_quiet_runs_ms": {
                "count": len(runs),
                "p50": round(percentile(runs, 50) or 0, 1),
                "p90": round(percentile(runs, 90) or 0, 1),
                "max": round(max(runs, default=0), 1),
                "in_sentences_without_hesitation": sorted(round(r) for r in plain_runs),
            },
            "speculation_delay_ms": speculation,
            "conditions": conditions,
        },
    )
    assert all(c["sentences_with_final"] for c in conditions.values())
