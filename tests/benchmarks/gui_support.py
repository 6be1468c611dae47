"""Shared parts of the desktop app's benchmarks: child processes, stalls, memory, audio, results.

The GUI benchmarks run the app in a child process of its own, so start-up is measured from a
cold interpreter and memory is the app's alone (not the test runner's). A child prints one
line `RESULT {json}`; the test reads it back, prints the figures and saves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import threading
import time
import traceback
import wave
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).parent / "results"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESULT_PREFIX = "RESULT "
HEARTBEAT_MS = 5
FRAME_GOAL_MS = 16.0
LONG_STALL_MS = 50.0
CLINICIAN_USERNAME = "bench-clinician"
CLINICIAN_PASSWORD = "benchmark clinician password"
_ADMIN_USERNAME = "bench-admin"
_ADMIN_PASSWORD = "benchmark admin password"


# --------------------------------------------------------------------------- results


def machine_info() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Print `figures` and save them with the machine's description as `results/<name>.json`."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "machine": machine_info(), **figures}
    text = json.dumps(document, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"\n=== {name} ===\n{text}\n(saved to {path})")
    return path


def emit_result(figures: dict[str, Any]) -> None:
    """The child's answer to its parent: one line, flushed at once."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(figures) + "\n")
    sys.stdout.flush()


