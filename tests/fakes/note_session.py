"""A recording session's note updates on the real local engine, with text standing in for speech.

The engine is the real server on 127.0.0.1 (protocol, conversation, composer, usage
accounting); only its turn tracker is the fake of `tests/engine/conftest.py`, where audio
bytes carry their own transcript and last as long as the turn is meant to. The real link
connects to it, and `TappedLink` records, in order, what the recording service asked the
link to do: so a test can check when note updates were asked for and what they cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.engine.conftest import BYTES_PER_MS, silence
from tests.fakes.memory_uow import MemoryStore
from therapy_notes.domain.events import (
    LinkEvent,
    ResponseCompleted,
    ToolResult,
    TranscriptCompleted,
)
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.realtime.connection import RealtimeConnection
from therapy_notes.services.ports import RealtimeLink, SpeakerDiarizer, UnitOfWork
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.services.recording_events import (
    Notice,
    RecordingEvent,
    SegmentSaved,
)

SILENCE_AFTER_TURN_MS = 600
"""Longer than the 500 ms VAD silence, so each turn ends on its own."""


def spoken(text: str, ms: int) -> bytes:
    """`ms` of fake speech whose transcript is `text`.

    The text is padded with spaces, not zero bytes: to the fake tracker a zero byte is
    silence, and the engine may hand an append to it in slices, so zero padding would end
    the turn early and bill it as shorter than it was spoken.
    """
    raw = text.encode()
    return raw + b" " * max(ms * BYTES_PER_MS - len(raw), 0)


@dataclass(frozen=True, slots=True)
class Call:
    """One thing the service did through the link, in order."""

    kind: str
    """"turn" (a text turn handed over), "create" (a note update asked for), "done"."""
    text: str = ""
    predicted_input_tokens: int = 0
    """For "create": what the link predicted the response's input would be."""
    usage: TokenUsage = field(default_factory=TokenUsage)
    status: str = ""
    at_ms: int = 0
    """Session audio time when it happened."""
    max_output_tokens: int = 0
    """For "create": the output allowance asked for."""


class TappedLink:
    """The real link, recording the service's calls and the responses that came back.

    With `keep_audio_items` the turns are not handed over as text: the model reads (and is
    billed for) each turn's audio item, and tool calls cite that item.
    """

    def __init__(self, inner: RealtimeConnection, *, keep_audio_items: bool = False) -> None:
        self.inner = inner
        self.calls: list[Call] = []
        self._keep_audio_items = keep_audio_items
        self.transcripts_handled = 0
        """Turns (transcripts with text) the service has finished handling."""
        self.responses_handled = 0
        """Responses the service has finished handling (tool calls run, any update after)."""

    @property
    def creates(self) -> list[Call]:
        return [c for c in self.calls if c.kind == "create"]

    @property
    def responses(self) -> list[Call]:
        return [c for c in self.calls if c.kind == "done"]

    async def start(self) -> None:
        await self.inner.start()

    async def send_audio(self, pcm16: bytes) -> None:
        await self.inner.send_audio(pcm16)

    def events(self) -> AsyncIterator[LinkEvent]:
        return self._tap()

    async def _tap(self) -> AsyncIterator[LinkEvent]:
        async for event in self.inner.events():
            if isinstance(event, ResponseCompleted):
                at_ms = self.inner.session_audio_ms
                self.calls.append(Call("done", usage=event.usage, status=event.status, at_ms=at_ms))
            yield event
            # The consumer asks for the next event only once it has handled this one.
            if isinstance(event, TranscriptCompleted) and event.text:
                self.transcripts_handled += 1
            elif isinstance(event, ResponseCompleted):
                self.responses_handled += 1

    async def request_response(self, *, max_output_tokens: int | None = None) -> None:
        predicted = self.inner.predicted_input_tokens()
        at_ms = self.inner.session_audio_ms
        self.calls.append(
            Call(
                "create",
                predicted_input_tokens=predicted,
                at_ms=at_ms,
                max_output_tokens=max_output_tokens or 0,
            )
        )
        await self.inner.request_response(max_output_tokens=max_output_tokens)

    def predicted_input_tokens(self) -> int:
        return self.inner.predicted_input_tokens()

    async def submit_tool_outputs(self, results: Sequence[ToolResult]) -> None:
        await self.inner.submit_tool_outputs(results)

    async def add_text_turn(self, replaces_item_id: str, text: str) -> str:
        self.calls.append(Call("turn", text))
        if self._keep_audio_items and replaces_item_id:
            return replaces_item_id
        return await self.inner.add_text_turn(replaces_item_id, text)

    async def flush(self, *, timeout_s: float = 120.0) -> None:
        await self.inner.flush(timeout_s=timeout_s)

    async def wait_until_idle(self, *, timeout_s: float = 120.0) -> bool:
        return await self.inner.wait_until_idle(timeout_s=timeout_s)

    @property
    def is_busy(self) -> bool:
        return self.inner.is_busy

    async def close(self) -> None:
        await self.inner.close()


