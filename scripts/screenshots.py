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
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import keyring.errors
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from therapy_notes.app import AppParts, build_app, pcm16_level, sign_in
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.cli import sample_recording
from therapy_notes.config import AppConfig
from therapy_notes.domain.notes import Measurement
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import SessionStatus
from therapy_notes.domain.users import Role
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog
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


async def _accounts(parts: AppParts, out: Path) -> None:
    """First-run admin, a clinician and a reviewer; the sign-in dialog after a wrong password."""
    users = parts.users
    users.create_first_admin("admin", "Clinic Admin", "admin-pass-1")
    await _until(lambda: users.current_user is not None)
    users.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "ana-pass-1", "OTR/L")
    users.create_user("rae", "Rae Vo", Role.REVIEWER, "rae-pass-1", "PT, DPT")
    await users.wait_idle()
    dialogs: list[SignInDialog] = []
    signing_in = asyncio.ensure_future(sign_in(users, dialogs.append))
    await _until(lambda: bool(dialogs))
    dialog = dialogs[0]
    dialog.username.setText("ana")
    dialog.password.setText("wrong password")
    dialog.submit()
    await _until(lambda: dialog.error.isVisible())
    _save(dialog, out / "06_sign_in_refused.png")
    dialog.password.setText("ana-pass-1")
    dialog.submit()
    await signing_in


async def _review_and_progress(parts: AppParts, out: Path) -> None:
    """Sign the first recorded note, add an addendum, co-sign; then chart and lock."""
    window, notes = parts.window, parts.notes
    patient = window.patients.current_patient
    assert patient is not None
    assert patient.id is not None
    with parts.database.uow_factory() as uow:
        sessions = sorted(uow.sessions.for_patient(patient.id), key=lambda r: r.started_at)
        first = sessions[0]
        for weeks_ago, flexion, pain in ((4, 95, 7), (2, 110, 5)):
            at = first.started_at - timedelta(weeks=weeks_ago)
            past = uow.sessions.start(patient.id, "soap", "local", at)
            uow.notes.add_measurement(
                past.id, Measurement("range_of_motion", flexion, "deg", "shoulder", "right")
            )
            uow.notes.add_measurement(past.id, Measurement("pain_score", pain, "/10"))
            uow.sessions.set_status(past.id, SessionStatus.DRAFT, at + timedelta(minutes=40))
    window.open_review(first.id)
    await notes.wait_idle()
    review = window.review.review
    assert review is not None
    for risk in review.note.risks:
        if risk.id is not None and risk.acknowledged_at is None:
            notes.acknowledge_risk(first.id, risk.id)
            await notes.wait_idle()
    if window.review.rows:
        qrow = window.review.rows[0]
        qrow.clicked.emit(qrow.entry)
    _save(window, out / "07_review_draft.png")
    notes.sign(first.id)
    await notes.wait_idle()
    notes.add_addendum(first.id, "Late entry", "Home exercise sheet given; review in 2 weeks.")
    await notes.wait_idle()
    parts.users.sign_in("rae", "rae-pass-1")
    await parts.users.wait_idle()
    notes.cosign(first.id)
    await notes.wait_idle()
    window.review.verticalScrollBar().setValue(window.review.verticalScrollBar().maximum())
    _save(window, out / "08_review_signed.png")
    window.progress_action.trigger()
    dialog = window.progress_dialog
    assert dialog is not None
    await _until(lambda: bool(dialog.chart.series_names()))
    _save(dialog, out / "09_progress_chart.png")
    dialog.close()
    parts.lock.lock()
    _save(window, out / "10_locked.png")
    parts.users.sign_in("rae", "rae-pass-1")
    await _until(lambda: not parts.lock.is_locked)


def _finals(parts: AppParts) -> int:
    return sum(1 for t in parts.window.transcript.texts() if t.startswith("["))


CONVERSATION = (
    Path(__file__).parent.parent / "tests/fixtures/conversations/audio/pt_knee_replacement.wav"
)
"""A two-person session (clinician and client, two voices) for the who-said-what view."""


async def _shoot(out: Path, data_dir: Path) -> None:
    playing = [sample_recording()]

    def microphone(_name: str) -> WavSource:
        speed = 1.0 if playing[0] == sample_recording() else 3.0
        return WavSource(playing[0], realtime=True, speed=speed)

    devices = DeviceAccess(lambda: ["Sample dictation (WAV)"], microphone, pcm16_level)
    parts = await build_app(AppConfig(data_dir=data_dir), devices=devices, audio_factory=microphone)
    window, library = parts.window, parts.library
    window.resize(1400, 860)
    parts.engine.start()
    await _accounts(parts, out)
    window.show()
    library.save_patient(
        Patient(
            "Jordan Lee",
            "MRN-20417",
            date(1968, 3, 14),
            ("Right rotator cuff repair",),
            ("Reach overhead shelf",),
            ("No lifting over 2 kg",),
            "soap",
        )
    )
    await library.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    await _until(lambda: window.patients.current_patient is not None)
    _save(window, out / "01_empty.png")

    window.start_recording()
    await _until(
        lambda: _finals(parts) >= 2 and any(s.entry_texts() for s in window.note.sections())
    )
    await _until(lambda: any(t.startswith("…") for t in window.transcript.texts()), 20)
    _save(window, out / "02_live_session.png")
    window.bar.stop_button.click()
    await _until(lambda: not parts.recording.is_active, 90)

    if CONVERSATION.is_file():
        playing[0] = CONVERSATION
        await _until(lambda: parts.engine.state is EngineState.READY)
        window.start_recording()
        await _until(lambda: _finals(parts) >= 14, 180)
        window.bar.stop_button.click()
        await _until(lambda: not parts.recording.is_active, 120)
        _save(window, out / "02b_who_said_what.png")
        playing[0] = sample_recording()

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

    parts.settings.save(
        replace(parts.settings.settings, engine=ENGINE_CUSTOM, custom_url="ws://127.0.0.1:9/v1"),
        None,
    )
    await parts.settings.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    window.start_recording()
    await _until(lambda: window.notice.isVisible() and window.notice.is_error, 60)
    _save(window, out / "05_error_engine_unreachable.png")
    await _review_and_progress(parts, out)
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
    with (
        tempfile.TemporaryDirectory() as data_dir,
        asyncio.Runner(loop_factory=qasync.QEventLoop) as runner,
    ):
        runner.run(_shoot(out, Path(data_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
