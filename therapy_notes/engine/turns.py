"""Turn tracking for one connection: VAD turns, partial and final recognition.

The server depends only on this surface: it feeds PCM16 at 24 kHz with `append`, forwards
`commit`/`clear`, and relays `events()` to the client.

Latency comes from doing the work while the person is still talking:
- partial decodes run about every 0.8 s of new speech; a word is sent only once two
  consecutive hypotheses agree on it ("local agreement"), so the deltas are append-only;
- the final decode starts speculatively once the silence has lasted `_SPECULATE_AFTER_MS`
  (shorter pauses are mostly inside a sentence), and is usually done by the time
  `silence_duration_ms` has passed and the turn commits; if speech resumes first, that
  decode is dropped (or, if it already runs, its result is thrown away);
- no partial starts once the silence has begun, and a waiting one is dropped when the
  speculative final starts; the recogniser runs finals before partials (on a worker of
  their own from four cores on), and when no worker is free for a partial, it is skipped.
With `semantic_vad` the speculative final is also the judge of the turn: when its text is
a complete utterance the turn ends at once, mid-phrase it waits longer (`SemanticWaits`).
Turns are capped: after `_SOFT_CAP_MS` the first quiet window commits, and at
`_HARD_CAP_MS` the turn commits wherever it is, so no decode ever sees more than one
Whisper window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from therapy_notes.domain import audio_format
from therapy_notes.engine.asr import Recognizer
from therapy_notes.engine.audio_buffer import AudioBuffer
from therapy_notes.engine.turn_detection import SemanticWaits, VadSettings, utterance_is_complete
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
from therapy_notes.engine.vad import WINDOW_SAMPLES, StreamingVad, VadModel
from therapy_notes.engine.word_agreement import LocalAgreement
from therapy_notes.pcm import MODEL_RATE_HZ, StreamResampler

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

MIN_COMMIT_MS = 100
_SAMPLES_PER_MS = MODEL_RATE_HZ // 1000
_BYTES_PER_SAMPLE = audio_format.BYTES_PER_MS // _SAMPLES_PER_MS
"""Protocol bytes behind one model-rate sample (48 bytes a millisecond, 16 samples)."""
_PARTIAL_INTERVAL_MS = 800
_FIRST_PARTIAL_MS = 450
"""Speech (not counting prefix padding) before the first partial: about one spoken word."""
_CONFIRM_INTERVAL_MS = 250
"""The second look, soon after the first, so the first words are agreed on (confirmed)."""
_MAX_WORDS_PER_S = 4
"""More words than this per second of audio in a partial is a decoding loop."""
_SPECULATE_AFTER_MS = 150
"""Silence before the speculative final starts. Measured on generated speech
(tests/benchmarks/test_turn_taking.py): the VAD's quiet runs inside a sentence are mostly
shorter, so fewer speculative finals are thrown away, and the final is still done well
before a 500 ms silence ends the turn."""
_SOFT_CAP_MS = 15_000
_HARD_CAP_MS = 20_000
_NEG_THRESHOLD_GAP = 0.15
"""Silero's hysteresis: speech ends below threshold - 0.15, as in its reference code."""
_FLUSH_WAIT_S = 1.5
"""How long a stopping turn waits for its last hypotheses, to send their agreed words."""


class EngineModels:
    """The recogniser and the VAD model: loaded once per server, shared by connections."""

    def __init__(self, recognizer: Recognizer, vad: VadModel) -> None:
        self.recognizer = recognizer
        self.vad = vad

    @classmethod
    def load(cls, model_dir: Path | None = None) -> EngineModels:
        """Load both models (None = the bundled, hash-checked tiny.en).

        Raises:
            ModelError: a model is missing, damaged or unreadable.
        """
        return cls(Recognizer.load(model_dir), VadModel.load())

    def close(self) -> None:
        """Release the recogniser's threads."""
        self.recognizer.close()


@dataclass(eq=False)
class _Turn:
    item_id: str
    start: int
    speech_start: int
    silence_start: int | None = None
    last_partial_at: int = 0
    partials_started: int = 0
    end_silence_ms: int | None = None
    """semantic_vad: the silence that ends this turn, once its speculative final is read."""
    is_closed: bool = False
    speculative: asyncio.Task[str] | None = None
    partial_task: asyncio.Task[str] | None = None
    words: LocalAgreement = field(default_factory=LocalAgreement)
    tentative_text: str = ""


