"""Shared parts of the benchmarks: models, a streamed session with timestamps, results files.

Benchmarks measure the real path (WAV -> realtime link -> local engine) and print and save
their figures; they assert only that they produced figures. Every timestamp is taken with
`time.perf_counter()` on the client side, the way a clinician would experience it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import time
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from tests.speech import SAMPLE_RATE_HZ, word_error_rate
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.domain.events import (
    LinkEvent,
    SpeechStarted,
    TranscriptCompleted,
    TranscriptDelta,
)
from therapy_notes.domain.link import LinkSettings
from therapy_notes.engine.asr import Recognizer
from therapy_notes.engine.turns import EngineModels
from therapy_notes.realtime.connection import RealtimeConnection

RESULTS_DIR = Path(__file__).parent / "results"
API_KEY = "local-benchmark"
VAD_SILENCE_MS = LinkSettings(model="", instructions="", tools=()).vad_silence_ms
_FRAME_S = 0.02
_SPEECH_DB_BELOW_PEAK = 40.0
_MIN_GAP_S = 0.8
"""Pauses shorter than this stay inside one sentence; the fixtures put 1.2 s or more between
sentences, and no sentence has an inner pause this long."""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def models() -> Iterable[EngineModels]:
    """The bundled tiny.en and Silero VAD, loaded once for every benchmark."""
    loaded = EngineModels.load()
    yield loaded
    loaded.close()


# --------------------------------------------------------------------------- results


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Print `figures` and save them with the machine's description as `results/<name>.json`."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "machine": machine_info(), **figures}
    text = json.dumps(document, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"\n=== {name} ===\n{text}\n(saved to {path})")
    return path


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation), or None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def ms(value: float | None) -> float | None:
    """Seconds to milliseconds, rounded for the report."""
    return None if value is None else round(value * 1000, 1)


# --------------------------------------------------------------------------- audio


def read_pcm16(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (
            1,
            2,
            SAMPLE_RATE_HZ,
        ), f"{path.name} is not mono PCM16 at 24 kHz"
        return wav.readframes(wav.getnframes())


def write_pcm16(path: Path, pcm16: bytes) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE_HZ)
        wav.writeframes(pcm16)
    return path


def speech_intervals(pcm16: bytes) -> list[tuple[float, float]]:
    """Where the speech is, in seconds, by frame energy against the recording's peak.

    The fixtures are synthetic speech over digital silence, so energy finds their edges to
    within a frame; nearby stretches are merged so each interval is one sentence.
    """
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float64)
    frame = int(_FRAME_S * SAMPLE_RATE_HZ)
    count = samples.shape[0] // frame
    rms = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1) + 1e-9)
    threshold = rms.max() * 10 ** (-_SPEECH_DB_BELOW_PEAK / 20)
    loud = np.flatnonzero(rms > threshold)
    intervals: list[tuple[float, float]] = []
    for index in loud:
        start, end = index * _FRAME_S, (index + 1) * _FRAME_S
        if intervals and start - intervals[-1][1] < _MIN_GAP_S:
            intervals[-1] = (intervals[-1][0], end)
        else:
            intervals.append((start, end))
    return intervals


# --------------------------------------------------------------------------- one session


class CountingRecognizer:
    """The shared recogniser, counting decodes and partials held back by busy workers.

    `TurnTracker` asks `is_saturated` only once a partial is due, so each True answer is
    one 100 ms chunk during which a due partial waited for a free worker.
    """

    def __init__(self, inner: Recognizer) -> None:
        self._inner = inner
        self.partial_decodes = 0
        self.final_decodes = 0
        self.saturated_checks = 0

    @property
    def is_saturated(self) -> bool:
        busy = self._inner.is_saturated
        self.saturated_checks += busy
        return busy

    async def transcribe(self, audio_16k: np.ndarray, *, partial: bool = False) -> str:
        if partial:
            self.partial_decodes += 1
        else:
            self.final_decodes += 1
        return await self._inner.transcribe(audio_16k, partial=partial)

    def decode(self, audio_16k: np.ndarray, partial: bool = False) -> str:
        return self._inner.decode(audio_16k, partial)

    def close(self) -> None:
        """The inner recogniser belongs to the session-wide models."""


def counted(models: EngineModels) -> tuple[EngineModels, CountingRecognizer]:
    """Models whose recogniser counts its work; the VAD model is shared as is."""
    counter = CountingRecognizer(models.recognizer)
    return EngineModels(cast(Recognizer, counter), models.vad), counter


@dataclass
class SessionRun:
    """What a streamed session sent and received, with client-side timestamps."""

    sent: list[tuple[int, float]] = field(default_factory=list)
    """(session audio ms at the end of the chunk, time the chunk was sent)."""
    received: list[tuple[float, LinkEvent]] = field(default_factory=list)
    first_send_s: float = 0.0

    def sent_at(self, audio_ms: float) -> float:
        """When the chunk holding session time `audio_ms` was sent."""
        for end_ms, at in self.sent:
            if end_ms >= audio_ms:
                return at
        return self.sent[-1][1]

    def completed(self) -> list[tuple[float, TranscriptCompleted]]:
        return [(t, e) for t, e in self.received if isinstance(e, TranscriptCompleted)]


async def open_link(url: str) -> RealtimeConnection:
    link = RealtimeConnection(
        LinkSettings(model="gpt-realtime-2", instructions="", tools=()),
        base_url=url,
        api_key=API_KEY,
    )
    await link.start()
    return link


async def _collect(link: RealtimeConnection, run: SessionRun) -> None:
    async for event in link.events():
        run.received.append((time.perf_counter(), event))


async def _settled(run: SessionRun, timeout_s: float) -> None:
    """Until every turn the engine started has its final (or time is up)."""
    deadline = time.perf_counter() + timeout_s
    quiet_since = time.perf_counter()
    while time.perf_counter() < deadline:
        started = {e.item_id for _, e in run.received if isinstance(e, SpeechStarted)}
        done = {e.item_id for _, e in run.completed()}
        if started <= done and time.perf_counter() - quiet_since > 0.3:
            return
        if not started <= done:
            quiet_since = time.perf_counter()
        await asyncio.sleep(0.02)


async def stream_session(
    url: str, path: Path, *, realtime: bool, speed: float = 1.0, settle_timeout_s: float = 60.0
) -> SessionRun:
    """Stream one WAV file over a fresh link; wait for every final; close.

    No `flush()` at the end: it would commit the trailing silence as one more turn.
    """
    link = await open_link(url)
    run = SessionRun()
    collector = asyncio.create_task(_collect(link, run))
    sent_ms = 0.0
    try:
        run.first_send_s = time.perf_counter()
        async for chunk in WavSource(path, realtime=realtime, speed=speed).chunks():
            await link.send_audio(chunk)
            sent_ms += len(chunk) / 2 / SAMPLE_RATE_HZ * 1000
            run.sent.append((round(sent_ms), time.perf_counter()))
        await _settled(run, settle_timeout_s)
    finally:
        await link.close()
        await collector
    return run


# --------------------------------------------------------------------------- per sentence


@dataclass(frozen=True)
class SentenceResult:
    """One spoken sentence and what the session made of it."""

    reference: str
    speech_start_s: float
    speech_end_s: float
    text: str
    final_latency_s: float | None
    """Final text received minus the send time of the chunk holding the speech end."""
    first_partial_s: float | None
    """First delta received minus the send time of the chunk holding the speech start."""
    turns: int


def per_sentence(
    run: SessionRun, intervals: Sequence[tuple[float, float]], references: Sequence[str]
) -> list[SentenceResult]:
    """Match each final to the sentence its audio overlaps most, then time each sentence."""
    assert len(intervals) == len(references), (len(intervals), len(references))
    owner: dict[str, int] = {}
    finals: dict[int, list[tuple[float, TranscriptCompleted]]] = {}
    for at, event in run.completed():
        overlaps = [
            min(end * 1000, event.end_ms) - max(start * 1000, event.start_ms)
            for start, end in intervals
        ]
        best = int(np.argmax(overlaps))
        if overlaps[best] > 0 and event.text:
            owner[event.item_id] = best
            finals.setdefault(best, []).append((at, event))
    first_delta: dict[int, float] = {}
    for at, received in run.received:
        if isinstance(received, TranscriptDelta) and received.item_id in owner:
            first_delta.setdefault(owner[received.item_id], at)
    results = []
    for index, ((start, end), reference) in enumerate(zip(intervals, references, strict=True)):
        mine = finals.get(index, [])
        final_at = max((at for at, _ in mine), default=None)
        delta_at = first_delta.get(index)
        results.append(
            SentenceResult(
                reference=reference,
                speech_start_s=start,
                speech_end_s=end,
                text=" ".join(e.text for _, e in sorted(mine, key=lambda p: p[1].start_ms)),
                final_latency_s=None if final_at is None else final_at - run.sent_at(end * 1000),
                first_partial_s=None if delta_at is None else delta_at - run.sent_at(start * 1000),
                turns=len(mine),
            )
        )
    return results


def run_wer(run: SessionRun, references: Sequence[str]) -> float:
    """Word error rate of everything the session transcribed against everything spoken."""
    hypothesis = " ".join(e.text for _, e in run.completed() if e.text)
    return word_error_rate([" ".join(references)], [hypothesis])
