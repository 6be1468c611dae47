"""Token flatness: input tokens per `response.create` early and late in a long session.

About an hour of audio (the fixtures in turn, with their own silences) goes through the
recording service with the real local engine and real storage. Each sentence is sent as
fast as the socket takes it, and the next one as soon as the engine has at most one
sentence left to finish, so the engine is never flooded and session audio time stays a
fair clock. Every `response.done` is tapped on its way to the service with the session
audio time it came at. The link prunes items the note already reflects, so input per
response should stay flat however long the session runs:
goal mean(minute 60) / mean(minute 5) <= 1.5.

`BENCH_TOKEN_MINUTES` shortens the session for a trial run (the late window then sits at
its end).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest

from tests.benchmarks.conftest import API_KEY, percentile, read_pcm16, write_results
from tests.speech import FIXTURES, SAMPLE_RATE_HZ
from therapy_notes.domain.events import (
    LinkEvent,
    ResponseCompleted,
    SpeechStarted,
    ToolResult,
    TranscriptCompleted,
    TranscriptFailed,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.turns import EngineModels
from therapy_notes.realtime.connection import RealtimeConnection
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.storage.database import open_database

SESSION_MIN = float(os.environ.get("BENCH_TOKEN_MINUTES", "60"))
EARLY_MIN = min(5.0, SESSION_MIN / 4)
WINDOW_MIN = 1.0
"""Responses within this many minutes either side of a mark count as "around" it."""
GOAL_RATIO = 1.5
CHUNK_BYTES = SAMPLE_RATE_HZ * 2 // 10
SENTENCE_WAIT_S = 20.0
IN_FLIGHT = 2
"""Sentences whose finals may be outstanding: the next decode overlaps the last one's
storage writes and note update, as it would in a live session."""


class TappedLink:
    """The real link, with its events recorded on their way to the service."""

    def __init__(self, inner: RealtimeConnection) -> None:
        self._inner = inner
        self.responses: list[tuple[float, TokenUsage, str]] = []
        """(session audio minutes, usage, status) of each finished response."""
        self.started = 0
        self.finished = 0
        self.changed = asyncio.Event()

    async def start(self) -> None:
        await self._inner.start()

    async def send_audio(self, pcm16: bytes) -> None:
        await self._inner.send_audio(pcm16)

    async def add_text_turn(self, replaces_item_id: str, text: str) -> str:
        return await self._inner.add_text_turn(replaces_item_id, text)

    def events(self) -> AsyncIterator[LinkEvent]:
        return self._tap()

    async def _tap(self) -> AsyncIterator[LinkEvent]:
        async for event in self._inner.events():
            if isinstance(event, ResponseCompleted):
                minute = self._inner.session_audio_ms / 60_000
                self.responses.append((minute, event.usage, event.status))
            elif isinstance(event, SpeechStarted):
                self.started += 1
            elif isinstance(event, TranscriptCompleted | TranscriptFailed):
                self.finished += 1
                self.changed.set()
            yield event

    async def request_response(self, *, max_output_tokens: int | None = None) -> None:
        await self._inner.request_response(max_output_tokens=max_output_tokens)

    async def submit_tool_outputs(self, results: Sequence[ToolResult]) -> None:
        await self._inner.submit_tool_outputs(results)

    def predicted_input_tokens(self) -> int:
        return self._inner.predicted_input_tokens()

    async def flush(self, *, timeout_s: float = 30.0) -> None:
        await self._inner.flush(timeout_s=timeout_s)

    @property
    def is_busy(self) -> bool:
        return self._inner.is_busy

    async def close(self) -> None:
        await self._inner.close()


class PacedFixtures:
    """The fixtures in turn until `minutes` of audio, each sent once the engine has caught up."""

    def __init__(self, minutes: float, link: Callable[[], TappedLink | None]) -> None:
        self._bytes_left = int(minutes * 60 * SAMPLE_RATE_HZ * 2)
        self._link = link
        self._clips = [read_pcm16(f.path) for f in FIXTURES]
        self._stopped = False
        self.sentences = 0
        self.waits_timed_out = 0

    def stop(self) -> None:
        self._stopped = True

    async def chunks(self) -> AsyncIterator[bytes]:
        index = 0
        while self._bytes_left > 0 and not self._stopped:
            link = self._link()
            assert link is not None
            clip = self._clips[index % len(self._clips)]  # whole: its silence ends the turn
            index += 1
            started_before = link.started
            for start in range(0, len(clip), CHUNK_BYTES):
                yield clip[start : start + CHUNK_BYTES]
            self._bytes_left -= len(clip)
            self.sentences += 1
            await self._until_done(link, started_before)

    async def _until_done(self, link: TappedLink, started_before: int) -> None:
        deadline = time.perf_counter() + SENTENCE_WAIT_S
        while not (
            link.started > started_before and link.finished >= link.started - (IN_FLIGHT - 1)
        ):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                self.waits_timed_out += 1
                return
            link.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(link.changed.wait(), min(remaining, 0.05))


def _around(responses: list[tuple[float, TokenUsage, str]], minute: float) -> list[int]:
    return [u.input_tokens for at, u, _ in responses if abs(at - minute) <= WINDOW_MIN]


@pytest.mark.benchmark
@pytest.mark.timeout(1500)
async def test_input_tokens_stay_flat(models: EngineModels, tmp_path: Path) -> None:
    database = open_database(tmp_path / "bench.db", DatabaseKey.generate())  # as the app: encrypted
    links: list[TappedLink] = []
    try:
        async with BackgroundEngine(models, token=API_KEY) as engine:

            def link_factory(settings: LinkSettings) -> TappedLink:
                links.append(
                    TappedLink(RealtimeConnection(settings, base_url=engine.url, api_key=API_KEY))
                )
                return links[-1]

            service = RecordingService(
                uow_factory=database.uow_factory,
                link_factory=link_factory,
                settings=RecordingSettings(
                    entry_source=EntrySource.LOCAL_COMPOSER, token_cap=1_000_000_000
                ),
            )
            source = PacedFixtures(SESSION_MIN, lambda: links[-1] if links else None)
            started = time.perf_counter()
            await service.start(source)
            await service.wait_for_audio_end()
            await service.stop(drain_timeout_s=60)
            wall_s = time.perf_counter() - started
            session_id = service.session_id
            assert session_id is not None
            with database.uow_factory() as uow:
                saved_segments = len(uow.segments.for_session(session_id))
    finally:
        database.close()

    (link,) = links
    responses = link.responses
    late_min = SESSION_MIN - WINDOW_MIN
    early, late = _around(responses, EARLY_MIN), _around(responses, late_min)
    early_mean = statistics.fmean(early) if early else None
    late_mean = statistics.fmean(late) if late else None
    ratio = late_mean / early_mean if early_mean and late_mean is not None else None
    inputs = [u.input_tokens for _, u, _ in responses]
    write_results(
        "tokens",
        {
            "session_audio_min": SESSION_MIN,
            "wall_s": round(wall_s, 1),
            "sentences_sent": source.sentences,
            "sentence_waits_timed_out": source.waits_timed_out,
            "segments_saved": saved_segments,
            "responses": len(responses),
            "responses_not_completed": sum(status != "completed" for _, _, status in responses),
            "early": {
                "minute": EARLY_MIN,
                "window_min": WINDOW_MIN,
                "responses": len(early),
                "mean_input_tokens": None if early_mean is None else round(early_mean, 1),
            },
            "late": {
                "minute": late_min,
                "window_min": WINDOW_MIN,
                "responses": len(late),
                "mean_input_tokens": None if late_mean is None else round(late_mean, 1),
            },
            "ratio_late_to_early": None if ratio is None else round(ratio, 3),
            "goal": {"ratio_at_most": GOAL_RATIO, "met": ratio is not None and ratio <= GOAL_RATIO},
            "input_tokens_all": {
                "min": min(inputs, default=None),
                "max": max(inputs, default=None),
                "p50": percentile(inputs, 50),
                "p95": percentile(inputs, 95),
            },
            "input_tokens_by_minute": {
                str(m): round(statistics.fmean(v), 1)
                for m in range(int(SESSION_MIN) + 1)
                if (v := [u.input_tokens for at, u, _ in responses if int(at) == m])
            },
        },
    )
    assert early, "no responses around the early mark"
    assert late, "no responses around the late mark"
