"""Engine test fixtures: a real server on 127.0.0.1 with a fake turn tracker, and SDK helpers.

`FakeTurnTracker` keeps the tracker's contract without speech models: appended bytes are
UTF-8 text padded with zero bytes to the wanted duration, so a test says what was "spoken"
and for how long. In VAD mode a chunk with any non-zero byte is speech and a run of zero
bytes as long as the silence setting ends the turn, like a real VAD on real audio.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pydantic
import pytest
from openai import AsyncOpenAI
from openai.resources.realtime.realtime import AsyncRealtimeConnection
from openai.types.realtime import RealtimeServerEvent

from therapy_notes.engine.client_session import TurnTrackerLike
from therapy_notes.engine.server import LocalEngine
from therapy_notes.engine.turn_detection import VadSettings
from therapy_notes.engine.turn_events import (
    CommitTooShortError,
    TurnCommitted,
    TurnEvent,
    TurnFailed,
    TurnFinal,
    TurnPartial,
    TurnStarted,
    TurnStopped,
)

BYTES_PER_MS = 48  # PCM16 mono at 24 kHz
FAIL_MARKER = "<unintelligible>"


def speech(text: str, ms: int) -> bytes:
    """`ms` of fake audio whose transcript is `text`."""
    raw = text.encode()
    size = max(ms * BYTES_PER_MS, len(raw))
    return raw + b"\0" * (size - len(raw))


def silence(ms: int) -> bytes:
    return b"\0" * (ms * BYTES_PER_MS)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FakeTurnTracker:
    """The `TurnTracker` surface with text for audio; finals can be held back."""

    def __init__(self, new_item_id: Callable[[], str]) -> None:
        self._new_item_id = new_item_id
        self._queue: asyncio.Queue[TurnEvent] = asyncio.Queue()
        self._vad: VadSettings | None = None
        self._buffer = bytearray()
        self._buffer_start_ms = 0.0
        self._position_ms = 0.0
        self._turn_id: str | None = None
        self._silence_ms = 0.0
        self.hold_finals = False
        self._held: list[TurnEvent] = []
        self.is_closed = False
        self.appended_bytes = 0

    @property
    def buffered_ms(self) -> float:
        return len(self._buffer) / BYTES_PER_MS

    def set_turn_detection(self, settings: VadSettings | None) -> None:
        self._vad = settings

    def append(self, pcm16_24k: bytes) -> None:
        self.appended_bytes += len(pcm16_24k)
        chunk_ms = len(pcm16_24k) / BYTES_PER_MS
        if not self._buffer:
            self._buffer_start_ms = self._position_ms
        self._buffer += pcm16_24k
        self._position_ms += chunk_ms
        if self._vad is None:
            return
        if any(pcm16_24k):
            self._silence_ms = 0.0
            if self._turn_id is None:
                self._turn_id = self._new_item_id()
                start = max(0, int(self._position_ms - chunk_ms - self._vad.prefix_padding_ms))
                self._queue.put_nowait(TurnStarted(self._turn_id, start))
            text = _text(pcm16_24k)
            if text:
                self._queue.put_nowait(TurnPartial(self._turn_id, text + " "))
        elif self._turn_id is not None:
            self._silence_ms += chunk_ms
            if self._silence_ms >= self._vad.silence_duration_ms:
                item_id, self._turn_id = self._turn_id, None
                self._queue.put_nowait(TurnStopped(item_id, int(self._position_ms)))
                self._finish(item_id)
        else:
            self._buffer.clear()

    def commit(self) -> TurnCommitted:
        buffered_ms = len(self._buffer) / BYTES_PER_MS
        if buffered_ms < 100:
            raise CommitTooShortError(buffered_ms)
        item_id = self._turn_id or self._new_item_id()
        self._turn_id = None
        return self._finish(item_id)

    def _finish(self, item_id: str) -> TurnCommitted:
        committed = TurnCommitted(item_id, int(self._buffer_start_ms), int(self._position_ms))
        text = _text(bytes(self._buffer))
        seconds = len(self._buffer) / BYTES_PER_MS / 1000
        self._buffer.clear()
        self._queue.put_nowait(committed)
        final: TurnEvent = (
            TurnFailed(item_id, "could not recognise speech")
            if FAIL_MARKER in text
            else TurnFinal(item_id, text, seconds)
        )
        if self.hold_finals:
            self._held.append(final)
        else:
            self._queue.put_nowait(final)
        return committed

    def release_finals(self) -> None:
        self.hold_finals = False
        for event in self._held:
            self._queue.put_nowait(event)
        self._held.clear()

    def clear(self) -> None:
        self._buffer.clear()
        self._turn_id = None
        self._silence_ms = 0.0

    async def events(self) -> AsyncIterator[TurnEvent]:
        while True:
            yield await self._queue.get()

    async def aclose(self) -> None:
        self.is_closed = True


def _text(data: bytes) -> str:
    return data.replace(b"\0", b"").decode("utf-8", "replace").strip()


class FakeTrackers:
    """A tracker factory that remembers every tracker it made, one per connection."""

    def __init__(self) -> None:
        self.made: list[FakeTurnTracker] = []

    def __call__(self, new_item_id: Callable[[], str]) -> TurnTrackerLike:
        tracker = FakeTurnTracker(new_item_id)
        self.made.append(tracker)
        return tracker


@pytest.fixture
def trackers() -> FakeTrackers:
    return FakeTrackers()


@pytest.fixture
async def engine(trackers: FakeTrackers) -> AsyncIterator[LocalEngine]:
    async with LocalEngine(tracker_factory=trackers) as running:
        yield running


@pytest.fixture
def client(engine: LocalEngine) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=engine.token, websocket_base_url=engine.url)


# --------------------------------------------------------------------------- SDK helpers

_SERVER_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeServerEvent)


async def recv_checked(conn: AsyncRealtimeConnection, timeout_s: float = 5.0) -> Any:
    """The next server event, parsed by the SDK and also validated strictly by its types.

    The SDK's own parser never fails (it builds models without validation), so each event
    is also validated against the SDK's pydantic types and must land on the same class.
    """
    raw = await asyncio.wait_for(conn.recv_bytes(), timeout_s)
    event = conn.parse_event(raw)
    strict = _SERVER_EVENT.validate_json(raw)
    assert type(event) is type(strict), (type(event).__name__, type(strict).__name__)
    assert type(event).__module__.startswith("openai.types.realtime")
    assert event.type == json.loads(raw)["type"]
    return event


async def recv_until(
    conn: AsyncRealtimeConnection, event_type: str, timeout_s: float = 5.0
) -> list[Any]:
    """Events up to and including the first of `event_type`."""
    seen: list[Any] = []
    while True:
        event = await recv_checked(conn, timeout_s)
        seen.append(event)
        if event.type == event_type:
            return seen