def _ms(samples: int) -> int:
    return samples // _SAMPLES_PER_MS


def _partial_interval_ms(partials_started: int) -> int:
    """New audio before the next partial: none for the first, a short second look."""
    if partials_started == 0:
        return 0
    return _CONFIRM_INTERVAL_MS if partials_started == 1 else _PARTIAL_INTERVAL_MS


_Outgoing = TurnEvent | Callable[[], Awaitable[list[TurnEvent]]]


class TurnTracker:
    """One connection's input audio buffer, turn detection and recognition.

    Events leave in protocol order through an internal outbox: a stopping turn first
    sends the words its last hypotheses agree on, then `TurnStopped` and `TurnCommitted`;
    finals follow in commit order. `commit()` returns its `TurnCommitted` instead of
    sending it, because the server answers the client's commit directly.
    """

    def __init__(self, models: EngineModels, *, new_item_id: Callable[[], str]) -> None:
        self._recognizer = models.recognizer
        self._vad = StreamingVad(models.vad)
        self._new_item_id = new_item_id
        self._resampler = StreamResampler(audio_format.SAMPLE_RATE_HZ, MODEL_RATE_HZ)
        self._buffer = AudioBuffer()
        self._settings: VadSettings | None = None
        self._vad_next = 0
        self._received_bytes = 0
        self._flushed_bytes = 0
        self._flushed_end = 0
        self._turn: _Turn | None = None
        self._outbox: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()
        self._tasks: set[asyncio.Task[object]] = set()
        self._pump: asyncio.Task[None] | None = None
        self._last_final: asyncio.Task[None] | None = None
        self._is_closed = False

    @property
    def buffered_ms(self) -> float:
        """Audio in the input buffer (since the last commit or clear, less VAD trimming)."""
        expected = (self._received_bytes - self._flushed_bytes) // _BYTES_PER_SAMPLE
        in_resampler = max(0, expected - (self._buffer.end - self._flushed_end))
        return (self._buffer.end - self._buffer.start + in_resampler) / _SAMPLES_PER_MS

    @property
    def audio_ms(self) -> float:
        """All audio received on this connection."""
        return self._received_bytes / audio_format.BYTES_PER_MS

    def set_turn_detection(self, settings: VadSettings | None) -> None:
        """Switch server VAD on (with these settings) or off (None: manual commits only).

        Unchanged settings change nothing: a `session.update` of other fields (or an empty
        one, which clients send as a flush marker) must not reset a turn in progress.
        """
        if settings == self._settings:
            return
        self._settings = settings
        self._vad.reset()
        self._vad_next = self._buffer.end
        if settings is None:
            self._drop_turn()

    def append(self, pcm16_24k: bytes) -> None:
        """Buffer PCM16 mono 24 kHz audio and run turn detection on it.

        Costs well under a millisecond per 100 ms of audio (resampling plus one batched
        VAD call); decodes are only started here, never awaited.
        """
        self._ensure_pump()
        self._received_bytes += len(pcm16_24k)
        audio = self._resampler.push_pcm16(pcm16_24k)
        self._buffer.append(audio)
        if self._settings is None:
            return
        probabilities = self._vad.push(audio)
        for probability in probabilities:
            window_start = self._vad_next
            self._vad_next += WINDOW_SAMPLES
            self._on_window(float(probability), window_start, self._vad_next, self._settings)
        self._maybe_start_partial()

    def commit(self) -> TurnCommitted:
        """Commit the whole input buffer as one item; its final arrives via `events()`.

        Raises:
            CommitTooShortError: less than 100 ms of audio is buffered.
        """
        self._ensure_pump()
        if self.buffered_ms < MIN_COMMIT_MS:
            raise CommitTooShortError(self.buffered_ms)
        if self._settings is None:
            self._flush_resampler(keep=True)
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.is_closed = True
            item_id, start = turn.item_id, turn.start
        else:
            item_id, start = self._new_item_id(), self._buffer.start
        end = self._buffer.end
        decode = self._spawn(self._recognizer.transcribe(self._buffer.slice(start, end)))
        self._buffer.drop_before(end)
        committed = TurnCommitted(item_id, _ms(start), _ms(end))
        self._outbox.put_nowait(self._final_starter(item_id, decode, (end - start)))
        return committed

    def clear(self) -> None:
        """Drop the input buffer and any turn in progress (its results are discarded)."""
        self._drop_turn()
        self._flush_resampler(keep=False)
        self._buffer.drop_before(self._buffer.end)
        self._vad.reset()
        self._vad_next = self._buffer.end

    def _flush_resampler(self, *, keep: bool) -> None:
        tail = self._resampler.flush()
        if keep:
            self._buffer.append(tail)
        else:
            self._buffer.append(np.zeros(tail.shape[0], dtype=np.float32))
        self._flushed_bytes = self._received_bytes
        self._flushed_end = self._buffer.end

    async def events(self) -> AsyncIterator[TurnEvent]:
        """Turn events in protocol order, until `aclose()`. One consumer only."""
        while (event := await self._events.get()) is not None:
            yield event

    async def aclose(self) -> None:
        """Stop all decodes' bookkeeping and end `events()`."""
        if self._is_closed:
            return
        self._is_closed = True
        tasks = [*self._tasks, *([self._pump] if self._pump else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._events.put_nowait(None)

    # Turn detection -------------------------------------------------------------------

    def _on_window(self, probability: float, start: int, end: int, vad: VadSettings) -> None:
        turn = self._turn
        if turn is None:
            if probability >= vad.threshold:
                begin = max(self._buffer.start, start - vad.prefix_padding_ms * _SAMPLES_PER_MS)
                self._turn = _Turn(self._new_item_id(), begin, start, last_partial_at=begin)
                self._outbox.put_nowait(TurnStarted(self._turn.item_id, _ms(begin)))
            else:
                # Idle: keep only what a future turn's prefix padding may need.
                self._buffer.drop_before(end - vad.prefix_padding_ms * _SAMPLES_PER_MS)
            return
        length_ms = _ms(end - turn.start)
        if probability >= vad.threshold:
            if turn.silence_start is not None:
                turn.silence_start = None
                turn.end_silence_ms = None
                if turn.speculative is not None:
                    turn.speculative.cancel()  # speech resumed: that guess is stale
                    turn.speculative = None
        elif probability < vad.threshold - _NEG_THRESHOLD_GAP and turn.silence_start is None:
            turn.silence_start = start
            if length_ms >= _SOFT_CAP_MS:
                self._close_turn(turn, stop=start, consumed=end)
                return
        silence_ms = 0 if turn.silence_start is None else _ms(end - turn.silence_start)
        if (
            turn.silence_start is not None
            and turn.speculative is None
            and (silence_ms >= _SPECULATE_AFTER_MS)
        ):
            self._speculate(turn, end, vad)
        if turn.silence_start is not None and silence_ms >= self._end_silence_ms(turn, vad):
            self._close_turn(turn, stop=turn.silence_start, consumed=end)
        elif length_ms >= _HARD_CAP_MS:
            self._close_turn(turn, stop=end, consumed=end)

    def _end_silence_ms(self, turn: _Turn, vad: VadSettings) -> int:
        if vad.semantic is None:
            return vad.silence_duration_ms
        return turn.end_silence_ms if turn.end_silence_ms is not None else vad.semantic.unsure_ms

    def _speculate(self, turn: _Turn, end: int, vad: VadSettings) -> None:
        """Start the final decode of a turn that has gone quiet; drop a waiting partial."""
        if turn.partial_task is not None and not turn.partial_task.done():
            turn.partial_task.cancel()
        decode = self._spawn(self._recognizer.transcribe(self._buffer.slice(turn.start, end)))
        turn.speculative = decode
        if vad.semantic is not None:
            waits = vad.semantic
            decode.add_done_callback(lambda done: self._on_speculative(turn, done, waits))

    def _on_speculative(self, turn: _Turn, task: asyncio.Task[str], waits: SemanticWaits) -> None:
        """semantic_vad: the turn's words are known; end it now or set how long to wait."""
        if (
            turn.is_closed
            or turn is not self._turn
            or task is not turn.speculative
            or turn.silence_start is None
            or task.cancelled()
        ):
            return
        text = "" if task.exception() is not None else task.result()
        turn.end_silence_ms = {
            True: waits.complete_ms,
            None: waits.unsure_ms,
            False: waits.incomplete_ms,
        }[utterance_is_complete(text)]
        if _ms(self._vad_next - turn.silence_start) >= turn.end_silence_ms:
            self._close_turn(turn, stop=turn.silence_start, consumed=self._vad_next)

    def _close_turn(self, turn: _Turn, *, stop: int, consumed: int) -> None:
        """End a VAD turn: its audio runs from its start to `stop`."""
        self._turn = None
        turn.is_closed = True
        decode = turn.speculative
        if decode is None or turn.silence_start is None:
            decode = self._spawn(self._recognizer.transcribe(self._buffer.slice(turn.start, stop)))
        self._buffer.drop_before(consumed)
        committed = TurnCommitted(turn.item_id, _ms(turn.start), _ms(stop))
        stopped = TurnStopped(turn.item_id, _ms(stop))

        async def flush() -> list[TurnEvent]:
            # Words the last partial and the final agree on go out before the stop.
            events: list[TurnEvent] = []
            pending = [t for t in (turn.partial_task, decode) if t is not None]
            await asyncio.wait(pending, timeout=_FLUSH_WAIT_S)
            for task in pending:
                if task.done() and not task.cancelled() and task.exception() is None:
                    delta = turn.words.agree(task.result(), is_final=task is decode)
                    if delta:
                        events.append(TurnPartial(turn.item_id, delta))
            return [*events, stopped, committed]

        self._outbox.put_nowait(flush)
        self._outbox.put_nowait(self._final_starter(turn.item_id, decode, stop - turn.start))

    def _drop_turn(self) -> None:
        if self._turn is not None:
            self._turn.is_closed = True
            self._turn = None

    # Partials -------------------------------------------------------------------------

    def _maybe_start_partial(self) -> None:
        turn = self._turn
        now = self._buffer.end
        if (
            turn is None
            or turn.silence_start is not None
            or turn.partial_task is not None
            or _ms(now - turn.speech_start) < _FIRST_PARTIAL_MS
            or _ms(now - turn.last_partial_at) < _partial_interval_ms(turn.partials_started)
            or self._recognizer.is_saturated
        ):
            return
        turn.last_partial_at = now
        turn.partials_started += 1
        task = self._spawn(
            self._recognizer.transcribe(self._buffer.slice(turn.start, now), partial=True)
        )
        turn.partial_task = task
        max_words = 2 + _MAX_WORDS_PER_S * _ms(now - turn.start) // 1000
        task.add_done_callback(lambda done: self._on_partial(turn, done, max_words))

    def _on_partial(self, turn: _Turn, task: asyncio.Task[str], max_words: int) -> None:
        if turn.is_closed:
            return  # a closing turn's flush reads this result itself
        turn.partial_task = None
        if task.cancelled():
            return
        if task.exception() is not None:
            _log.info("partial decode failed for %s: %r", turn.item_id, task.exception())
            return
        # A short window can send the greedy decoder round a loop; no one says more words
        # than this in the time, so the rest is not shown even as tentative.
        delta = turn.words.agree(" ".join(task.result().split()[:max_words]))
        tentative = turn.words.tentative()
        if delta or tentative != turn.tentative_text:
            turn.tentative_text = tentative
            self._outbox.put_nowait(TurnPartial(turn.item_id, delta or "", tentative))

    # Finals and the outbox ------------------------------------------------------------

    def _final_starter(
        self, item_id: str, decode: asyncio.Task[str], samples: int
    ) -> Callable[[], Awaitable[list[TurnEvent]]]:
        """An outbox step that starts the final's sender once `TurnCommitted` is out."""

        async def start() -> list[TurnEvent]:
            previous = self._last_final
            self._last_final = self._spawn(self._send_final(item_id, decode, samples, previous))
            return []

        return start

    async def _send_final(
        self,
        item_id: str,
        decode: asyncio.Task[str],
        samples: int,
        previous: asyncio.Task[None] | None,
    ) -> None:
        event: TurnEvent
        try:
            text = await decode
            event = TurnFinal(item_id, text, samples / MODEL_RATE_HZ)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - top of a task: report the turn, keep serving
            _log.error("final decode failed for %s: %r", item_id, exc)
            event = TurnFailed(item_id, f"Speech recognition failed for this turn ({exc}).")
        if previous is not None:
            with contextlib.suppress(Exception):
                await previous  # finals leave in commit order
        self._events.put_nowait(event)

    def _ensure_pump(self) -> None:
        if self._pump is None and not self._is_closed:
            self._pump = asyncio.get_running_loop().create_task(self._run_outbox())

    async def _run_outbox(self) -> None:
        while True:
            item = await self._outbox.get()
            if callable(item):
                for event in await item():
                    self._events.put_nowait(event)
            else:
                self._events.put_nowait(item)

    def _spawn(self, coro: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.debug("background decode ended with %r", task.exception())
