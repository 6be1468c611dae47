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
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from therapy_notes.domain import audio_format
from therapy_notes.engine.asr import Recognizer
from therapy_notes.engine.vad import WINDOW_SAMPLES, StreamingVad, VadModel
from therapy_notes.pcm import MODEL_RATE_HZ, StreamResampler


@dataclass(frozen=True, slots=True)
class SemanticWaits:
    """semantic_vad: the silence (ms) that ends a turn, by what its words so far look like."""

    complete_ms: int
    """The words make a whole utterance (a full stop, a question, not a dangling word)."""
    unsure_ms: int
    """No punctuation to tell, or no text yet (the decode is still running)."""
    incomplete_ms: int
    """Mid-phrase: a trailing comma or a word that needs more ("the", "to", "and", "is")."""


SEMANTIC_EAGERNESS: dict[str, SemanticWaits] = {
    "high": SemanticWaits(complete_ms=150, unsure_ms=500, incomplete_ms=2_000),
    "medium": SemanticWaits(complete_ms=200, unsure_ms=800, incomplete_ms=4_000),
    "low": SemanticWaits(complete_ms=500, unsure_ms=1_500, incomplete_ms=8_000),
}
"""By `eagerness` (`auto` is `medium`); the longest waits are the cloud's 2 s / 4 s / 8 s."""


@dataclass(frozen=True, slots=True)
class VadSettings:
    """Turn detection from `session.update` (`audio.input.turn_detection`).

    server_vad uses `silence_duration_ms`; semantic_vad (`semantic` set) ends a turn after
    a silence that depends on the words so far. Both use the threshold and prefix padding.
    """

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    semantic: SemanticWaits | None = None

    @classmethod
    def semantic_vad(cls, eagerness: str = "auto") -> VadSettings:
        """semantic_vad at `eagerness` (low, medium, high or auto; unknown means auto)."""
        waits = SEMANTIC_EAGERNESS.get(eagerness, SEMANTIC_EAGERNESS["medium"])
        return cls(silence_duration_ms=waits.unsure_ms, semantic=waits)


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """VAD heard speech; `audio_start_ms` includes the prefix padding."""

    item_id: str
    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class TurnPartial:
    """New text of a turn still being spoken (append-only: deltas concatenate).

    `tentative` is the rest of the latest hypothesis, which no second look has confirmed
    yet: it belongs after the confirmed text and is replaced by the next partial's.
    """

    item_id: str
    delta: str
    tentative: str = ""


@dataclass(frozen=True, slots=True)
class TurnStopped:
    """VAD saw the end of speech; the turn is committed right after this."""

    item_id: str
    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class TurnCommitted:
    """The buffer became a conversation item (auto by VAD, or by a client commit)."""

    item_id: str
    audio_start_ms: int
    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class TurnFinal:
    """The final transcript of a committed turn."""

    item_id: str
    transcript: str
    audio_seconds: float


@dataclass(frozen=True, slots=True)
class TurnFailed:
    """The final decode of a committed turn failed; `message` says why."""

    item_id: str
    message: str


TurnEvent = TurnStarted | TurnPartial | TurnStopped | TurnCommitted | TurnFinal | TurnFailed


class CommitTooShortError(ValueError):
    """A client commit of less than 100 ms of audio."""

    def __init__(self, buffered_ms: float) -> None:
        super().__init__(f"{buffered_ms:.0f} ms buffered")
        self.buffered_ms = buffered_ms


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
_WORD_RE = re.compile(r"[^\w']+")
_DANGLING_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as words
        "a an the to of in on at for with from by about into onto over under after before "
        "between without than and or but nor so because if when while whether which who "
        "whose where is are was were be been being am has have had will would can could "
        "should may might must do does did my your our their its um uh er"
    ).split()
)
"""Words a complete utterance rarely ends on."""


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


class _AudioBuffer:
    """16 kHz audio since the last commit or clear, addressed by session sample index."""

    def __init__(self) -> None:
        self._data = np.zeros(MODEL_RATE_HZ * 4, dtype=np.float32)
        self._length = 0
        self.start = 0

    @property
    def end(self) -> int:
        return self.start + self._length

    def append(self, audio: np.ndarray) -> None:
        needed = self._length + audio.shape[0]
        if needed > self._data.shape[0]:
            grown = np.zeros(max(needed, 2 * self._data.shape[0]), dtype=np.float32)
            grown[: self._length] = self._data[: self._length]
            self._data = grown
        self._data[self._length : needed] = audio
        self._length = needed

    def slice(self, start: int, end: int) -> np.ndarray:
        """A copy, so a decode thread never sees the buffer move under it."""
        lo = max(start, self.start) - self.start
        hi = min(end, self.end) - self.start
        return self._data[lo:hi].copy()

    def drop_before(self, index: int) -> None:
        cut = min(max(index, self.start), self.end) - self.start
        if cut == 0:
            return
        remaining = self._length - cut
        self._data[:remaining] = self._data[cut : self._length]
        self._length = remaining
        self.start += cut


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
    previous_words: list[str] | None = None
    emitted_words: list[str] = field(default_factory=list)
    tentative_text: str = ""

    def tentative(self) -> str:
        """The latest hypothesis's words after the confirmed ones."""
        return " ".join((self.previous_words or [])[len(self.emitted_words) :])

    def agree(self, hypothesis: str, *, is_final: bool = False) -> str | None:
        """Local agreement: the delta of words two hypotheses in a row agree on, if any.

        The final hypothesis needs no second opinion: when the words sent so far are a
        prefix of it, the rest of it goes out, so the deltas add up to the final.
        """
        words = hypothesis.split()
        previous, self.previous_words = self.previous_words, words
        if is_final:
            previous = words
        if previous is None:
            return None
        agreed = 0
        for old, new in zip(previous, words, strict=False):
            if _norm(old) != _norm(new):
                break
            agreed += 1
        sent = len(self.emitted_words)
        if agreed <= sent or [_norm(w) for w in words[:sent]] != [
            _norm(w) for w in self.emitted_words
        ]:
            return None
        fresh = words[sent:agreed]
        self.emitted_words.extend(fresh)
        return (" " if sent else "") + " ".join(fresh)


def _norm(word: str) -> str:
    return _WORD_RE.sub("", word.lower())


def utterance_is_complete(text: str) -> bool | None:
    """Whether a transcript reads as a whole utterance: True, False (mid-phrase) or None.

    Whisper punctuates what it hears: a full stop, question or exclamation mark after a
    word that can end a sentence is complete; a trailing comma, colon, dash or ellipsis, or
    a last word such as "the", "to", "and" or "is", is not; anything else is unsure.
    """
    stripped = text.strip()
    if not stripped:
        return None
    last = _norm(stripped.split()[-1])
    if stripped.endswith(("...", "\u2026", ",", ";", ":", "-")) or last in _DANGLING_WORDS:
        return False
    if stripped.endswith((".", "?", "!")):
        return True
    return None


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
        self._buffer = _AudioBuffer()
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
                    delta = turn.agree(task.result(), is_final=task is decode)
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
        delta = turn.agree(" ".join(task.result().split()[:max_words]))
        tentative = turn.tentative()
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
