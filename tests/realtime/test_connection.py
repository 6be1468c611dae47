"""The realtime link against a real-protocol server: no speech lost, none duplicated."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest

from tests.fakes.audio import chunked, silence, word
from tests.fakes.realtime_server import FakeRealtimeServer, UserTurn
from therapy_notes.domain.events import (
    LinkDraining,
    LinkEvent,
    LinkFlushed,
    LinkState,
    LinkStateChanged,
    ResponseCompleted,
    ServerError,
    ToolResult,
    TranscriptCompleted,
    TranscriptDelta,
)
from therapy_notes.domain.link import LinkSettings, ToolHandler
from therapy_notes.errors import AuthError, EngineUnavailableError
from therapy_notes.realtime.connection import RealtimeConnection
from therapy_notes.services.tool_runner import ToolRunner

SILENCE_MS = 200
SETTINGS = LinkSettings("gpt-realtime-2", "Write the note.", (), vad_silence_ms=SILENCE_MS)


def quick_delays() -> Iterator[float]:
    return itertools.repeat(0.05)


class Recorder:
    """Collects a link's events in the background, and answers tool calls as a service would.

    A response's calls are run (concurrently, errors as outputs) and their outputs
    submitted before the response is recorded, so a recorded response has had its outputs
    sent; `results` holds them, one tuple per response with calls.
    """

    def __init__(
        self,
        link: RealtimeConnection,
        tools: Mapping[str, ToolHandler] | None = None,
        *,
        tool_timeout_s: float = 10.0,
    ) -> None:
        self.events: list[LinkEvent] = []
        self.results: list[tuple[ToolResult, ...]] = []
        self._runner = ToolRunner(tools or {}, timeout_s=tool_timeout_s)
        self._task = asyncio.create_task(self._collect(link))

    async def _collect(self, link: RealtimeConnection) -> None:
        async for event in link.events():
            if isinstance(event, ResponseCompleted) and event.calls:
                results = await self._runner.run_all(event.calls)
                self.results.append(results)
                await link.submit_tool_outputs(results)
            self.events.append(event)

    async def wait_for(
        self, predicate: Callable[[list[LinkEvent]], bool], timeout_s: float = 60.0
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate(self.events):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events: {self.events[-10:]}")
            await asyncio.sleep(0.01)

    async def wait_count(self, kind: type[Any], count: int) -> None:
        """Until at least `count` events of `kind` (a poll may miss the moment of exactly)."""
        await self.wait_for(lambda events: len(self.of(kind)) >= count)

    async def finished(self) -> None:
        await asyncio.wait_for(self._task, 5)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def words(self) -> list[str]:
        return [w for e in self.of(TranscriptCompleted) for w in e.text.split()]

    def states(self) -> list[LinkState]:
        return [e.state for e in self.of(LinkStateChanged)]


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    fake = FakeRealtimeServer()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def make_link(server: FakeRealtimeServer, **options: Any) -> RealtimeConnection:
    options.setdefault("delays", quick_delays)
    return RealtimeConnection(SETTINGS, base_url=server.base_url, api_key="test-key", **options)


async def speak(link: RealtimeConnection, audio: bytes, *, pace_s: float = 0.0) -> None:
    """Send audio in 20 ms chunks; with `pace_s`, sleep between chunks."""
    for chunk in chunked(audio):
        await link.send_audio(chunk)
        await asyncio.sleep(pace_s)


def utterance(value: int) -> bytes:
    return word(value, ms=200) + silence(SILENCE_MS + 100)


def expected(values: Sequence[int]) -> list[str]:
    return [f"w{v}" for v in values]


async def test_transcripts_carry_session_time_and_deltas_come_first(
    server: FakeRealtimeServer,
) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await speak(link, word(7, ms=300) + silence(300) + word(9, ms=200) + silence(300))
    await rec.wait_for(lambda ev: len(rec.of(TranscriptCompleted)) == 2)
    await link.close()
    await rec.finished()

    done = rec.of(TranscriptCompleted)
    assert [(e.text, e.start_ms, e.end_ms) for e in done] == [("w7", 0, 300), ("w9", 600, 800)]
    assert done[0].usage.input_audio_tokens == 3
    for item in done:
        delta_at = next(
            i
            for i, e in enumerate(rec.events)
            if isinstance(e, TranscriptDelta) and e.item_id == item.item_id
        )
        assert delta_at < rec.events.index(item)
    assert rec.states()[:2] == [LinkState.CONNECTING, LinkState.LIVE]
    assert rec.states()[-1] is LinkState.CLOSED


@pytest.mark.parametrize("outage", ["drop", "restart"])
async def test_reconnect_replays_unfinished_audio_without_loss_or_duplicates(
    server: FakeRealtimeServer, outage: str
) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    values = list(range(1, 21))
    half = word(7, ms=200)[: len(word(7, ms=200)) // 2]

    for value in values[:6]:
        await speak(link, utterance(value), pace_s=0.001)
    await speak(link, half)  # mid-turn
    await server.drop_all()
    await speak(link, word(7, ms=200)[len(half) :] + silence(SILENCE_MS + 100))
    for value in values[7:12]:
        await speak(link, utterance(value), pace_s=0.001)
    await speak(link, word(13, ms=200) + silence(80))  # mid-silence
    if outage == "drop":
        await server.drop_all()
    else:
        await server.stop()
    await speak(link, silence(SILENCE_MS))
    for value in values[13:16]:  # sent while disconnected
        await speak(link, utterance(value))
    if outage == "restart":
        await asyncio.sleep(1.0)
        await server.start()
    for value in values[16:]:
        await speak(link, utterance(value), pace_s=0.001)
    await link.flush(timeout_s=5)
    await link.close()
    await rec.finished()

    assert rec.words() == expected(values)
    states = rec.states()
    reconnecting = states.index(LinkState.RECONNECTING)
    assert LinkState.LIVE in states[reconnecting:]
    assert server.connections_accepted >= 3
    later = [e for e in server.events_of("input_audio_buffer.append") if e.connection > 2]
    replayed_ms = sum(e.payload["audio"] for e in later) // 48
    assert replayed_ms >= 3 * 500, "audio sent while disconnected must be replayed"


async def test_rollover_opens_the_next_connection_first_and_loses_nothing(
    server: FakeRealtimeServer,
) -> None:
    link = make_link(server, rollover_after_s=0.8)
    await link.start()
    rec = Recorder(link)
    values = list(range(1, 13))
    for value in values:
        for chunk in chunked(utterance(value)):
            await link.send_audio(chunk)
            await asyncio.sleep(0.008)
    await link.flush(timeout_s=5)
    await link.close()
    await rec.finished()

    assert rec.words() == expected(values)
    assert link.connections_opened >= 3
    # In the order the server saw them (not by the clock): the next connection opens first.
    log = [(n, what) for _, n, what in server.connection_log]
    for number in range(2, link.connections_opened + 1):
        assert log.index((number, "open")) < log.index((number - 1, "closed")), (
            "the next connection opens first"
        )
    assert LinkState.RECONNECTING not in rec.states()


async def test_session_expired_is_handled_like_a_rollover() -> None:
    server = FakeRealtimeServer(expire_after_s=0.7)
    await server.start()
    try:
        link = make_link(server)
        await link.start()
        rec = Recorder(link)
        values = list(range(1, 11))
        for value in values:
            await speak(link, utterance(value), pace_s=0.01)
        await link.flush(timeout_s=5)
        await link.close()
        await rec.finished()
    finally:
        await server.stop()

    assert rec.words() == expected(values)
    assert server.connections_accepted >= 3
    assert not [e for e in rec.of(ServerError) if e.code == "session_expired"]


def three_calls(turns: Sequence[UserTurn]) -> list[tuple[str, dict[str, Any]]]:
    if not turns:
        return []
    return [("slow_a", {"s": 0.3}), ("slow_b", {"s": 0.5}), ("slow_c", {"s": 0.7})]


async def test_tool_calls_of_one_response_run_concurrently_and_the_link_asks_no_more(
    server: FakeRealtimeServer,
) -> None:
    server.responder = three_calls
    timeline: list[tuple[str, float]] = []

    async def sleeper(arguments: Mapping[str, Any]) -> str:
        timeline.append(("start", float(arguments["s"])))
        await asyncio.sleep(float(arguments["s"]))
        timeline.append(("end", float(arguments["s"])))
        return json.dumps({"ok": True, "slept": arguments["s"]})

    link = make_link(server)
    await link.start()
    rec = Recorder(link, {"slow_a": sleeper, "slow_b": sleeper, "slow_c": sleeper})
    await speak(link, utterance(3))
    await rec.wait_for(lambda ev: bool(rec.of(TranscriptCompleted)))
    await link.request_response()
    await rec.wait_count(ResponseCompleted, 1)  # after every output was sent
    ended_before_first_response = sum(kind == "end" for kind, _ in timeline)
    # A follow-up is the service's to ask for; had the link asked for one itself, this
    # request would be held behind it and a third response would follow.
    await link.request_response()
    await rec.wait_count(ResponseCompleted, 2)
    await link.close()
    await rec.finished()

    # Concurrent: all three started before any finished (one after another they would
    # alternate), and all had finished when the response carrying their outputs completed.
    assert [kind for kind, _ in timeline] == ["start"] * 3 + ["end"] * 3
    assert ended_before_first_response == 3
    first = rec.of(ResponseCompleted)[0]
    assert [c.name for c in first.calls] == ["slow_a", "slow_b", "slow_c"]
    assert [r.is_error for r in rec.results[0]] == [False, False, False]
    kinds = [e.type for e in server.received if e.type != "input_audio_buffer.append"]
    creates = [i for i, k in enumerate(kinds) if k == "response.create"]
    outputs = [i for i, k in enumerate(kinds) if k == "conversation.item.create"]
    assert len(creates) == 2
    assert len(outputs) == 3
    assert max(outputs) < creates[1]
    sent = [e.payload["item"] for e in server.events_of("conversation.item.create")]
    assert {s["type"] for s in sent} == {"function_call_output"}
    call_ids = {c["call_id"] for c in server.responses[0]["output"]}
    assert {s["call_id"] for s in sent} == call_ids


@pytest.mark.expected_log(
    "therapy_notes.services.tool_runner",
    "WARNING",
    match=r"tool boom \(call \w+\) failed: RuntimeError",
)
@pytest.mark.expected_log(
    "therapy_notes.services.tool_runner", "WARNING", match=r"tool hang \(call \w+\) timed out"
)
async def test_failing_and_timing_out_tools_give_error_outputs_and_the_session_goes_on(
    server: FakeRealtimeServer,
) -> None:
    server.responder = lambda turns: [("boom", {}), ("hang", {}), ("fine", {})] if turns else []

    async def boom(arguments: Mapping[str, Any]) -> str:
        raise RuntimeError("tool exploded")

    async def hang(arguments: Mapping[str, Any]) -> str:
        await asyncio.sleep(10)
        return "never"

    async def fine(arguments: Mapping[str, Any]) -> str:
        return "fine"

    link = make_link(server)
    await link.start()
    rec = Recorder(link, {"boom": boom, "hang": hang, "fine": fine}, tool_timeout_s=0.3)
    await speak(link, utterance(4))
    await rec.wait_for(lambda ev: bool(rec.of(TranscriptCompleted)))
    await link.request_response()
    await rec.wait_count(ResponseCompleted, 1)
    await speak(link, utterance(5))
    await rec.wait_for(lambda ev: len(rec.of(TranscriptCompleted)) == 2)
    await link.close()
    await rec.finished()

    results = {r.name: r for r in rec.results[0]}
    assert results["boom"].is_error
    assert "tool exploded" in results["boom"].output
    assert results["hang"].is_error
    assert "timed out" in results["hang"].output
    assert not results["fine"].is_error
    assert results["fine"].output == "fine"
    outputs = [e.payload["item"]["output"] for e in server.events_of("conversation.item.create")]
    assert len(outputs) == 3
    assert json.loads(outputs[0]) == {"ok": False, "error": "tool exploded"}
    assert rec.words() == ["w4", "w5"]


async def test_a_response_with_calls_stays_active_until_its_outputs_are_in(
    server: FakeRealtimeServer,
) -> None:
    """A request made while the service runs the calls waits for their outputs."""
    server.responder = lambda turns: [("note", {})] if turns else []
    link = make_link(server)
    busy_while_running: list[bool] = []

    async def note(arguments: Mapping[str, Any]) -> str:
        busy_while_running.append(link.is_busy)
        await link.request_response()  # the service asking again, mid-call
        await asyncio.sleep(0.2)
        return "ok"

    await link.start()
    rec = Recorder(link, {"note": note})
    await speak(link, utterance(6))
    await rec.wait_for(lambda ev: bool(rec.of(TranscriptCompleted)))
    await link.request_response()
    await rec.wait_count(ResponseCompleted, 2)
    await link.close()
    await rec.finished()

    assert busy_while_running[0] is True
    kinds = [e.type for e in server.received if e.type != "input_audio_buffer.append"]
    creates = [i for i, k in enumerate(kinds) if k == "response.create"]
    first_output = kinds.index("conversation.item.create")
    assert len(creates) == 2
    assert creates[0] < first_output < creates[1]
    assert not rec.of(ServerError), "never a second active response"


async def test_a_connection_lost_while_the_calls_run_does_not_ask_for_the_update_again(
    server: FakeRealtimeServer,
) -> None:
    """The calls were carried out (the note has their entries): a new response would
    write the same turns a second time."""
    server.responder = lambda turns: [("note", {})] if turns else []
    link = make_link(server)

    async def note(arguments: Mapping[str, Any]) -> str:
        await server.drop_all()  # the network goes while the service stores the entries
        return "ok"

    await link.start()
    rec = Recorder(link, {"note": note})
    await speak(link, utterance(7))
    await rec.wait_for(lambda ev: bool(rec.of(TranscriptCompleted)))
    await link.request_response()
    await rec.wait_count(ResponseCompleted, 1)
    await rec.wait_for(lambda ev: rec.states().count(LinkState.LIVE) >= 2)
    await asyncio.sleep(0.5)
    assert not link.is_busy
    await link.close()
    await rec.finished()

    assert len(server.events_of("response.create")) == 1
    assert len(rec.of(ResponseCompleted)) == 1


async def test_a_turn_handed_over_while_its_response_runs_is_deleted_once(
    server: FakeRealtimeServer,
) -> None:
    """The response read the turn's audio; the turn then went over as text; pruning after
    the outputs must not delete the audio item a second time (the engine refuses it)."""
    server.responder = lambda turns: [("note", {})] if turns else []
    link = make_link(server)
    audio_items: list[str] = []

    async def note(arguments: Mapping[str, Any]) -> str:
        await link.add_text_turn(audio_items[0], "Client: w8")  # as the service hands over
        return "ok"

    await link.start()
    rec = Recorder(link, {"note": note})
    await speak(link, utterance(8))
    await rec.wait_for(lambda ev: bool(rec.of(TranscriptCompleted)))
    audio_items.append(rec.of(TranscriptCompleted)[0].item_id)
    await link.request_response()
    await rec.wait_count(ResponseCompleted, 1)
    await asyncio.sleep(0.3)  # the deletes' answers
    await link.close()
    await rec.finished()

    deleted = [e.payload["item_id"] for e in server.events_of("conversation.item.delete")]
    assert deleted.count(audio_items[0]) == 1
    assert not [e for e in rec.of(ServerError) if e.code == "item_not_found"]


async def test_outputs_with_nothing_awaiting_them_are_ignored(server: FakeRealtimeServer) -> None:
    link = make_link(server)
    await link.start()
    await link.submit_tool_outputs([ToolResult("call_x", "note", "ok")])
    await link.close()
    assert not server.events_of("conversation.item.create")


async def test_requests_during_an_active_response_coalesce_into_one(
    server: FakeRealtimeServer,
) -> None:
    server.response_delay_s = 0.3
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await link.request_response()
    for _ in range(5):
        await link.request_response()
        await asyncio.sleep(0.01)
    assert link.is_busy
    await rec.wait_for(lambda ev: len(rec.of(ResponseCompleted)) == 2)
    await asyncio.sleep(0.4)
    await link.close()
    await rec.finished()

    assert len(server.events_of("response.create")) == 2
    assert not rec.of(ServerError), "never a second active response"
    assert len(rec.of(ResponseCompleted)) == 2


async def run_turns(server: FakeRealtimeServer, turns: int, *, prune_items: bool) -> list[int]:
    """One turn then one note update (with one tool call), `turns` times; input tokens."""
    server.responder = lambda t: [("note", {"n": len(t)})] if t else []

    async def note(arguments: Mapping[str, Any]) -> str:
        return "ok"

    link = make_link(server, prune_items=prune_items)
    await link.start()
    rec = Recorder(link, {"note": note})
    for turn in range(turns):
        await speak(link, utterance(turn + 1))
        await rec.wait_count(TranscriptCompleted, turn + 1)
        await link.request_response()
        await rec.wait_count(ResponseCompleted, turn + 1)
    await link.close()
    await rec.finished()
    assert rec.words() == expected(range(1, turns + 1))
    assert len(server.responses) == turns
    return [r["usage"]["input_tokens"] for r in server.responses]


async def test_pruning_keeps_input_tokens_flat_over_a_long_session(
    server: FakeRealtimeServer,
) -> None:
    tokens = await run_turns(server, 60, prune_items=True)

    assert len(tokens) == 60
    assert max(tokens[1:]) <= tokens[1] + 5, tokens
    assert len(server.events_of("conversation.item.delete")) >= 3 * 59


async def test_without_pruning_input_tokens_grow(server: FakeRealtimeServer) -> None:
    tokens = await run_turns(server, 15, prune_items=False)

    assert tokens[-1] > tokens[0] + 14 * 60
    assert not server.events_of("conversation.item.delete")


async def test_refused_key_raises_auth_error(server: FakeRealtimeServer) -> None:
    server.reject_status = 401
    link = make_link(server)
    with pytest.raises(AuthError, match="401"):
        await link.start()
    await link.close()
    assert server.connections_accepted == 0


async def test_unreachable_engine_raises_quickly() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    link = RealtimeConnection(
        SETTINGS,
        base_url=f"ws://127.0.0.1:{port}/v1",
        api_key="k",
        delays=lambda: itertools.repeat(0.01),
    )
    with pytest.raises(EngineUnavailableError, match="connection refused"):
        await asyncio.wait_for(link.start(), 60)  # gives up by itself; a hang would fail here
    await link.close()


@pytest.mark.expected_log(
    "therapy_notes.realtime.connection", "WARNING", match=r"ignored a malformed server event"
)
async def test_malformed_frame_is_reported_and_the_link_keeps_working(
    server: FakeRealtimeServer,
) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await speak(link, utterance(1))
    await rec.wait_for(lambda ev: len(rec.of(TranscriptCompleted)) == 1)
    await server.send_malformed()
    await rec.wait_for(lambda ev: bool(rec.of(ServerError)))
    await speak(link, utterance(2))
    await rec.wait_for(lambda ev: len(rec.of(TranscriptCompleted)) == 2)
    await link.close()
    await rec.finished()

    assert rec.of(ServerError)[0].code == "malformed_server_event"
    assert rec.words() == ["w1", "w2"]
    assert server.connections_accepted == 1


async def test_flush_commits_trailing_speech_and_waits_for_its_transcript(
    server: FakeRealtimeServer,
) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await speak(link, utterance(1) + word(2, ms=150))  # stopped mid-word
    await link.flush(timeout_s=5)
    flushed_at = len(rec.events)
    await link.close()
    await rec.finished()

    assert rec.words() == ["w1", "w2"]
    last = rec.of(TranscriptCompleted)[-1]
    assert rec.events.index(last) < flushed_at
    assert len(server.events_of("input_audio_buffer.commit")) == 1
    assert not rec.of(ServerError)


async def test_flush_while_reconnecting_waits_for_the_replayed_audio(
    server: FakeRealtimeServer,
) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await speak(link, utterance(1))
    await rec.wait_count(TranscriptCompleted, 1)
    await server.stop()
    await speak(link, b"".join(utterance(v) for v in range(2, 12)))  # while the link is down
    await server.start()
    await link.flush(timeout_s=5)
    await link.close()
    await rec.finished()

    assert rec.words() == expected(range(1, 12))


async def test_flush_right_after_sending_waits_for_every_turn(server: FakeRealtimeServer) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await speak(link, b"".join(utterance(v) for v in range(1, 31)))
    await link.flush(timeout_s=5)
    await link.close()
    await rec.finished()

    assert rec.words() == expected(range(1, 31))


async def test_flush_waits_for_a_slow_engine_as_long_as_it_keeps_answering(
    server: FakeRealtimeServer,
) -> None:
    """A busy machine: every turn takes longer than the whole flush timeout allows at once.

    The flush used to give up after a fixed time and drop the turns still being
    transcribed; it now waits while the engine keeps answering and reports progress.
    """
    server.transcription_delay_s = 0.3
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await speak(link, b"".join(utterance(v) for v in range(1, 13)))
    await link.flush(timeout_s=1.0)
    await link.close()
    await rec.finished()

    assert rec.words() == expected(range(1, 13))
    flushed = rec.of(LinkFlushed)
    assert [f.untranscribed for f in flushed] == [0]
    assert rec.of(LinkDraining)
    assert rec.events.index(rec.of(TranscriptCompleted)[-1]) < rec.events.index(flushed[0])


async def test_a_handshake_cut_off_without_a_response_is_retried(
    server: FakeRealtimeServer,
) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    server.hang_up_handshakes = 2
    await server.drop_all()
    await speak(link, utterance(1) + utterance(2))
    await link.flush(timeout_s=5)
    await link.close()
    await rec.finished()

    assert rec.words() == ["w1", "w2"]
    assert server.hang_up_handshakes == 0
    assert rec.states().count(LinkState.RECONNECTING) == 3


async def test_tentative_words_of_a_delta_reach_the_service(server: FakeRealtimeServer) -> None:
    link = make_link(server)
    await link.start()
    rec = Recorder(link)
    await rec.wait_for(lambda _events: LinkState.LIVE in rec.states())
    delta = {"type": "conversation.item.input_audio_transcription.delta", "content_index": 0}
    await server.send_raw_event({**delta, "item_id": "item_a", "delta": "", "tentative": "Pat"})
    await server.send_raw_event({**delta, "item_id": "item_a", "delta": "Patient", "tentative": ""})
    await server.send_raw_event({**delta, "item_id": "item_a", "delta": " reports"})
    await rec.wait_count(TranscriptDelta, 3)
    await link.close()
    await rec.finished()
    assert [(e.delta, e.tentative) for e in rec.of(TranscriptDelta)] == [
        ("", "Pat"),
        ("Patient", ""),
        (" reports", ""),
    ]