def tapped_link_factory(
    url: str, token: str, made: list[TappedLink], *, keep_audio_items: bool = False
) -> Callable[[LinkSettings], RealtimeLink]:
    """A `LinkFactory` whose links go to the engine at `url` and are kept in `made`."""

    def make(settings: LinkSettings) -> RealtimeLink:
        link = RealtimeConnection(settings, base_url=url, api_key=token)
        made.append(TappedLink(link, keep_audio_items=keep_audio_items))
        return made[-1]

    return make


class SpokenTurns:
    """Each turn as one chunk of "speech" (its text, lasting `ms`) then silence.

    After each turn the source waits for `between()` (for example until the turn is saved
    and no note update is in flight), so the order of what follows is the turns' order.
    """

    def __init__(
        self,
        turns: Sequence[tuple[str, int]],
        between: Callable[[int], Awaitable[None]],
    ) -> None:
        self._turns = turns
        self._between = between
        self._stopped = False
        self.audio_ms = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        for index, (text, ms) in enumerate(self._turns):
            if self._stopped:
                return
            yield spoken(text, ms)
            for _ in range(SILENCE_AFTER_TURN_MS // 100):
                yield silence(100)
            self.audio_ms += ms + SILENCE_AFTER_TURN_MS
            await self._between(index)

    def stop(self) -> None:
        self._stopped = True


class NoteSession:
    """A recording service on the engine at `url`, fed turn by turn.

    Each turn is sent once the one before it is handled (saved, handed over, and any note
    update it made due asked for); with `wait_for_updates`, also once no update is in
    flight, so the order of turns and updates is fixed. Without it, turns go on during
    updates, as in a live session. `after_turn(index)` then runs before the next turn is
    sent (a swap of the roles, say), so what it does lands at a fixed point of the session.

    Storage is in memory unless `uow_factory` (a real database's) is given.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        keep_audio_items: bool = False,
        wait_for_updates: bool = True,
        uow_factory: Callable[[], UnitOfWork] | None = None,
        diarizer: SpeakerDiarizer | None = None,
        after_turn: Callable[[int], Awaitable[None]] | None = None,
        **settings: Any,
    ) -> None:
        self.store = MemoryStore()
        self.links: list[TappedLink] = []
        self.events: list[RecordingEvent] = []
        self.service = RecordingService(
            uow_factory=uow_factory or self.store.uow,
            link_factory=tapped_link_factory(
                url, token, self.links, keep_audio_items=keep_audio_items
            ),
            settings=RecordingSettings(**settings),
            diarizer=diarizer,
        )
        self.service.add_listener(self._heard)
        self._wait_for_updates = wait_for_updates
        self._after_turn = after_turn
        self.source: SpokenTurns | None = None

    def _heard(self, event: RecordingEvent) -> None:
        self.events.append(event)

    @property
    def link(self) -> TappedLink:
        (link,) = self.links
        return link

    def segments(self) -> int:
        return sum(isinstance(e, SegmentSaved) for e in self.events)

    def notices(self) -> list[str]:
        return [e.message for e in self.events if isinstance(e, Notice)]

    async def _handled(self, index: int) -> None:
        link = self.link
        while True:
            idle = not self._wait_for_updates or len(link.creates) == link.responses_handled
            if link.transcripts_handled > index and idle:
                break
            await asyncio.sleep(0.005)
        if self._after_turn is not None:
            await self._after_turn(index)

    async def run(self, turns: Sequence[tuple[str, int]], *, timeout_s: float = 60.0) -> int:
        """Record `turns` ((text, ms) each) from start to stop; returns the session id."""
        self.source = SpokenTurns(turns, self._handled)
        session_id = await self.service.start(self.source, template="soap")
        await asyncio.wait_for(self.service.wait_for_audio_end(), timeout_s)
        await asyncio.wait_for(self.service.stop(drain_timeout_s=30), timeout_s)
        return session_id
