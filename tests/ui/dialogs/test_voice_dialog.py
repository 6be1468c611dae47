"""The voice enrollment dialog and its controller: real audio, the real encoder, SQLite."""

from __future__ import annotations

import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from pytestqt.qtbot import QtBot

from tests.services.test_voices import _turns_24k
from tests.ui.conftest import wait_until
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import AudioDeviceError
from therapy_notes.services.ports import AudioSource
from therapy_notes.services.users import UsersService
from therapy_notes.services.voices import VoiceEnrollmentService
from therapy_notes.speakers.diarizer import OnlineDiarizer
from therapy_notes.speakers.encoder import SpeakerEncoder
from therapy_notes.storage import Database, open_database
from therapy_notes.ui.controllers.voice import VoiceEnrollmentController
from therapy_notes.ui.dialogs.voice_dialog import VoiceEnrollmentDialog

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _write_wav(path: Path, pcm16_24k: bytes) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24_000)
        w.writeframes(pcm16_24k)
    return path


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "therapy_notes.db")
    yield database
    database.close()


@pytest.fixture
def ana(db: Database, run: Callable[..., Any]) -> User:
    users = UsersService(db.uow_factory, hasher=FAST)
    user: User = run(users.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "battery staple"))
    return user


@pytest.fixture
def service(db: Database, encoder: SpeakerEncoder) -> VoiceEnrollmentService:
    return VoiceEnrollmentService(db.uow_factory, lambda: OnlineDiarizer(encoder))


def _dialog(
    qtbot: QtBot,
    service: VoiceEnrollmentService,
    audio: Callable[[], AudioSource],
    user: User | None,
) -> tuple[VoiceEnrollmentDialog, VoiceEnrollmentController]:
    controller = VoiceEnrollmentController(service, audio, lambda: user, lambda _: 0.5)
    dialog = VoiceEnrollmentDialog(controller)
    qtbot.addWidget(dialog)
    return dialog, controller


def test_reading_enrolls_the_signed_in_clinician_and_forget_deletes(
    qtbot: QtBot,
    run: Callable[..., Any],
    tmp_path: Path,
    service: VoiceEnrollmentService,
    ana: User,
) -> None:
    reading = b"".join(pcm for who, pcm in _turns_24k("ot_wrist_fracture") if who == "clinician")
    wav = _write_wav(tmp_path / "reading.wav", reading)

    async def scenario() -> None:
        dialog, controller = _dialog(qtbot, service, lambda: WavSource(wav), ana)
        await controller.wait()
        assert dialog.status_label.text().startswith("Not enrolled")
        assert not dialog.forget_button.isEnabled()  # nothing to forget yet
        recording: list[bool] = []
        controller.recording_changed.connect(recording.append)

        dialog.record_button.click()
        await wait_until(lambda: recording == [True, False], what="the reading to end")
        await controller.wait()
        assert dialog.message_label.text().startswith("Your voice is enrolled")
        assert dialog.status_label.text().startswith("Enrolled on")
        assert dialog.record_button.text() == "Start reading"
        assert dialog.record_button.isEnabled()
        assert await service.voice_of(ana) is not None
        assert dialog.forget_button.isEnabled()

        dialog.forget_button.click()
        await controller.wait()
        assert await service.voice_of(ana) is None
        assert dialog.status_label.text().startswith("Not enrolled")

    run(scenario())


def test_a_short_reading_says_what_to_do_and_stores_nothing(
    qtbot: QtBot,
    run: Callable[..., Any],
    tmp_path: Path,
    service: VoiceEnrollmentService,
    ana: User,
) -> None:
    _, first = next(t for t in _turns_24k("ot_wrist_fracture") if t[0] == "clinician")
    wav = _write_wav(tmp_path / "short.wav", first)

    async def scenario() -> None:
        dialog, controller = _dialog(qtbot, service, lambda: WavSource(wav), ana)
        dialog.record_button.click()
        await wait_until(lambda: not controller.is_recording, what="the reading to end")
        await controller.wait()
        assert dialog.message_label.text().startswith("Could not enroll: Only")
        assert "read the whole passage" in dialog.message_label.text()
        assert await service.voice_of(ana) is None

    run(scenario())


def test_no_microphone_and_nobody_signed_in_are_told_plainly(
    qtbot: QtBot, run: Callable[..., Any], service: VoiceEnrollmentService, ana: User
) -> None:
    def no_microphone() -> AudioSource:
        raise AudioDeviceError("No microphone was found. Connect one and try again.")

    async def scenario() -> None:
        dialog, controller = _dialog(qtbot, service, no_microphone, ana)
        dialog.record_button.click()
        assert dialog.message_label.text() == (
            "Could not enroll: No microphone was found. Connect one and try again."
        )
        assert not controller.is_recording
        assert dialog.record_button.text() == "Start reading"

        nobody, other = _dialog(qtbot, service, no_microphone, None)
        nobody.record_button.click()
        assert "Sign in first" in nobody.message_label.text()
        await controller.wait()
        await other.wait()
        assert nobody.status_label.text() == "Sign in to enroll your voice."

    run(scenario())
