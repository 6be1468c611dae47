"""RecordingService over the real link and a real-protocol server, with in-memory storage."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import pytest

from tests.fakes.audio import FakeAudioSource, QueueAudioSource, silence, word
from tests.fakes.memory_uow import MemoryStore
from tests.fakes.realtime_server import FakeRealtimeServer, UserTurn
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.notes import RiskKind
from therapy_notes.domain.session import RecordingState, SessionStatus
from therapy_notes.errors import AuthError, MicrophoneMissingError, NotFoundError
from therapy_notes.realtime.connection import RealtimeConnection
from therapy_notes.services.ports import RealtimeLink
from therapy_notes.services.recording import (
    CAP_REACHED_MESSAGE,
    RecordingService,
    RecordingSettings,
)
from therapy_notes.services.recording_events import (
    Notice,
    RecordingEvent,
    SegmentSaved,
    SessionDiscarded,
    StateChanged,
)

SILENCE_MS = 200


def quick_delays() -> Iterator[float]:
    return itertools.repeat(0.05)


def link_factory(
    server: FakeRealtimeServer,
) -> Callable[[LinkSettings], RealtimeLink]:
    def make(settings: LinkSettings) -> RealtimeLink:
        return RealtimeConnection(
            settings, base_url=server.base_url, api_key="test-key", delays=quick_delays
        )

    return make


def utterance(value: int) -> bytes:
    return word(value, ms=200) + silence(SILENCE_MS + 100)


def note_calls(turns: Sequence[UserTurn]) -> list[tuple[str, dict[str, Any]]]:
    """One entry per turn; a measurement for w3 and a risk for w4."""
    calls: list[tuple[str, dict[str, Any]]] = []
    spoken = [t for t in turns if t.transcript]
    if spoken:
        calls.append(
            (
                "add_note_entries",
                {
                    "entries": [
                        {
                            "section": "subjective",
                            "text": f"Said {t.transcript}.",
                            "source_item_ids": [t.item_id],
                        }
                        for t in spoken
                    ]
                },
            )
        )
    for turn in spoken:
        if turn.transcript == "w3":
            calls.append(
                (
                    "record_measurement",
                    {"kind": "pain_score", "value": 6, "source_item_ids": [turn.item_id]},
                )
            )
        if turn.transcript == "w4":
            calls.append(
                (
                    "flag_risk",
                    {
                        "kind": "fall_risk",
                        "evidence": "Nearly fell.",
                        "source_item_ids": [turn.item_id],
                    },
                )
            )
    return calls


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    fake = FakeRealtimeServer(responder=note_calls)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


class Listener:
    def __init__(self) -> None:
        self.events: list[RecordingEvent] = []

    def __call__(self, event: RecordingEvent) -> None:
        self.events.append(event)

    def states(self) -> list[RecordingState]:
        return [e.state for e in self.events if isinstance(e, StateChanged)]

    def notices(self) -> list[Notice]:
        return [e for e in self.events if isinstance(e, Notice)]

    def segments(self) -> int:
        return sum(isinstance(e, SegmentSaved) for e in self.events)


def make_service(
    server: FakeRealtimeServer, store: MemoryStore, **settings: Any
) -> tuple[RecordingService, Listener]:
    service = RecordingService(
        uow_factory=store.uow,
        link_factory=link_factory(server),
        settings=RecordingSettings(vad_silence_ms=SILENCE_MS, **settings),
    )
    listener = Listener()
    service.add_listener(listener)
    return service, listener


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_full_session_saves_segments_notes_and_usage(server: FakeRealtimeServer) -> None:
    store = MemoryStore()
    service, listener = make_service(server, store)
    assert service.state is RecordingState.IDLE
    audio = FakeAudioSource(b"".join(utterance(v) for v in range(1, 6)), pace_s=0.003)

    session_id = await service.start(audio, template="soap")
    await service.wait_for_audio_end()
    await service.stop()

    assert listener.states() == [
        RecordingState.CONNECTING,
        RecordingState.RECORDING,
        RecordingState.STOPPING,
        RecordingState.STOPPED,
    ]
    with store.uow() as uow:
        segments = uow.segments.for_session(session_id)
        note = uow.notes.load(session_id)
        record = uow.sessions.get(session_id)
    assert [s.text for s in segments] == ["w1", "w2", "w3", "w4", "w5"]
    assert [s.start_ms for s in segments] == [0, 500, 1000, 1500, 2000]
    assert record.status is SessionStatus.DRAFT
    assert record.ended_at is not None

    by_id = {s.id: s for s in segments}
    said = sorted(e.text for e in note.entries)
    assert said == [f"Said w{v}." for v in range(1, 6)]
    for entry in note.entries:
        assert entry.section == "subjective"
        assert [f"Said {by_id[i].text}." for i in entry.segment_ids] == [entry.text]
    assert [(m.kind, m.value) for m in note.measurements] == [("pain_score", 6.0)]
    assert [by_id[i].text for i in note.measurements[0].segment_ids] == ["w3"]
    assert [r.kind for r in note.risks] == [RiskKind.FALL_RISK]
    assert [by_id[i].text for i in note.risks[0].segment_ids] == ["w4"]

    rows = store.data.usage
    assert sum(r.kind == "transcription" for r in rows) == server.sent.count(
        "conversation.item.input_audio_transcription.completed"
    )
    assert sum(r.usage.input_audio_tokens for r in rows if r.kind == "transcription") == 10
    responses = [r for r in rows if r.kind == "response"]
    assert len(responses) == len(server.responses)
    assert sum(r.usage.input_tokens for r in responses) == sum(
        r["usage"]["input_tokens"] for r in server.responses
    )
    assert all(r.cost_usd > 0 for r in responses)
    assert service.budget().used_tokens == sum(r.usage.total_tokens for r in responses)
    assert service.budget().transcription.input_audio_tokens == 10


async def test_at_the_cap_note_updates_pause_but_transcription_goes_on(
    server: FakeRealtimeServer,
) -> None:
    store = MemoryStore()
    # One note update per turn; the first (its predicted input plus 250 output tokens)
    # fits under the cap, the second would cross it and is never asked for.
    service, listener = make_service(server, store, token_cap=1_500, note_update_turns=1)
    audio = QueueAudioSource()
    session_id = await service.start(audio)

    audio.push(utterance(1))
    await wait_until(lambda: len(server.responses) == 1)
    assert not service.budget().is_exhausted
    for value in range(2, 6):
        audio.push(utterance(value))
    await wait_until(lambda: listener.segments() == 5)
    await wait_until(lambda: service.budget().is_exhausted)
    await asyncio.sleep(0.2)
    assert len(server.events_of("response.create")) == 1, "no note update after the cap"
    assert [n.message for n in listener.notices()] == [CAP_REACHED_MESSAGE]
    assert service.budget().used_tokens <= 1_500

    service.raise_cap(100_000)
    await wait_until(lambda: len(server.events_of("response.create")) >= 2)
    audio.push(utterance(6))
    await wait_until(lambda: listener.segments() == 6)
    await service.stop()

    with store.uow() as uow:
        segments = uow.segments.for_session(session_id)
        audit = uow.audit.for_entity("session", session_id)
        note = uow.notes.load(session_id)
    assert [s.text for s in segments] == [f"w{v}" for v in range(1, 7)]
    assert [(a.action, a.before, a.after) for a in audit] == [
        ("raise_token_cap", '{"cap_tokens": 1500}', '{"cap_tokens": 100000}')
    ]
    assert any("w6" in e.text for e in note.entries), "note updates resumed"
    assert not service.budget().is_exhausted


@pytest.mark.expected_log(
    "therapy_notes.services.recording", "ERROR", match=r"^session \d+ failed: StorageError$"
)
async def test_a_storage_failure_stops_the_session_and_keeps_what_was_saved(
    server: FakeRealtimeServer,
) -> None:
    server.responder = lambda turns: []
    store = MemoryStore(fail_on_write=3, fail_kind="segment")
    service, listener = make_service(server, store)
    audio = FakeAudioSource(b"".join(utterance(v) for v in range(1, 8)), pace_s=0.003)

    session_id = await service.start(audio)
    await wait_until(lambda: service.state is RecordingState.FAILED)
    await asyncio.wait_for(service.stop(), 5)

    assert listener.states()[-1] is RecordingState.FAILED
    failed = [e for e in listener.events if isinstance(e, StateChanged)][-1]
    assert "disk full" in failed.message
    assert service.failure is not None
    assert str(service.failure) == failed.message
    with store.uow() as uow:
        assert [s.text for s in uow.segments.for_session(session_id)] == ["w1", "w2"]
        assert uow.sessions.get(session_id).status is SessionStatus.FAILED
    assert audio.chunks_sent < len(b"".join(utterance(v) for v in range(1, 8))) // 960
    assert server.open_connections == 0


@pytest.mark.expected_log(
    "therapy_notes.services.recording", "ERROR", match=r"^listener failed on \w+$"
)
async def test_a_failing_listener_does_not_stop_recording(server: FakeRealtimeServer) -> None:
    store = MemoryStore()
    service, listener = make_service(server, store)

    def broken(event: RecordingEvent) -> None:
        raise RuntimeError("listener bug")

    service.add_listener(broken)
    session_id = await service.start(FakeAudioSource(utterance(1) + utterance(2)))
    await service.wait_for_audio_end()
    await service.stop()

    assert listener.states()[-1] is RecordingState.STOPPED
    with store.uow() as uow:
        assert [s.text for s in uow.segments.for_session(session_id)] == ["w1", "w2"]


async def test_kept_audio_is_saved_whole_and_in_order() -> None:
    from tests.fakes.audio import FakeAudioSource, silence, word
    from tests.fakes.memory_uow import MemoryStore
    from tests.fakes.realtime_server import FakeRealtimeServer
    from therapy_notes.realtime.links import link_factory as real_link_factory
    from therapy_notes.services.recording import RecordingService, RecordingSettings

    audio = word(3, ms=400) + silence(600) + word(4, ms=400) + silence(900)
    server = FakeRealtimeServer()
    await server.start()
    store = MemoryStore()
    try:
        service = RecordingService(
            uow_factory=store.uow,
            link_factory=real_link_factory(server.base_url, "test", is_cloud=False),
            settings=RecordingSettings(keep_audio=True),
        )
        await service.start(FakeAudioSource(audio), template="soap")
        await service.wait_for_audio_end()
        await service.stop(drain_timeout_s=10)
        assert service.session_id is not None
        with store.uow() as uow:
            kept = uow.audio.read(service.session_id)
            duration = uow.audio.duration_ms(service.session_id)
    finally:
        await server.stop()
    assert kept == audio
    assert duration == len(audio) // 48


class ScriptedDiarizer:
    """Voices by script (no audio model here): the service's side of speaker labels."""

    def __init__(self, clusters: Sequence[int]) -> None:
        self._script = list(clusters)
        self._assigned: list[int | None] = []

    def assign(self, pcm16_24k: bytes) -> int | None:
        cluster = self._script[len(self._assigned)] if pcm16_24k else None
        self._assigned.append(cluster)
        return cluster

    def voices(self, pieces: Sequence[bytes]) -> list[int | None]:
        return [None] * len(pieces)

    def settled(self) -> list[int | None]:
        return list(self._assigned)

    def clinician_cluster(self) -> int | None:
        return None


