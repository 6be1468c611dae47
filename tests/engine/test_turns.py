import asyncio
import itertools
import threading
from collections.abc import Iterator
from typing import cast

import numpy as np
import pytest

from tests.speech import FIXTURES, LONG_SESSION, normalise, word_error_rate
from therapy_notes.engine.asr import Recognizer
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
from therapy_notes.engine.turns import EngineModels, TurnTracker

BYTES_PER_MS = 48
SILENCE_AFTER = bytes(1_500 * BYTES_PER_MS)
PADDING_S = 1.6  # every fixture has 0.6 s of silence before its sentence and 1.0 s after
# Utterances longer than 3 s, where partials must show up before the turn ends.
LONG_UTTERANCES = [f for f in FIXTURES if len(f.pcm16()) / 48_000 - PADDING_S > 3.0]


@pytest.fixture(scope="module")
def models() -> Iterator[EngineModels]:
    loaded = EngineModels.load()
    yield loaded
    loaded.close()


def _tracker(models: EngineModels, vad: VadSettings | None = None) -> TurnTracker:
    ids = (f"item_{n}" for n in itertools.count())
    tracker = TurnTracker(models, new_item_id=lambda: next(ids))
    tracker.set_turn_detection(vad)
    return tracker


async def _feed(tracker: TurnTracker, pcm: bytes, chunk_ms: int = 100) -> None:
    step = chunk_ms * BYTES_PER_MS
    for start in range(0, len(pcm), step):
        tracker.append(pcm[start : start + step])
        await asyncio.sleep(0)


async def _collect(tracker: TurnTracker, finals: int, timeout_s: float = 30) -> list[TurnEvent]:
    """Events until `finals` finals (or failures) have arrived."""
    events: list[TurnEvent] = []

    async def consume() -> None:
        async for event in tracker.events():
            events.append(event)
            if sum(isinstance(e, TurnFinal | TurnFailed) for e in events) == finals:
                return

    await asyncio.wait_for(consume(), timeout_s)
    return events


async def _run_vad(models: EngineModels, pcm: bytes, finals: int = 1) -> list[TurnEvent]:
    tracker = _tracker(models, VadSettings())
    collecting = asyncio.create_task(_collect(tracker, finals))
    await _feed(tracker, pcm + SILENCE_AFTER)
    try:
        return await collecting
    finally:
        await tracker.aclose()


def _delta_text(events: list[TurnEvent]) -> str:
    return "".join(e.delta for e in events if isinstance(e, TurnPartial))


async def _run_vad_as_decodes_keep_up(models: EngineModels, pcm: bytes) -> list[TurnEvent]:
    """Like `_run_vad`, but each chunk waits until no decode is in flight.

    A microphone sends speech in real time, so partial decodes keep up with it; fed as fast
    as possible on a busy machine the whole turn could end before a partial decode does.
    Waiting for the recognizer (not for a time) keeps the order under test on any machine.
    """
    tracker = _tracker(models, VadSettings())
    collecting = asyncio.create_task(_collect(tracker, finals=1, timeout_s=120))
    step = 100 * BYTES_PER_MS
    for start in range(0, len(pcm), step):
        tracker.append(pcm[start : start + step])
        await asyncio.sleep(0)
        while models.recognizer.is_saturated:  # noqa: ASYNC110 (no event to wait on)
            await asyncio.sleep(0.005)
    await _feed(tracker, SILENCE_AFTER)
    events = await collecting
    await tracker.aclose()
    return events


