import asyncio
import contextlib
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.speech import FIXTURES, word_error_rate
from therapy_notes.domain import audio_format
from therapy_notes.engine.asr import (
    BUNDLED_MODEL_SHA256,
    Recognizer,
    bundled_model_dir,
    collapse_repeats,
    file_sha256,
    plan_workers,
)
from therapy_notes.errors import ModelError
from therapy_notes.pcm import MODEL_RATE_HZ, pcm16_to_float, resample


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer.load()


def _audio_16k(pcm16: bytes) -> np.ndarray:
    return resample(pcm16_to_float(pcm16), audio_format.SAMPLE_RATE_HZ, MODEL_RATE_HZ)


def test_bundled_model_matches_the_pinned_hash(recognizer: Recognizer) -> None:
    assert file_sha256(bundled_model_dir() / "model.bin") == BUNDLED_MODEL_SHA256


@pytest.mark.expected_log("therapy_notes.engine.asr", "ERROR", match=r"^model\.bin hash mismatch")
def test_tampered_model_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    weights = copy / "model.bin"
    with weights.open("r+b") as fh:
        fh.seek(1_000_000)
        byte = fh.read(1)
        fh.seek(1_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="damaged") as caught:
        Recognizer.load(copy, expected_sha256=BUNDLED_MODEL_SHA256)
    assert "Reinstall" in str(caught.value)


def test_missing_model_folder_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        Recognizer.load(tmp_path / "nowhere")


def test_folder_without_weights_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"no model\.bin"):
        Recognizer.load(tmp_path)


def test_unreadable_weights_are_a_model_error(tmp_path: Path) -> None:
    shutil.copytree(bundled_model_dir(), tmp_path / "model")
    (tmp_path / "model" / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not be loaded"):
        Recognizer.load(tmp_path / "model")


def test_final_decodes_of_the_fixtures_are_accurate(recognizer: Recognizer) -> None:
    hypotheses = [recognizer.decode(_audio_16k(f.pcm16())) for f in FIXTURES]
    wer = word_error_rate([f.text for f in FIXTURES], hypotheses)
    # tiny.en on synthetic voices: measured 0.28 over all fixtures.
    assert wer <= 0.35, wer


def test_partial_decode_is_greedy_but_close(recognizer: Recognizer) -> None:
    fixtures = FIXTURES[:4]
    hypotheses = [recognizer.decode(_audio_16k(f.pcm16()), partial=True) for f in fixtures]
    assert word_error_rate([f.text for f in fixtures], hypotheses) <= 0.5


def test_silence_decodes_to_nothing(recognizer: Recognizer) -> None:
    assert recognizer.decode(np.zeros(16_000 * 2, dtype=np.float32)) == ""


class _ThreadRecordingRecognizer(Recognizer):
    """The real model; each decode records its thread and the loop ticks seen meanwhile."""

    def __init__(self, model: object, ticks: list[int]) -> None:
        super().__init__(model, num_workers=2)
        self._ticks = ticks
        self.decodes: list[tuple[int, int, int]] = []  # (thread, ticks before, ticks after)

    def decode(self, audio_16k: np.ndarray, partial: bool = False) -> str:
        before = self._ticks[0]
        text = super().decode(audio_16k, partial)
        self.decodes.append((threading.get_ident(), before, self._ticks[0]))
        return text


async def test_transcribe_runs_off_the_event_loop(recognizer: Recognizer) -> None:
    # Order and threads, not milliseconds: the decodes run on worker threads, and the loop
    # keeps ticking while they run (tests/benchmarks/test_loop_stalls.py measures the gaps).
    audio = [_audio_16k(f.pcm16()) for f in FIXTURES[:2]]
    ticks = [0]
    done = asyncio.Event()
    spying = _ThreadRecordingRecognizer(recognizer._model, ticks)

    async def ticker() -> None:
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks[0] += 1

    tick = asyncio.create_task(ticker())
    texts = await asyncio.gather(*(spying.transcribe(a) for a in audio))
    done.set()
    await tick
    spying.close()
    assert word_error_rate([f.text for f in FIXTURES[:2]], texts) <= 0.6
    assert len(spying.decodes) == 2
    assert threading.get_ident() not in {thread for thread, _, _ in spying.decodes}
    assert any(after > before for _, before, after in spying.decodes), (
        "the event loop ran while a decode was in progress"
    )


def test_workers_times_threads_is_the_core_count() -> None:
    assert plan_workers(1) == (1, 1)
    assert plan_workers(2) == (1, 2)
    assert plan_workers(3) == (1, 3)
    assert plan_workers(4) == (2, 2)
    assert plan_workers(8) == (2, 4)


class _GatedRecognizer(Recognizer):
    """No model work: each decode records what it was and, for partials, waits for a gate."""

    def __init__(self, model: object, *, num_workers: int) -> None:
        super().__init__(model, num_workers=num_workers)
        self.gate = threading.Event()
        self.order: list[str] = []

    def decode(self, audio_16k: np.ndarray, partial: bool = False) -> str:
        if partial:
            self.gate.wait(30)
        label = f"{'partial' if partial else 'final'}:{int(audio_16k[0])}"
        self.order.append(label)
        return label


async def _until_running(recognizer: _GatedRecognizer, count: int) -> None:
    while sum(recognizer.decodes_run.values()) < count:  # noqa: ASYNC110 (a worker thread)
        await asyncio.sleep(0.001)


async def test_a_waiting_final_goes_before_waiting_partials(recognizer: Recognizer) -> None:
    gated = _GatedRecognizer(recognizer._model, num_workers=1)
    first = asyncio.ensure_future(gated.transcribe(np.full(10, 1.0), partial=True))
    await _until_running(gated, 1)
    later = asyncio.ensure_future(gated.transcribe(np.full(10, 2.0), partial=True))
    final = asyncio.ensure_future(gated.transcribe(np.full(10, 3.0)))
    await asyncio.sleep(0)
    assert gated.is_saturated
    gated.gate.set()
    await asyncio.gather(first, later, final)
    gated.close()
    assert gated.order == ["partial:1", "final:3", "partial:2"]


async def test_finals_have_a_worker_of_their_own(recognizer: Recognizer) -> None:
    gated = _GatedRecognizer(recognizer._model, num_workers=2)
    partial = asyncio.ensure_future(gated.transcribe(np.full(10, 1.0), partial=True))
    await _until_running(gated, 1)
    queued = asyncio.ensure_future(gated.transcribe(np.full(10, 2.0), partial=True))
    # The only worker that takes partials is busy: a final still runs at once.
    assert await asyncio.wait_for(gated.transcribe(np.full(10, 3.0)), 30) == "final:3"
    assert not partial.done()
    # A partial dropped before any worker took it never runs.
    queued.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await queued
    gated.gate.set()
    await partial
    gated.close()
    assert gated.order == ["final:3", "partial:1"]
    assert gated.decodes_run == {"final": 1, "partial": 1}


def test_a_phrase_the_decoder_looped_on_is_said_once() -> None:
    assert collapse_repeats("Okay, good. Okay, good. Okay, good. Okay") == "Okay, good."
    assert collapse_repeats("The knee is fine. The knee is fine. The knee is fine.") == (
        "The knee is fine."
    )
    # Speech that repeats itself the way people do is left alone.
    for said in (
        "No, no, no.",
        "I said thank you, thank you.",
        "Okay good okay good okay good then we stretch",
        "Two sets of ten, two sets of ten.",
    ):
        assert collapse_repeats(said) == said
