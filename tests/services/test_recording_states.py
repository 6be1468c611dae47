"""Whatever the network does, every word said while not paused is saved exactly once.

A Hypothesis state machine speaks words, drops connections, restarts the server (with
words said while it is down), and pauses and resumes; after `stop()` the saved segments
must hold exactly the unpaused words, in order.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.fakes.audio import QueueAudioSource, silence, word
from tests.fakes.memory_uow import MemoryStore
from tests.fakes.realtime_server import FakeRealtimeServer
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.session import RecordingState, SessionStatus
from therapy_notes.realtime.connection import RealtimeConnection
from therapy_notes.services.ports import RealtimeLink
from therapy_notes.services.recording import RecordingService, RecordingSettings

T = TypeVar("T")
SILENCE_MS = 200


def quick_delays() -> Iterator[float]:
    return itertools.repeat(0.03)


def utterance(value: int) -> bytes:
    return word(value, ms=100) + silence(SILENCE_MS + 50)


class RecordingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.server = FakeRealtimeServer()
        self.run(self.server.start())
        self.store = MemoryStore()
        self.audio = QueueAudioSource()
        self.service = RecordingService(
            uow_factory=self.store.uow,
            link_factory=self.make_link,
            settings=RecordingSettings(vad_silence_ms=SILENCE_MS),
        )
        self.session_id = self.run(self.service.start(self.audio))
        self.spoken: list[str] = []
        self.values = itertools.count(1)

    def make_link(self, link_settings: LinkSettings) -> RealtimeLink:
        return RealtimeConnection(
            link_settings,
            base_url=self.server.base_url,
            api_key="test-key",
            delays=quick_delays,
        )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def say(self, words: int) -> None:
        for _ in range(words):
            value = next(self.values)
            self.audio.push(utterance(value))
            if not self.service.is_paused:
                self.spoken.append(f"w{value}")
        self.run(self.audio.drained())

    def saved_words(self) -> list[str]:
        with self.store.uow() as uow:
            return [w for s in uow.segments.for_session(self.session_id) for w in s.text.split()]

    @rule(words=st.integers(1, 3))
    def speak(self, words: int) -> None:
        self.say(words)

    @rule()
    def drop_connections(self) -> None:
        self.run(self.server.drop_all())

    @rule(words=st.integers(0, 2))
    def restart_server(self, words: int) -> None:
        self.run(self.server.stop())
        self.say(words)
        self.run(asyncio.sleep(0.05))
        self.run(self.server.start())

    @rule()
    def pause(self) -> None:
        self.service.pause()

    @rule()
    def resume(self) -> None:
        self.service.resume()

    @invariant()
    def saved_words_are_a_prefix_of_the_spoken_ones(self) -> None:
        saved = self.saved_words()
        assert saved == self.spoken[: len(saved)]

    def teardown(self) -> None:
        try:
            self.say(1)
            self.run(self.service.stop(drain_timeout_s=10))
            assert self.service.state is RecordingState.STOPPED
            assert self.saved_words() == self.spoken
            with self.store.uow() as uow:
                assert uow.sessions.get(self.session_id).status is SessionStatus.DRAFT
        finally:
            self.run(self.server.stop())
            self.run(self.loop.shutdown_asyncgens())
            self.run(self.loop.shutdown_default_executor())
            self.loop.close()


RecordingMachine.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRecordingUnderNetworkFaults = RecordingMachine.TestCase