async def test_vad_turn_sends_events_in_order_with_partials(models: EngineModels) -> None:
    fixtures = LONG_UTTERANCES[:4]
    assert len(fixtures) == 4
    finals: list[str] = []
    prefixes: list[tuple[str, str]] = []
    for fixture in fixtures:
        events = await _run_vad_as_decodes_keep_up(models, fixture.pcm16())
        kinds = [type(e) for e in events]
        first_stop = kinds.index(TurnStopped)
        assert kinds[0] is TurnStarted
        assert kinds[1:first_stop] == [TurnPartial] * (first_stop - 1)
        assert first_stop >= 2, f"no partial before the stop for {fixture.name}"
        assert kinds[first_stop:] == [TurnStopped, TurnCommitted, TurnFinal]
        started, stopped, committed, final = (
            events[0],
            events[first_stop],
            events[first_stop + 1],
            events[-1],
        )
        assert isinstance(started, TurnStarted)
        assert isinstance(stopped, TurnStopped)
        assert isinstance(committed, TurnCommitted)
        assert isinstance(final, TurnFinal)
        assert {e.item_id for e in events} == {started.item_id}
        # Speech starts 600 ms in; the start includes up to 300 ms of prefix padding.
        assert 200 <= started.audio_start_ms <= 600
        assert committed.audio_start_ms == started.audio_start_ms
        assert committed.audio_end_ms == stopped.audio_end_ms
        assert abs(final.audio_seconds * 1000 - (stopped.audio_end_ms - started.audio_start_ms)) < 2
        # Deltas concatenate to (nearly) a prefix of the final, word by word.
        said = normalise(_delta_text(events)).split()
        assert said
        final_words = normalise(final.transcript).split()
        # Partials are provisional: the first looks see under a second of speech and may
        # hear "rip" for "grip"; on a loaded machine a partial decode sees less audio and
        # its last words differ ("six thousand" for "six out"); most of the words match.
        prefixes.append((" ".join(final_words[: len(said)]), " ".join(said)))
        finals.append(final.transcript)
    assert word_error_rate([f for f, _ in prefixes], [s for _, s in prefixes]) <= 0.5
    assert word_error_rate([f.text for f in fixtures], finals) <= 0.45


async def test_partials_arrive_while_the_person_is_still_speaking(
    models: EngineModels,
) -> None:
    fixture = LONG_UTTERANCES[0]
    tracker = _tracker(models, VadSettings())
    received: list[tuple[int, TurnEvent]] = []
    chunks_sent = 0

    async def consume() -> None:
        async for event in tracker.events():
            received.append((chunks_sent, event))
            if isinstance(event, TurnFinal | TurnFailed):
                return

    consumer = asyncio.create_task(consume())
    pcm = fixture.pcm16()
    step = 100 * BYTES_PER_MS
    speech_end = len(pcm) - 1_000 * BYTES_PER_MS  # the fixture ends with 1 s of silence
    for start in range(0, speech_end, step):  # real time, as a microphone sends it
        tracker.append(pcm[start : start + step])
        chunks_sent += 1
        await asyncio.sleep(0.1)
    speech_chunks = chunks_sent
    chunks_sent += 1  # everything after this arrived once the speech was all sent
    await _feed(tracker, pcm[speech_end:] + SILENCE_AFTER)
    await asyncio.wait_for(consumer, 30)
    await tracker.aclose()
    assert any(isinstance(e, TurnPartial) and sent < speech_chunks for sent, e in received)
    assert [type(e) for _, e in received][-3:] == [TurnStopped, TurnCommitted, TurnFinal]


async def test_long_session_gives_one_turn_per_sentence(models: EngineModels) -> None:
    expected = len(LONG_SESSION.sentences)
    events = await _run_vad(models, LONG_SESSION.pcm16(), finals=expected)
    finals = [e for e in events if isinstance(e, TurnFinal)]
    assert abs(len(finals) - expected) <= 1
    assert len({e.item_id for e in finals}) == len(finals)
    commits = [e for e in events if isinstance(e, TurnCommitted)]
    assert [c.item_id for c in commits] == [f.item_id for f in finals]
    assert all(a.audio_end_ms < b.audio_start_ms for a, b in itertools.pairwise(commits))
    hypothesis = " ".join(f.transcript for f in finals)
    assert word_error_rate([LONG_SESSION.text], [hypothesis]) <= 0.35


async def test_resumed_speech_discards_the_early_final_and_long_turns_are_capped(
    models: EngineModels,
) -> None:
    # 2 s of silence needed to end a turn: the 1.2 s pauses between sentences do not, so
    # the early finals started at each pause must be thrown away, and the cap splits turns.
    tracker = _tracker(models, VadSettings(silence_duration_ms=2_000))
    collecting = asyncio.create_task(_collect(tracker, finals=2))
    await _feed(tracker, LONG_SESSION.pcm16() + bytes(2_500 * BYTES_PER_MS))
    events = await collecting
    await tracker.aclose()
    commits = [e for e in events if isinstance(e, TurnCommitted)]
    finals = [e for e in events if isinstance(e, TurnFinal)]
    assert all(c.audio_end_ms - c.audio_start_ms <= 20_000 for c in commits)
    first_sentence_words = len(normalise(LONG_SESSION.sentences[0]).split())
    assert len(normalise(finals[0].transcript).split()) > 2 * first_sentence_words


