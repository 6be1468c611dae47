"""Child process of the long-session benchmark: the real app through a long streamed session.

`python -m tests.benchmarks.gui_session_child --data-dir D --wav W --speed S --launched T
[--sample-stalls] [--engine process|thread]` builds the app as `run_app` does (the local
engine in a process of its own loading its own model, over loopback; the encrypted database
in `D` opened with the folder's key; garbage collection on the GUI thread), signs the
seeded clinician in through the sign-in dialog, shows the window, picks a patient and
records `W` through the record button, paced at `S` times real time. A 5 ms heartbeat on
the UI thread records every gap between its ticks from the press of Record until the
session is saved. Memory is read at start, once the engine has loaded its model, and at
the end: the window's process, and the engine's child process apart.

With `--sample-stalls`, a watchdog thread also samples the UI thread's stack whenever the
heartbeat is late, to say which code the stalls are spent in.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.benchmarks.gui_support import (
    CLINICIAN_PASSWORD,
    CLINICIAN_USERNAME,
    Heartbeat,
    StallSampler,
    children_rss_mb,
    emit_result,
    load_average,
    peak_rss_mb,
    rss_mb,
)
from tests.unlocked import folder_key
from therapy_notes.app import AppParts, build_app, local_engine_opener, pcm16_level
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.config import AppConfig
from therapy_notes.desktop import sign_in
from therapy_notes.domain.session import RecordingState
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog
from therapy_notes.ui.gc_collector import GuiThreadCollector
from therapy_notes.ui.settings_store import ApiKeyStore

SETTLE_S = 3.0
"""After the file ends, time for the last turn's final before Stop is pressed."""
LOCK_AFTER_S = 4 * 3600
"""Nobody touches keyboard or mouse during the run, so the idle lock (5 minutes by default)
would hide the very views being measured; a clinician may choose a longer limit too."""


class TrackedWav:
    """A paced WAV source that says when the file has been fully handed out."""

    def __init__(self, path: Path, speed: float) -> None:
        self._source = WavSource(path, realtime=True, speed=speed)
        self.finished = asyncio.Event()
        self.sent_s = 0.0

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self._source.chunks():
            self.sent_s += len(chunk) / 2 / 24_000
            yield chunk
        self.finished.set()

    def stop(self) -> None:
        self._source.stop()
        self.finished.set()


async def until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _engine_rss_mb() -> float:
    """The engine's process, or 0 for an engine on a thread.

    The window's other child, multiprocessing's small resource tracker, is left out.
    """
    engine = {
        pid: size
        for pid, size in children_rss_mb().items()
        if b"resource_tracker" not in _cmdline(pid)
    }
    return round(sum(engine.values()), 1)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def type_credentials(dialog: SignInDialog) -> None:
    """Fill in the seeded clinician's name and password and click Sign in."""
    dialog.username.setText(CLINICIAN_USERNAME)
    dialog.password.setText(CLINICIAN_PASSWORD)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def sizes(parts: AppParts) -> dict[str, Any]:
    """How much the session view was holding: rows, characters, note entries."""
    rows = parts.window.transcript.texts()
    entries = [t for s in parts.window.note.sections() for t in s.entry_texts()]
    return {
        "transcript_rows": len(rows),
        "transcript_final_rows": sum(r.startswith("[") for r in rows),
        "transcript_chars": sum(len(r) for r in rows),
        "note_entries": len(entries),
        "note_chars": sum(len(e) for e in entries),
    }


