"""A recording session's note updates on the real local engine, with text standing in for speech.

The engine is the real server on 127.0.0.1 (protocol, conversation, composer, usage
accounting); only its turn tracker is the fake of `tests/engine/conftest.py`, where audio
bytes carry their own transcript and last as long as the turn is meant to. The real link
connects to it, and `TappedLink` records, in order, what the recording service asked the
link to do: so a test can check when note updates were asked for and what they cost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tests.engine.conftest import silence, speech
from therapy_notes.domain.events import LinkEvent, ResponseCompleted
from therapy_notes.domain.link import LinkSettings, ToolHandler
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.realtime.connection import RealtimeConnection
from therapy_notes.services.ports import RealtimeLink, ResponseGate

SILENCE_AFTER_TURN_MS = 600
"""Longer than the 500 ms VAD silence, so each turn ends on its own."""


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


class TappedLink:
    """The real link, recording the service's calls and the responses that came back.

    With `keep_audio_items` the turns are not handed over as text: the model reads (and is
    billed for) each turn's audio item, and tool calls cite that item.
    """

    def __init__(self, inner: RealtimeConnection, *, keep_audio_items: bool = False) -> None:
        self.inner = inner
        self.calls: list[Call] = []
        self._keep_audio_items = keep_audio_items

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
                self.calls.append(Call("done", usage=event.usage, status=event.status))
            yield event

    async def request_response(self) -> None:
        predicted = self.inner.predicted_input_tokens()
        self.calls.append(Call("create", predicted_input_tokens=predicted))
        await self.inner.request_response()

    def predicted_input_tokens(self) -> int:
        return self.inner.predicted_input_tokens()

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
) -> Callable[[LinkSettings, Mapping[str, ToolHandler], ResponseGate], RealtimeLink]:
    """A `LinkFactory` whose links go to the engine at `url` and are kept in `made`."""

    def make(
        settings: LinkSettings, tools: Mapping[str, ToolHandler], record: ResponseGate
    ) -> RealtimeLink:
        link = RealtimeConnection(settings, tools, record, base_url=url, api_key=token)
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
            yield speech(text, ms)
            for _ in range(SILENCE_AFTER_TURN_MS // 100):
                yield silence(100)
            self.audio_ms += ms + SILENCE_AFTER_TURN_MS
            await self._between(index)

    def stop(self) -> None:
        self._stopped = True