async def test_manual_commit_gives_one_final(models: EngineModels) -> None:
    fixture = FIXTURES[1]
    tracker = _tracker(models, None)
    await _feed(tracker, fixture.pcm16())
    collecting = asyncio.create_task(_collect(tracker, finals=1))
    committed = tracker.commit()
    events = await collecting
    await tracker.aclose()
    assert committed.audio_start_ms == 0
    assert committed.audio_end_ms == pytest.approx(tracker.audio_ms, abs=2)
    assert tracker.buffered_ms == 0
    assert len(events) == 1
    final = events[0]
    assert isinstance(final, TurnFinal)
    assert final.item_id == committed.item_id
    assert word_error_rate([fixture.text], [final.transcript]) <= 0.5


async def test_commit_under_100_ms_is_refused(models: EngineModels) -> None:
    tracker = _tracker(models, None)
    tracker.append(bytes(90 * BYTES_PER_MS))
    with pytest.raises(CommitTooShortError) as caught:
        tracker.commit()
    assert caught.value.buffered_ms == pytest.approx(90, abs=1)
    await tracker.aclose()


async def test_clear_drops_the_buffer_but_not_the_clock(models: EngineModels) -> None:
    tracker = _tracker(models, None)
    tracker.append(bytes(1_000 * BYTES_PER_MS))
    assert tracker.buffered_ms == pytest.approx(1_000, abs=1)
    tracker.clear()
    assert tracker.buffered_ms == 0
    assert tracker.audio_ms == pytest.approx(1_000)
    with pytest.raises(CommitTooShortError):
        tracker.commit()
    await tracker.aclose()


async def test_clear_mid_turn_drops_that_turn(models: EngineModels) -> None:
    fixture = FIXTURES[2]
    tracker = _tracker(models, VadSettings())
    pcm = fixture.pcm16()
    half = len(pcm) // 2 // 2 * 2
    await _feed(tracker, pcm[:half])
    tracker.clear()
    collecting = asyncio.create_task(_collect(tracker, finals=1))
    await _feed(tracker, pcm + SILENCE_AFTER)
    events = await collecting
    await tracker.aclose()
    started = [e for e in events if isinstance(e, TurnStarted)]
    finals = [e for e in events if isinstance(e, TurnFinal)]
    # The dropped turn never commits: the only final belongs to the second turn.
    assert len(started) == 2
    assert [f.item_id for f in finals] == [started[1].item_id]
    assert not [e for e in events if isinstance(e, TurnCommitted) and e.item_id == "item_0"]
    assert word_error_rate([fixture.text], [finals[0].transcript]) <= 0.6


class _BrokenRecognizer(Recognizer):
    """The real model for partials; every final decode fails."""

    def decode(self, audio_16k: np.ndarray, partial: bool = False) -> str:
        if not partial:
            raise RuntimeError("decoder crashed")
        return super().decode(audio_16k, partial)


@pytest.mark.expected_log(
    "therapy_notes.engine.turns", "ERROR", match=r"^final decode failed for item_0: RuntimeError"
)
async def test_failed_final_is_reported_not_lost(models: EngineModels) -> None:
    broken = _BrokenRecognizer(models.recognizer._model, num_workers=1)
    tracker = _tracker(EngineModels(broken, models.vad), VadSettings())
    collecting = asyncio.create_task(_collect(tracker, finals=1))
    await _feed(tracker, FIXTURES[3].pcm16() + SILENCE_AFTER)
    events = await collecting
    await tracker.aclose()
    broken.close()
    assert isinstance(events[-1], TurnFailed)
    assert "decoder crashed" in events[-1].message
    assert isinstance(events[-2], TurnCommitted)


class _ThreadRecordingRecognizer(Recognizer):
    """The real model; records the thread every decode (partial or final) runs on."""

    def __init__(self, model: object) -> None:
        super().__init__(model, num_workers=1)
        self.threads: list[int] = []

    def decode(self, audio_16k: np.ndarray, partial: bool = False) -> str:
        self.threads.append(threading.get_ident())
        return super().decode(audio_16k, partial)


async def test_feeding_never_stalls_the_event_loop(models: EngineModels) -> None:
    # Feeding only buffers and runs the VAD; every decode runs on the recognizer's worker
    # thread, never on the loop (tests/benchmarks/test_loop_stalls.py measures the gaps).
    spying = _ThreadRecordingRecognizer(models.recognizer._model)
    expected = len(LONG_SESSION.sentences) - 1
    events = await _run_vad(EngineModels(spying, models.vad), LONG_SESSION.pcm16(), finals=expected)
    spying.close()
    assert sum(isinstance(e, TurnFinal) for e in events) >= expected
    assert spying.threads, "the session was decoded"
    assert threading.get_ident() not in set(spying.threads)


