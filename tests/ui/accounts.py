"""The real app with accounts: a cheap password hasher, an injectable idle clock, seeded notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from tests.ui.conftest import WavDevices, wait_for_signal
from therapy_notes.app import AppParts, build_app, local_engine_opener, pcm16_level
from therapy_notes.config import AppConfig
from therapy_notes.domain.notes import EntrySource, Measurement, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.users import Role, User
from therapy_notes.engine.turns import EngineModels
from therapy_notes.ui.controllers.settings import DeviceAccess
from therapy_notes.ui.settings_store import ApiKeyStore

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PATIENT_NAME = "Jordan Lee"
SAID = (
    "Her right shoulder flexion is one hundred twenty degrees today.",
    "Pain is four out of ten after the exercises.",
)


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


@dataclass
class Seeded:
    session_id: int
    patient_id: int
    entry_ids: list[int]
    segment_texts: list[str]


async def build(
    data_dir: Path, wav: Path, models: EngineModels, qtbot: Any, clock: FakeClock | None = None
) -> AppParts:
    config = AppConfig(data_dir=data_dir)
    devices = WavDevices(wav)
    parts = await build_app(
        config,
        audio_factory=devices.open,
        devices=DeviceAccess(lambda: ["Test WAV input"], devices.open, pcm16_level),
        engine_opener=local_engine_opener(config, models),
        keys=ApiKeyStore(),
        hasher=FAST_HASHER,
        idle_clock=clock or FakeClock(),
        lock_check_ms=20,
    )
    qtbot.addWidget(parts.window)
    return parts


async def create_accounts(parts: AppParts) -> None:
    """admin (first run), then ana (clinician) and rae (reviewer), as the admin."""
    users = parts.users
    signed = wait_for_signal(users.signed_in)
    users.create_first_admin("admin", "Clinic Admin", "admin-pass-1")
    await signed
    for username, name, role, credentials in (
        ("ana", "Ana Ruiz", Role.CLINICIAN, "OTR/L"),
        ("rae", "Rae Vo", Role.REVIEWER, "PT, DPT"),
    ):
        created = wait_for_signal(users.user_created)
        users.create_user(username, name, role, f"{username}-pass-1", credentials)
        await created
    await users.wait_idle()


async def sign_in(parts: AppParts, username: str) -> User:
    signed = wait_for_signal(parts.users.signed_in)
    parts.users.sign_in(username, f"{username}-pass-1")
    (user,) = await signed
    assert isinstance(user, User)
    return user


def seed_note(
    parts: AppParts,
    *,
    days_ago: int = 0,
    flexion: float = 120,
    pain: float = 4,
    patient_id: int | None = None,
    status: SessionStatus = SessionStatus.DRAFT,
) -> Seeded:
    """A stored session with a transcript, entries from the model and composer, measurements."""
    started = datetime.now(UTC) - timedelta(days=days_ago, hours=1)
    with parts.database.uow_factory() as uow:
        if patient_id is None:
            patient_id = uow.patients.add(
                Patient(PATIENT_NAME, "MRN-1", None, (), (), (), "soap")
            ).id
        assert patient_id is not None
        record = uow.sessions.start(patient_id, "soap", "local", started)
        segments = [
            uow.segments.add(record.id, Segment(f"item_{i}", i * 3000, i * 3000 + 2500, text))
            for i, text in enumerate(SAID)
        ]
        ids = [s.id for s in segments if s.id is not None]
        entries = [
            uow.notes.add_entry(
                record.id,
                NoteEntry("objective", "Shoulder flexion 120°.", EntrySource.MODEL, (ids[0],)),
            ),
            uow.notes.add_entry(
                record.id,
                NoteEntry(
                    "subjective", "Pain 4/10 after exercise.", EntrySource.LOCAL_COMPOSER, (ids[1],)
                ),
            ),
        ]
        uow.notes.add_measurement(
            record.id,
            Measurement("range_of_motion", flexion, "deg", "shoulder", "right", (ids[0],)),
        )
        uow.notes.add_measurement(record.id, Measurement("pain_score", pain, "/10"))
        uow.sessions.set_status(record.id, status, started + timedelta(minutes=30))
    return Seeded(record.id, patient_id, [e.id for e in entries if e.id is not None], list(SAID))
