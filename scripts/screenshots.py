"""Screenshots of the app's main states, for review: `python scripts/screenshots.py OUT_DIR`.

Runs the real app offscreen (local engine, a temporary database, the bundled sample
dictation instead of a microphone, an in-memory keyring) and saves one PNG per state.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import keyring.errors
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from therapy_notes.app import AppParts, build_app, pcm16_level
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.cli import sample_recording
from therapy_notes.config import AppConfig
from therapy_notes.domain.patients import Patient
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.settings_store import ENGINE_CUSTOM


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("none")


async def _until(predicate: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        await asyncio.sleep(0.05)


def _save(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    widget.grab().save(str(path))
    sys.stdout.write(f"{path}\n")


def _finals(parts: AppParts) -> int:
    return sum(1 for t in parts.window.transcript.texts() if t.startswith("["))


async def _shoot(out: Path, data_dir: Path) -> None:
    wav = sample_recording()
    devices = DeviceAccess(lambda: ["Sample dictation (WAV)"],
                           lambda _name: WavSource(wav, realtime=True), pcm16_level)
    parts = await build_app(AppConfig(data_dir=data_dir), devices=devices,
                            audio_factory=lambda _name: WavSource(wav, realtime=True))
    window, library = parts.window, parts.library
    window.resize(1400, 860)
    window.show()
    parts.engine.start()
    library.save_patient(Patient("Jordan Lee", "MRN-20417", date(1968, 3, 14),
                                 ("Right rotator cuff repair",), ("Reach overhead shelf",),
                                 ("No lifting over 2 kg",), "soap"))
    await library.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    await _until(lambda: window.patients.current_patient is not None)
    _save(window, out / "01_empty.png")

    window.start_recording()
    await _until(lambda: _finals(parts) >= 2 and any(
        s.entry_texts() for s in window.note.sections()))
    await _until(lambda: any(t.startswith("…") for t in window.transcript.texts()), 20)
    _save(window, out / "02_live_session.png")
    window.bar.stop_button.click()
    await _until(lambda: not parts.recording.is_active, 90)

    parts.settings.save(replace(parts.settings.settings, token_cap=120), None)
    await parts.settings.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    window.start_recording()
    await _until(lambda: window.budget.level == "red" and _finals(parts) >= 3, 90)
    _save(window, out / "03_budget_red.png")
    window.bar.stop_button.click()
    await _until(lambda: not parts.recording.is_active, 90)

    window.open_settings()
    dialog = window.settings_dialog
    if dialog is not None:
        await _until(lambda: dialog.device.count() > 1)
        _save(dialog, out / "04_settings.png")
        dialog.reject()

    parts.settings.save(replace(parts.settings.settings, engine=ENGINE_CUSTOM,
                                custom_url="ws://127.0.0.1:9/v1"), None)
    await parts.settings.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    window.start_recording()
    await _until(lambda: window.notice.isVisible() and window.notice.is_error, 60)
    _save(window, out / "05_error_engine_unreachable.png")
    window.close()
    await parts.shutdown()


def main(argv: list[str]) -> int:
    """Save the screenshots into the folder given as the only argument."""
    if len(argv) != 2:
        sys.stderr.write("usage: screenshots.py OUT_DIR\n")
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(_MemoryKeyring())
    app = QApplication(argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory() as data_dir, \
            asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(_shoot(out, Path(data_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