async def test_turns_reach_the_model_as_labelled_text_once_roles_are_clear(
    server: FakeRealtimeServer,
) -> None:
    """The first turns wait until who is who is clear, then go in order with their roles."""
    store = MemoryStore()
    service = RecordingService(
        uow_factory=store.uow,
        link_factory=link_factory(server),
        settings=RecordingSettings(vad_silence_ms=SILENCE_MS),
        diarizer=ScriptedDiarizer([0, 1] * 5),
    )
    audio = FakeAudioSource(b"".join(utterance(v) for v in range(1, 11)), pace_s=0.003)
    session_id = await service.start(audio, template="soap")
    await service.wait_for_audio_end()
    await service.stop()

    kinds = [e.type for e in server.received]
    texts = [
        e.payload["item"]["content"][0]["text"]
        for e in server.received
        if e.type == "conversation.item.create" and e.payload["item"]["type"] == "message"
    ]
    assert texts == [f"{'Clinician' if v % 2 else 'Client'}: w{v}" for v in range(1, 11)]
    first_text = kinds.index("conversation.item.create")
    assert "response.create" not in kinds[:first_text]
    with store.uow() as uow:
        speakers = [s.speaker.value for s in uow.segments.for_session(session_id)]
    assert speakers == ["clinician", "client"] * 5