def unlock_env() -> dict[str, str]:
    """A child unlocks the seeded folder with its passphrase.

    The keyring backend that always fails counts as no keyring, so the app never reads or
    writes the machine's password store. (Imported here, not at the top: the start-up
    child imports this module and its clock must not pay for the app's modules early.)
    """
    from tests.unlocked import TEST_PASSPHRASE

    return {
        "THERAPY_NOTES_PASSPHRASE": TEST_PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def run_child(
    module: str, *args: str, timeout_s: float, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float]:
    """Run `python -m module args` with an offscreen display; its result and the launch time.

    The launch time is the wall clock just before the process is created, so a child can
    time itself from its own birth (interpreter start and imports included).
    """
    child_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **unlock_env(), **(env or {})}
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-X", "utf8", "-m", module, *args, "--launched", repr(launched)],
        cwd=PROJECT_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise AssertionError(
            f"{module} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}"
        )
    return json.loads(lines[-1].removeprefix(RESULT_PREFIX)), launched


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MiB."""
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """The highest resident memory this process has had (VmHWM), in MiB."""
    return _status_kb("VmHWM") / 1024


def load_average() -> tuple[float, float, float]:
    """Other work on the machine inflates every timing here; the figures say how much."""
    return os.getloadavg()


def children_rss_mb() -> dict[int, float]:
    """Resident memory of each child process of this one (the engine's), by pid, in MiB.

    A child belongs to the thread that started it, so every thread's list is read.
    """
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids.update(int(p) for p in (task / "children").read_text(encoding="ascii").split())
    sizes: dict[int, float] = {}
    for pid in sorted(pids):
        with contextlib.suppress(OSError, LookupError):
            sizes[pid] = _status_kb("VmRSS", f"/proc/{pid}/status") / 1024
    return sizes


def _status_kb(key: str, path: str = "/proc/self/status") -> float:
    for line in Path(path).read_text(encoding="ascii").splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    raise LookupError(f"{key} is not in {path}")


# --------------------------------------------------------------------------- data


class _Unattended:
    """Set-up of a throwaway folder: nobody to ask, and nobody needs its recovery key."""

    def passphrase(self, *, is_new: bool) -> str | None:
        return None

    def recovery_key(self) -> str | None:
        return None

    def show_recovery_key(self, recovery_key: str) -> None:
        """The folder is deleted after the run; there is nothing to recover."""


def seed_database(data_dir: Path, patients: int) -> int:
    """A data folder the app can open: passphrase-protected key, patients and two accounts.

    The key is set up in passphrase mode (`TEST_PASSPHRASE`, which `UNLOCK_ENV` gives the
    child), the encrypted database holds `patients` made-up profiles, and `UsersService`
    with the app's own Argon2 settings creates the administrator and, as that admin, the
    clinician whom the children sign in as. So sign-in costs what it costs a clinician.
    """
    from tests.unlocked import TEST_PASSPHRASE, NoKeyring
    from therapy_notes.domain.key_wrap import PASSPHRASE_ENV
    from therapy_notes.domain.patients import Patient
    from therapy_notes.domain.users import Role
    from therapy_notes.services.keys import KeyService
    from therapy_notes.services.users import UsersService
    from therapy_notes.storage.database import open_database
    from therapy_notes.storage.key_file import KeyFile

    db_path = data_dir / "therapy_notes.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = (
        KeyService(
            db_path,
            key_file=KeyFile(db_path),
            keyring=NoKeyring(),
            prompt=_Unattended(),
            env={PASSPHRASE_ENV: TEST_PASSPHRASE},
        )
        .unlock()
        .key
    )
    database = open_database(db_path, key)
    try:
        with database.uow_factory() as uow:
            for number in range(patients):
                uow.patients.add(
                    Patient(
                        f"Test Patient {number:04d}",
                        f"MRN-{100000 + number}",
                        date(1950 + number % 50, 1 + number % 12, 1 + number % 28),
                        ("Right rotator cuff repair",),
                        ("Reach overhead shelf",),
                        ("No lifting over 2 kg",),
                        "soap",
                    )
                )
        users = UsersService(database.uow_factory)

        async def accounts() -> None:
            admin = await users.create_user(
                _ADMIN_USERNAME, "Benchmark Admin", Role.ADMIN, _ADMIN_PASSWORD
            )
            await users.create_user(
                CLINICIAN_USERNAME,
                "Benchmark Clinician",
                Role.CLINICIAN,
                CLINICIAN_PASSWORD,
                actor=admin,
            )

        asyncio.run(accounts())
        with database.uow_factory() as uow:
            assert len(uow.users.list()) == 2
            return len(uow.patients.list())
    finally:
        database.close()


def unlock_seconds(data_dir: Path) -> float:
    """How long unwrapping the folder's key from its passphrase takes (scrypt).

    The app pays this before its first window in passphrase mode; with an OS keyring it
    does not. Reported beside start-up so the two can be told apart.
    """
    from tests.unlocked import folder_key

    started = time.perf_counter()
    folder_key(data_dir / "therapy_notes.db")
    return time.perf_counter() - started


def session_audio(path: Path, target_s: float) -> tuple[Path, int]:
    """A WAV of at least `target_s` seconds: the speech fixtures over and over, in order.

    Returns the path and how many fixture recordings it holds.
    """
    from tests.speech import FIXTURES, LONG_SESSION, SAMPLE_RATE_HZ, read_pcm16

    cycle = [read_pcm16(f.path) for f in (*FIXTURES, LONG_SESSION)]
    target_bytes = int(target_s * SAMPLE_RATE_HZ) * 2
    written = pieces = 0
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE_HZ)
        while written < target_bytes:
            pcm = cycle[pieces % len(cycle)]
            wav.writeframes(pcm)
            written += len(pcm)
            pieces += 1
    return path, pieces


# --------------------------------------------------------------------------- stalls


@dataclass
class StallRecord:
    """Gaps between heartbeat ticks on the UI thread; a gap is how long input would wait."""

    gaps_ms: list[float] = field(default_factory=list)
    at_s: list[float] = field(default_factory=list)
    """When each gap ended, in seconds since recording of gaps began."""

    def summary(self, worst: int = 10) -> dict[str, Any]:
        order = sorted(range(len(self.gaps_ms)), key=lambda i: self.gaps_ms[i], reverse=True)
        return {
            "ticks": len(self.gaps_ms),
            "max_ms": rounded(max(self.gaps_ms, default=None)),
            "p50_ms": rounded(percentile(self.gaps_ms, 50)),
            "p99_ms": rounded(percentile(self.gaps_ms, 99)),
            "p999_ms": rounded(percentile(self.gaps_ms, 99.9)),
            "over_16ms": sum(g > FRAME_GOAL_MS for g in self.gaps_ms),
            "over_50ms": sum(g > LONG_STALL_MS for g in self.gaps_ms),
            "worst": [
                {"gap_ms": rounded(self.gaps_ms[i]), "at_s": rounded(self.at_s[i], 2)}
                for i in order[:worst]
            ],
        }


class Heartbeat:
    """A 5 ms precise QTimer on the UI thread recording the time between its ticks.

    Every tick also stamps `last_tick`, which `StallSampler` watches from another thread.
    """

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.record = StallRecord()
        self.last_tick = time.perf_counter()
        self.origin = self.last_tick
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.last_tick = self.origin = time.perf_counter()
        self.record = StallRecord()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.record.gaps_ms.append((now - self.last_tick) * 1000)
        self.record.at_s.append(now - self.origin)
        self.last_tick = now


class StallSampler:
    """Samples the UI thread's Python stack whenever the heartbeat is late.

    A watchdog thread wakes every `period_ms`; when the heartbeat has not ticked for more
    than `threshold_ms`, it records where the main thread is. Only the stalls are sampled,
    so the counts say what the UI thread was doing while input waited. A stall spent in
    C++ that holds the GIL shows as the Python line that called into it.
    """

    def __init__(
        self, heartbeat: Heartbeat, *, threshold_ms: float = FRAME_GOAL_MS, period_ms: float = 4.0
    ) -> None:
        self._heartbeat = heartbeat
        self._threshold_s = threshold_ms / 1000
        self._period_s = period_ms / 1000
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-sampler", daemon=True)
        self.stacks: Counter[tuple[str, ...]] = Counter()
        self.samples = 0
        self.timeline: list[tuple[float, tuple[str, ...]]] = []
        """(seconds since the heartbeat started, stack) of every sample."""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self._period_s):
            if time.perf_counter() - self._heartbeat.last_tick < self._threshold_s:
                continue
            frame = sys._current_frames().get(self._main or 0)
            if frame is not None:
                stack = _stack(frame)
                self.stacks[stack] += 1
                self.samples += 1
                self.timeline.append((time.perf_counter() - self._heartbeat.origin, stack))

    def during(self, record: StallRecord, worst: int = 8) -> list[dict[str, Any]]:
        """For each of the worst gaps, the stack sampled most often while it lasted."""
        order = sorted(range(len(record.gaps_ms)), key=lambda i: record.gaps_ms[i], reverse=True)[
            :worst
        ]
        out = []
        for i in order:
            end = record.at_s[i]
            begin = end - record.gaps_ms[i] / 1000
            seen = Counter(stack for at, stack in self.timeline if begin <= at <= end)
            top = seen.most_common(1)
            out.append(
                {
                    "gap_ms": rounded(record.gaps_ms[i]),
                    "at_s": rounded(end, 2),
                    "samples": sum(seen.values()),
                    "top_stack": list(top[0][0][:10]) if top else [],
                }
            )
        return out

    def report(self, top: int = 15) -> dict[str, Any]:
        """The most sampled stacks, and the project functions seen most in stalled stacks."""
        own: Counter[str] = Counter()
        for stack, count in self.stacks.items():
            for name in {f for f in stack if "therapy_notes" in f}:
                own[name] += count
        return {
            "stall_samples": self.samples,
            "project_functions": [{"where": k, "samples": v} for k, v in own.most_common(top)],
            "stacks": [{"samples": v, "stack": list(k)} for k, v in self.stacks.most_common(top)],
        }


def _stack(frame: FrameType, depth: int = 14) -> tuple[str, ...]:
    """Innermost first: `module/file.py:line function` for each frame."""
    out = []
    for summary in traceback.extract_stack(frame)[::-1][:depth]:
        parts = Path(summary.filename).parts
        short = "/".join(parts[-3:]) if "therapy_notes" in parts else "/".join(parts[-2:])
        out.append(f"{short}:{summary.lineno} {summary.name}")
    return tuple(out)
