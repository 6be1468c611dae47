"""`therapy-notes --self-test`: prove an installed copy works, end to end, in seconds.

An installer can look complete and still miss a model file, a migration script or a Qt
plugin; the first person to notice would be a clinician at the start of a session. The
self-test runs what a session runs: it loads the speech models (checking the built-in
model's checksum), upgrades a new database in a temporary folder, streams the bundled sample
dictation through the local engine, the realtime link and the recording service into an
encrypted SQLite file, and reads the transcript and the note back from the file. It also
starts Qt with its platform plugin, since the window is what a clinician opens first.
Nothing touches the network or the user's own data.

The verdict is one line, so a build pipeline, a support call or an IT department can read
it: `self-test passed: ...` with the timings, or `self-test FAILED: <reason> (...)`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from therapy_notes.domain.engine_url import EngineCredentials, credential_for
from therapy_notes.errors import UserFacingError
from therapy_notes.resource_paths import resource_path

if TYPE_CHECKING:
    from therapy_notes.storage.database import Database

_log = logging.getLogger(__name__)

EXIT_PASSED, EXIT_FAILED = 0, 1
MAX_WER = 0.35
"""Whisper tiny.en on the sample scores well under this; a wrong model or broken audio path
scores far above it."""
TIMEOUT_S = 300.0
"""A hung engine or link must end in a verdict, not a self-test that never returns."""
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


# -- measuring --------------------------------------------------------------------------


def normalised_words(text: str) -> list[str]:
    """Lower-case words without punctuation: WER should count words, not commas."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance.

    Small and self-contained on purpose: the installed app must not depend on a test
    library to judge itself.

    Raises:
        ValueError: the reference has no words, so no rate can be computed.
    """
    ref = normalised_words(reference)
    hyp = normalised_words(hypothesis)
    if not ref:
        raise ValueError("the reference transcript has no words")
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i, *([0] * len(hyp))]
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (ref_word != hyp_word),  # substitution or match
            )
        previous = current
    return previous[-1] / len(ref)


@dataclass(slots=True)
class SelfTestReport:
    """What the self-test measured so far; `line()` is the one-line verdict."""

    failure: str | None = None
    model_load_s: float | None = None
    wer: float | None = None
    segments: int = 0
    note_entries: int = 0
    qt: str | None = None
    total_s: float = 0.0

    @property
    def is_passed(self) -> bool:
        return self.failure is None

    def line(self) -> str:
        """`self-test passed: ...` or `self-test FAILED: reason (...)`, always one line."""
        parts: list[str] = []
        if self.model_load_s is not None:
            parts.append(f"model load {self.model_load_s:.1f} s")
        if self.wer is not None:
            parts.append(f"transcript WER {self.wer:.0%}")
        if self.is_passed or self.segments:
            parts.append(f"{self.segments} segments, {self.note_entries} note entries")
        if self.qt is not None:
            parts.append(f"qt {self.qt}")
        parts.append(f"total {self.total_s:.1f} s")
        details = ", ".join(parts)
        if self.failure is None:
            return f"self-test passed: {details}"
        reason = " ".join(self.failure.split())  # one line, whatever the message held
        return f"self-test FAILED: {reason} ({details})"


class CheckFailedError(Exception):
    """A check did not hold; the message is the reason printed in the verdict."""


# -- the checks -------------------------------------------------------------------------


def sample_files() -> tuple[Path, str]:
    """The bundled sample dictation and what was said in it."""
    wav = resource_path("samples", "sample_session.wav")
    reference = resource_path("samples", "sample_session.txt").read_text(encoding="utf-8")
    return wav, reference


def check_qt() -> str:
    """Start Qt (or use the running application) and name its platform and style.

    A frozen app that lacks its platform plugin cannot open a window at all, so this is
    the first thing to prove. On Linux with no display, the offscreen plugin is used: it
    is loaded from the same plugin folder as the others.
    """
    from PySide6.QtWidgets import QApplication

    import therapy_notes.desktop  # noqa: F401  (the window's code and its libraries import)

    app = QApplication.instance()
    if app is None:
        argv = [sys.argv[0] if sys.argv else "therapy-notes"]
        if _needs_offscreen():
            argv += ["-platform", "offscreen"]
        app = QApplication(argv)
    if not isinstance(app, QApplication):
        raise CheckFailedError("Qt is running without widgets support")
    platform = QApplication.platformName()
    style = app.style().name()
    if not platform:
        raise CheckFailedError("Qt started without a platform plugin")
    return f"{platform}/{style}"


def _needs_offscreen() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def check_session_path(
    report: SelfTestReport,
    *,
    folder: Path,
    model_dir: Path | None,
    recording: Path,
    reference: str,
    max_wer: float,
) -> None:
    """Models -> engine -> link -> service -> SQLite, then judge what was stored."""
    from therapy_notes.audio.wav_source import WavSource
    from therapy_notes.domain.keys import DatabaseKey
    from therapy_notes.domain.notes import EntrySource
    from therapy_notes.engine.server import LocalEngine
    from therapy_notes.engine.turns import EngineModels
    from therapy_notes.realtime.links import link_factory
    from therapy_notes.services.recording import RecordingService, RecordingSettings
    from therapy_notes.storage.database import open_database

    source = WavSource(recording)
    started = time.perf_counter()
    models = await asyncio.to_thread(EngineModels.load, model_dir)
    report.model_load_s = time.perf_counter() - started
    try:
        # Encrypted with a throwaway key, as the app opens its own: SQLCipher is native
        # code that an installer can leave out.
        database = await asyncio.to_thread(
            open_database, folder / "self_test.db", DatabaseKey.generate()
        )
        try:
            async with LocalEngine(models) as engine:
                service = RecordingService(
                    uow_factory=database.uow_factory,
                    link_factory=link_factory(
                        engine.url,
                        # The engine's per-run token, as domain.engine_url picks it.
                        credential_for(engine.url, EngineCredentials(engine_token=engine.token)),
                        is_cloud=False,
                    ),
                    settings=RecordingSettings(
                        engine_name="local", entry_source=EntrySource.LOCAL_COMPOSER
                    ),
                )
                await service.start(source, template="soap")
                await service.wait_for_audio_end()
                await service.stop()
                if service.failure is not None:
                    raise service.failure
                session_id = service.session_id
            if session_id is None:
                raise CheckFailedError("the recording service opened no session")
            transcript = await asyncio.to_thread(_read_back, report, database, session_id)
        finally:
            await asyncio.to_thread(database.close)
    finally:
        models.close()
    if report.segments == 0:
        raise CheckFailedError("no transcript segments were stored")
    report.wer = word_error_rate(reference, transcript)
    if report.wer > max_wer:
        raise CheckFailedError(
            f"transcript WER {report.wer:.0%} is above {max_wer:.0%}: the speech model or "
            "the audio path is not working as built"
        )
    if report.note_entries == 0:
        raise CheckFailedError("no note entries were produced from the transcript")


def _read_back(report: SelfTestReport, database: Database, session_id: int) -> str:
    """Count what reached the database file; return the stored transcript."""
    with database.uow_factory() as uow:
        segments = uow.segments.for_session(session_id)
        note = uow.notes.load(session_id)
    report.segments = len(segments)
    report.note_entries = len(note.entries)
    return " ".join(segment.text for segment in segments)


# -- entry point ------------------------------------------------------------------------


def run(
    *,
    model_dir: Path | None = None,
    recording: Path | None = None,
    reference: str | None = None,
    max_wer: float = MAX_WER,
    timeout_s: float = TIMEOUT_S,
    with_qt: bool = True,
    out: TextIO | None = None,
) -> int:
    """Run every check, write the one-line verdict to `out`, return the exit code.

    Args:
        model_dir: a speech model folder to test instead of the built-in one.
        recording: a WAV file instead of the bundled sample (with its `reference` text).
        reference: what was said in `recording`.
        max_wer: the highest word error rate that still passes.
        timeout_s: the longest the session path may take.
        with_qt: also start Qt and its platform plugin.
        out: where the verdict goes (standard output by default).

    Returns:
        0 when every check passed, 1 otherwise (the line says why).
    """
    out = out or sys.stdout
    report = SelfTestReport()
    started = time.perf_counter()
    try:
        sample_wav, sample_text = sample_files()
        if with_qt:
            report.qt = check_qt()
        with tempfile.TemporaryDirectory(prefix="therapy-notes-self-test-") as folder:
            asyncio.run(
                asyncio.wait_for(
                    check_session_path(
                        report,
                        folder=Path(folder),
                        model_dir=model_dir,
                        recording=recording or sample_wav,
                        reference=sample_text if reference is None else reference,
                        max_wer=max_wer,
                    ),
                    timeout_s,
                )
            )
    except CheckFailedError as exc:
        report.failure = str(exc)
    except UserFacingError as exc:
        report.failure = str(exc)
    except TimeoutError:
        report.failure = f"the sample session did not finish within {timeout_s:.0f} s"
    except Exception as exc:  # noqa: BLE001  (a broken install must still get a verdict)
        _log.exception("self-test failed unexpectedly")
        report.failure = f"{type(exc).__name__}: {exc}"
    report.total_s = time.perf_counter() - started
    _log.info("self-test %s in %.1f s", "passed" if report.is_passed else "failed", report.total_s)
    out.write(report.line() + "\n")
    out.flush()
    return EXIT_PASSED if report.is_passed else EXIT_FAILED
