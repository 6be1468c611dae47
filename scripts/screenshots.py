"""Screenshots of the app's main states, for review: `python scripts/screenshots.py OUT_DIR`.

`--scheme dark` takes them in the dark palette (default light). Under Xvfb, run with
`QT_QPA_PLATFORM=xcb` to see the real platform rather than the offscreen one.

Runs the real app offscreen (local engine, a temporary database, the bundled sample
dictation instead of a microphone, an in-memory keyring) and saves one PNG per state.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import date, timedelta
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
from therapy_notes.desktop import sign_in
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.domain.notes import Measurement, RiskFlag, RiskKind
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import RecordingState, SessionStatus
from therapy_notes.domain.users import Role
from therapy_notes.errors import MicrophoneMissingError
from therapy_notes.services.ports import AudioSource
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.dialogs.settings_dialog import SettingsPage
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog
from therapy_notes.ui.launch import app_icon
from therapy_notes.ui.theme import ColourScheme
from therapy_notes.ui.widgets.startup_splash import StartupSplash


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


async def _save(widget: QWidget, path: Path) -> None:
    # Let the loop (and Qt) settle; processEvents() here would run other tasks' steps
    # inside this one, which asyncio refuses.
    await asyncio.sleep(0.2)
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
    await _save(dialog, out / "06_sign_in_refused.png")
    dialog.password.setText("ana-pass-1")
    dialog.submit()
    await signing_in


async def _review_and_progress(parts: AppParts, out: Path) -> None:
    """Sign the first recorded note, add an addendum, co-sign; then chart and lock."""
    window, notes, library = parts.window, parts.notes, parts.library
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
    if not any(r.acknowledged_at is None for r in review.note.risks):
        with parts.database.uow_factory() as uow:  # show what an open risk does to signing
            uow.notes.add_risk(
                first.id, RiskFlag(RiskKind.FALL_RISK, "I nearly fell on the stairs on Sunday")
            )
        window.open_review(first.id)
        await notes.wait_idle()
        review = window.review.review
        assert review is not None
    window.review.sign_button.click()
    blocked = window.sign_dialog
    assert blocked is not None
    await _save(blocked, out / "07a_sign_blocked.png")
    blocked.reject()
    for risk in review.note.risks:
        if risk.id is not None and risk.acknowledged_at is None:
            notes.acknowledge_risk(first.id, risk.id)
            await notes.wait_idle()
    if window.review.rows:
        qrow = window.review.rows[0]
        qrow.clicked.emit(qrow.entry)
    await _save(window, out / "07_review_draft.png")
    window.review.sign_button.click()
    confirm = window.sign_dialog
    assert confirm is not None
    await _save(confirm, out / "07b_sign_confirm.png")
    confirm.sign_button.click()
    await notes.wait_idle()
    await library.wait_idle()
    await _save(window, out / "07c_signed_status_in_list.png")
    notes.add_addendum(first.id, "Late entry", "Home exercise sheet given; review in 2 weeks.")
    await notes.wait_idle()
    parts.users.sign_in("rae", "rae-pass-1")
    await parts.users.wait_idle()
    notes.cosign(first.id)
    await notes.wait_idle()
    window.review.verticalScrollBar().setValue(window.review.verticalScrollBar().maximum())
    await _save(window, out / "08_review_signed.png")
    window.progress_action.trigger()
    dialog = window.progress_dialog
    assert dialog is not None
    await _until(lambda: bool(dialog.chart.series_names()))
    await _save(dialog, out / "09_progress_chart.png")
    dialog.close()
    parts.lock.lock()
    await _save(window, out / "10_locked.png")
    parts.users.sign_in("rae", "rae-pass-1")
    await _until(lambda: not parts.lock.is_locked)


class _NoMicrophone:
    """A computer without an input device: the first read fails, as PortAudio's does."""

    async def chunks(self) -> AsyncIterator[bytes]:
        raise MicrophoneMissingError(
            "Could not find a microphone: no input device found. Check that a microphone is "
            "connected and switched on, and that this app is allowed to use it."
        )
        yield b""  # an async generator, as a microphone's chunks are

    def stop(self) -> None:
        """Nothing to stop."""


def _finals(parts: AppParts) -> int:
    return sum(1 for t in parts.window.transcript.texts() if t.startswith("["))


CONVERSATION = (
    Path(__file__).parent.parent / "tests/fixtures/conversations/audio/pt_knee_replacement.wav"
)
"""A two-person session (clinician and client, two voices) for the who-said-what view."""