async def session(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"rss_mb": {"start": round(rss_mb(), 1)}}
    sources: list[TrackedWav] = []

    def open_wav(_device: str) -> TrackedWav:
        sources.append(TrackedWav(args.wav, args.speed))
        return sources[-1]

    config = AppConfig(data_dir=args.data_dir)
    # `--engine thread`: the engine the window ran before it had a process of its own
    # (models loaded in this process), to compare the two on the same machine and load.
    # (Imported only then: the speech libraries must not count in the window's memory.)
    models = None
    if args.engine == "thread":
        from therapy_notes.engine.turns import EngineModels

        models = await asyncio.to_thread(EngineModels.load)
    parts = await build_app(
        config,
        audio_factory=open_wav,
        devices=DeviceAccess(lambda: ["Benchmark WAV"], open_wav, pcm16_level),
        engine_opener=local_engine_opener(config, models),
        keys=ApiKeyStore(),
        db_key=folder_key(config.db_path),
    )
    window = parts.window
    parts.engine.start()
    user = await sign_in(parts.users, opened=type_credentials)
    if user is None:
        raise RuntimeError("the seeded clinician could not sign in")
    parts.lock.set_lock_after(LOCK_AFTER_S)
    window.resize(1280, 800)
    window.show()
    parts.library.list_patients()
    await until(lambda: parts.engine.state is EngineState.READY, 120, "engine ready")
    await until(lambda: window.patients.patients.count() > 1, 30, "patient list")
    figures["rss_mb"]["engine_ready"] = round(rss_mb(), 1)
    figures["engine_rss_mb"] = {"engine_ready": _engine_rss_mb()}
    window.patients.patients.setCurrentRow(1)

    heartbeat = Heartbeat()
    sampler = StallSampler(heartbeat) if args.sample_stalls else None
    heartbeat.start()
    if sampler is not None:
        sampler.start()
    started = time.monotonic()
    window.bar.record_button.click()
    await until(lambda: bool(sources), 60, "the audio source to open")
    last_report = started
    series: list[dict[str, Any]] = []
    while not sources[0].finished.is_set():
        await asyncio.sleep(0.5)
        if time.monotonic() - last_report > 30:
            last_report = time.monotonic()
            series.append(
                {
                    "wall_s": round(last_report - started),
                    "audio_s": round(sources[0].sent_s),
                    "rss_mb": round(rss_mb(), 1),
                    "engine_rss_mb": _engine_rss_mb(),
                    "load_1m": round(load_average()[0], 2),
                    **sizes(parts),
                }
            )
            sys.stderr.write(f"{series[-1]}\n")
    figures["progress"] = series
    streamed_s = time.monotonic() - started
    await asyncio.sleep(SETTLE_S)
    before_stop = sizes(parts)
    window.bar.stop_button.click()
    await until(lambda: not parts.recording.is_active, 120, "the session to be saved")
    await parts.library.wait_idle()
    heartbeat.stop()
    if sampler is not None:
        sampler.stop()
    figures["rss_mb"]["end"] = round(rss_mb(), 1)
    figures["rss_mb"]["peak"] = round(peak_rss_mb(), 1)
    figures["engine_rss_mb"]["end"] = _engine_rss_mb()
    figures["recording_state"] = str(parts.recording.state)
    figures["stopped_cleanly"] = parts.recording.state is RecordingState.STOPPED
    figures["audio_s"] = round(sources[0].sent_s, 1)
    figures["wall_s_streaming"] = round(streamed_s, 1)
    figures["wall_s_total"] = round(time.monotonic() - started, 1)
    figures["sizes_before_stop"] = before_stop
    figures["sizes_end"] = sizes(parts)
    figures["database_mb"] = round(
        sum(p.stat().st_size for p in args.data_dir.glob("therapy_notes.db*")) / 2**20, 2
    )
    figures["stalls"] = heartbeat.record.summary()
    figures["cpu_s"] = round(time.process_time(), 1)
    figures["load_average_end"] = [round(v, 2) for v in load_average()]
    if sampler is not None:
        figures["stall_profile"] = {
            **sampler.report(),
            "worst_gaps": sampler.during(heartbeat.record),
        }
    window.close()
    await parts.shutdown()
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--wav", type=Path, required=True)
    parser.add_argument("--speed", type=float, required=True)
    parser.add_argument("--sample-stalls", action="store_true")
    parser.add_argument("--engine", choices=("process", "thread"), default="process")
    parser.add_argument("--launched", type=float, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    collector = GuiThreadCollector()
    collector.start()
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            figures = runner.run(session(args))
    finally:
        collector.stop()
    emit_result(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