class NoMicrophone:
    """A microphone that is not there: the first read fails, as PortAudio's does."""

    def __init__(self) -> None:
        self.stopped = False

    async def chunks(self) -> AsyncIterator[bytes]:
        raise MicrophoneMissingError("Could not find a microphone: no input device.")
        yield b""  # pragma: no cover - makes this an async generator

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.expected_log(
    "therapy_notes.services.recording",
    "ERROR",
    match=r"^session \d+ failed: MicrophoneMissingError$",
)
async def test_a_session_that_never_got_audio_is_not_kept_as_failed(
    server: FakeRealtimeServer,
) -> None:
    store = MemoryStore()
    service, listener = make_service(server, store)
    session_id = await service.start(NoMicrophone())
    await wait_until(lambda: service.state is RecordingState.FAILED)
    await asyncio.wait_for(service.stop(), 5)

    assert isinstance(service.failure, MicrophoneMissingError)
    assert SessionDiscarded(session_id) in listener.events
    with store.uow() as uow, pytest.raises(NotFoundError):
        uow.sessions.get(session_id)


async def test_a_refused_key_at_start_leaves_no_session_and_names_the_cause(
    server: FakeRealtimeServer,
) -> None:
    server.reject_status = 401
    store = MemoryStore()
    service, listener = make_service(server, store)
    with pytest.raises(AuthError):
        await service.start(FakeAudioSource(utterance(1)))

    discarded = [e for e in listener.events if isinstance(e, SessionDiscarded)]
    assert len(discarded) == 1
    with store.uow() as uow:
        assert uow.sessions.with_status(SessionStatus.FAILED) == []
        assert uow.sessions.with_status(SessionStatus.RECORDING) == []


@pytest.mark.expected_log(
    "therapy_notes.services.recording", "ERROR", match=r"^session \d+ failed: StorageError$"
)
async def test_a_session_with_audio_that_fails_later_is_kept(server: FakeRealtimeServer) -> None:
    server.responder = lambda turns: []
    store = MemoryStore(fail_on_write=3, fail_kind="segment")
    service, listener = make_service(server, store)
    audio = FakeAudioSource(b"".join(utterance(v) for v in range(1, 8)), pace_s=0.003)
    session_id = await service.start(audio)
    await wait_until(lambda: service.state is RecordingState.FAILED)
    await asyncio.wait_for(service.stop(), 5)

    assert not [e for e in listener.events if isinstance(e, SessionDiscarded)]
    with store.uow() as uow:
        assert uow.sessions.get(session_id).status is SessionStatus.FAILED