class _ScriptedRecognizer:
    """Says the same words for every decode, at once; counts finals and partials."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.finals = 0
        self.partials = 0
        self.is_saturated = False

    async def transcribe(self, audio_16k: np.ndarray, *, partial: bool = False) -> str:
        await asyncio.sleep(0)
        if partial:
            self.partials += 1
        else:
            self.finals += 1
        return self.text

    def close(self) -> None:
        """Nothing to release."""


def _speech_only(pcm: bytes) -> bytes:
    """A fixture without its trailing second of silence."""
    return pcm[: len(pcm) - 1_000 * BYTES_PER_MS]


async def _turns_heard(
    models: EngineModels, text: str, vad: VadSettings, pcm: bytes
) -> tuple[list[TurnEvent], _ScriptedRecognizer]:
    """Feed `pcm` to a tracker whose recogniser always says `text`; events so far."""
    scripted = _ScriptedRecognizer(text)
    tracker = _tracker(EngineModels(cast(Recognizer, scripted), models.vad), vad)
    events: list[TurnEvent] = []

    async def consume() -> None:
        async for event in tracker.events():
            events.append(event)

    consumer = asyncio.create_task(consume())
    await _feed(tracker, pcm)
    for _ in range(20):  # let the last decodes' results and the outbox settle
        await asyncio.sleep(0)
    await tracker.aclose()
    await consumer
    return events, scripted


async def test_semantic_vad_ends_a_complete_utterance_after_a_short_silence(
    models: EngineModels,
) -> None:
    # 400 ms of silence: too short for server_vad's 500 ms, enough for a complete sentence.
    pcm = _speech_only(FIXTURES[0].pcm16()) + bytes(400 * BYTES_PER_MS)
    text = FIXTURES[0].text
    semantic, _ = await _turns_heard(models, text, VadSettings.semantic_vad("auto"), pcm)
    server, _ = await _turns_heard(models, text, VadSettings(), pcm)
    assert [type(e) for e in semantic if not isinstance(e, TurnPartial)] == [
        TurnStarted,
        TurnStopped,
        TurnCommitted,
        TurnFinal,
    ]
    assert not [e for e in server if isinstance(e, TurnStopped | TurnCommitted)]


async def test_semantic_vad_waits_longer_mid_phrase(models: EngineModels) -> None:
    speech = _speech_only(FIXTURES[4].pcm16())
    # Speech, 1.5 s of silence, speech again: one turn when the words so far are unfinished
    # (medium waits up to 4 s then), two when they read as a whole sentence.
    pcm = speech + bytes(1_500 * BYTES_PER_MS) + speech + bytes(4_500 * BYTES_PER_MS)
    unfinished, _ = await _turns_heard(
        models, "Grip strength in the left hand is", VadSettings.semantic_vad("medium"), pcm
    )
    whole, _ = await _turns_heard(
        models, "Grip strength is fine.", VadSettings.semantic_vad("medium"), pcm
    )
    assert sum(isinstance(e, TurnCommitted) for e in unfinished) == 1
    assert sum(isinstance(e, TurnCommitted) for e in whole) == 2


async def test_the_early_final_waits_for_a_likely_turn_end(models: EngineModels) -> None:
    # Short pauses inside the speech start no final decode; the one pause long enough to
    # end the turn starts exactly one, which becomes the final.
    speech = _speech_only(FIXTURES[1].pcm16())
    _, scripted = await _turns_heard(
        models, FIXTURES[1].text, VadSettings(), speech + bytes(1_000 * BYTES_PER_MS)
    )
    assert scripted.finals == 1
    assert scripted.partials >= 2  # the first look, and the early second look confirming it


async def test_first_words_come_from_two_early_looks(models: EngineModels) -> None:
    # The first look is shown as tentative; the second look confirms its words.
    speech = _speech_only(LONG_UTTERANCES[0].pcm16())
    events, _ = await _turns_heard(
        models, "Patient reports pain", VadSettings(), speech + bytes(1_000 * BYTES_PER_MS)
    )
    partials = [e for e in events if isinstance(e, TurnPartial)]
    assert partials[0].delta == ""
    assert partials[0].tentative == "Patient reports pain"
    assert partials[1].delta == "Patient reports pain"
    assert partials[1].tentative == ""