async def _shoot(out: Path, data_dir: Path, scheme: ColourScheme) -> None:
    playing = [sample_recording()]
    no_microphone = [False]

    def microphone(_name: str) -> AudioSource:
        if no_microphone[0]:
            return _NoMicrophone()
        speed = 1.0 if playing[0] == sample_recording() else 3.0
        return WavSource(playing[0], realtime=True, speed=speed)

    splash = StartupSplash(app_icon())
    splash.show_status("Loading the speech model…")
    await _save(splash, out / "00_splash.png")
    splash.close()
    devices = DeviceAccess(lambda: ["Sample dictation (WAV)"], microphone, pcm16_level)
    parts = await build_app(AppConfig(data_dir=data_dir), devices=devices, audio_factory=microphone)
    window, library = parts.window, parts.library
    window.set_colour_scheme(scheme, save=False)
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
            ("No lifting over 2 kg", "Fall risk: unsteady on stairs since surgery"),
            "soap",
        )
    )
    await library.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    await _until(lambda: window.patients.current_patient is not None)
    await _save(window, out / "01_empty.png")

    window.start_recording()
    await _until(lambda: parts.recording.state is RecordingState.RECORDING, 30)
    await asyncio.sleep(1.0)
    await _save(window, out / "02a_listening.png")
    await _until(lambda: _finals(parts) >= 2, 90)
    await _until(lambda: any(t.startswith("…") for t in window.transcript.texts()), 30)
    await _save(window, out / "02_live_session.png")
    window.bar.stop_button.click()
    await _until(lambda: not parts.recording.is_active, 90)

    if CONVERSATION.is_file():
        playing[0] = CONVERSATION
        await _until(lambda: parts.engine.state is EngineState.READY)
        window.start_recording()
        await _until(lambda: _finals(parts) >= 14, 180)
        window.bar.stop_button.click()
        await _until(lambda: not parts.recording.is_active, 120)
        await library.wait_idle()
        await _save(window, out / "02b_who_said_what.png")
        playing[0] = sample_recording()

    parts.settings.save(replace(parts.settings.settings, token_cap=20), None)
    await parts.settings.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    window.start_recording()
    await _until(lambda: _finals(parts) >= 3, 90)
    try:
        await _until(lambda: window.budget.level == "red", 60)
    except TimeoutError:
        sys.stdout.write("the budget never reached the cap; 03 shows it below the cap\n")
    await _save(window, out / "03_budget_red.png")
    window.bar.stop_button.click()
    await _until(lambda: not parts.recording.is_active, 90)
    await library.wait_idle()
    await _save(window, out / "03b_budget_after_stop.png")

    window.open_settings()
    dialog = window.settings_dialog
    if dialog is not None:
        await _until(lambda: dialog.device.count() > 1)
        await _save(dialog, out / "04_settings_clinician.png")
        dialog.show_page(SettingsPage.ADVANCED)
        await _save(dialog, out / "04b_settings_advanced.png")
        dialog.reject()
    for action, name in (
        (window.shortcuts_action, "04c_help_shortcuts.png"),
        (window.data_action, "04d_help_your_data.png"),
    ):
        action.trigger()
        shown = window.help_dialog
        if shown is not None:
            await _save(shown, out / name)
            shown.reject()

    parts.settings.save(
        replace(
            parts.settings.settings, engine=EngineChoice.CUSTOM, custom_url="ws://127.0.0.1:9/v1"
        ),
        None,
    )
    await parts.settings.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY)
    window.start_recording()
    await _until(lambda: window.problem_bar.isVisible(), 60)
    await _save(window, out / "05_error_engine_unreachable.png")

    parts.settings.save(replace(parts.settings.settings, engine=EngineChoice.LOCAL), None)
    await parts.settings.wait_idle()
    await _until(lambda: parts.engine.state is EngineState.READY, 120)
    no_microphone[0] = True
    window.start_recording()
    await _until(lambda: window.problem_bar.title.text() == "No microphone found", 60)
    await _until(lambda: not parts.recording.is_active, 60)
    await _save(window, out / "05b_error_no_microphone.png")
    no_microphone[0] = False
    await _review_and_progress(parts, out)
    window.close()
    await parts.shutdown()


def main(argv: list[str]) -> int:
    """Save the screenshots into OUT_DIR, in the colour scheme asked for (default light)."""
    args = argv[1:]
    scheme = ColourScheme.LIGHT
    if len(args) == 3 and args[1] == "--scheme" and args[2] in set(ColourScheme):
        scheme = ColourScheme(args[2])
    elif len(args) != 1:
        sys.stderr.write("usage: screenshots.py OUT_DIR [--scheme light|dark|system]\n")
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(_MemoryKeyring())
    app = QApplication(argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with (
        tempfile.TemporaryDirectory() as data_dir,
        asyncio.Runner(loop_factory=qasync.QEventLoop) as runner,
    ):
        runner.run(_shoot(out, Path(data_dir), scheme))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
