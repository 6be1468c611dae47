"""Voice enrollment on real speech: stored in the database, used to tell who is who, forgotten.

The clinician enrolls with their turns of one recorded session and is then recognised in
another session with the same voice that the CLIENT opens, which is the case the
conversation alone gets wrong at first (whoever opens is taken to be the clinician).
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soxr
from argon2 import PasswordHasher

from tests.conversation_set import audio_path, load_sessions, true_turn_times
from therapy_notes.domain.session import SpeakerRole
from therapy_notes.domain.speakers import RolePolicy
from therapy_notes.domain.users import Role, User
from therapy_notes.services.users import UsersService
from therapy_notes.services.voices import (
    MIN_ENROLLMENT_SPEECH_S,
    TooLittleSpeechError,
    VoiceEnrollmentService,
)
from therapy_notes.speakers.diarizer import OnlineDiarizer
from therapy_notes.speakers.encoder import SpeakerEncoder
from therapy_notes.storage import Database, open_database

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _turns_24k(session_id: str) -> list[tuple[str, bytes]]:
    """(true speaker, PCM16 24 kHz audio) of every turn of a recorded session."""
    session = next(s for s in load_sessions() if s.id == session_id)
    with wave.open(str(audio_path(session)), "rb") as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    out = []
    for turn in true_turn_times(session):
        piece = samples[turn.start_ms * rate // 1000 : turn.end_ms * rate // 1000]
        resampled = soxr.resample(piece.astype(np.float32) / 32768.0, rate, 24_000)
        pcm = (np.clip(resampled, -1, 1) * 32767).astype("<i2").tobytes()
        out.append((turn.speaker, pcm))
    return out


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "therapy_notes.db")
    yield database
    database.close()


@pytest.fixture
async def ana(db: Database) -> User:
    users = UsersService(db.uow_factory, hasher=FAST)
    return await users.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "battery staple")


@pytest.fixture
def voices(db: Database, encoder: SpeakerEncoder) -> VoiceEnrollmentService:
    return VoiceEnrollmentService(db.uow_factory, lambda: OnlineDiarizer(encoder))


async def test_enrolled_clinician_is_known_in_a_session_the_client_opens(
    voices: VoiceEnrollmentService, ana: User, encoder: SpeakerEncoder
) -> None:
    reading = b"".join(pcm for who, pcm in _turns_24k("ot_wrist_fracture") if who == "clinician")
    stored = await voices.enroll(ana, reading)
    assert stored.speech_seconds >= MIN_ENROLLMENT_SPEECH_S
    found = await voices.voice_of(ana)
    assert found is not None
    assert found.data == stored.data

    turns = _turns_24k("ot_dressing_after_hip")
    assert turns[0][0] == "client"  # the client opens this session
    diarizer = OnlineDiarizer(encoder, clinician_voice=found.data)
    without = RolePolicy()
    clusters = [diarizer.assign(pcm) for _, pcm in turns[:4]]
    assert without.role(clusters[0]) is SpeakerRole.CLINICIAN  # the opener rule is wrong here
    enrolled = RolePolicy(enrolled_clinician=diarizer.clinician_cluster())
    assert enrolled.is_confident()
    assert [enrolled.role(c) for c in clusters] == [SpeakerRole(who) for who, _ in turns[:4]]


async def test_too_little_speech_is_refused_and_nothing_is_stored(
    voices: VoiceEnrollmentService, ana: User, db: Database
) -> None:
    _, short = next(t for t in _turns_24k("ot_wrist_fracture") if t[0] == "clinician")
    with pytest.raises(TooLittleSpeechError, match="read the whole passage"):
        await voices.enroll(ana, short)
    with pytest.raises(TooLittleSpeechError, match="Only 0 s of speech"):
        await voices.enroll(ana, bytes(24_000 * 2 * 10))  # ten seconds of silence
    assert await voices.voice_of(ana) is None
    with db.uow_factory() as uow:
        assert not [r for r in uow.audit.chain() if r.action == "voice_enrolled"]


async def test_enrolling_again_replaces_and_forgetting_deletes_with_an_audit_trail(
    voices: VoiceEnrollmentService, ana: User, db: Database
) -> None:
    clinician = [pcm for who, pcm in _turns_24k("pt_knee_replacement") if who == "clinician"]
    first = await voices.enroll(ana, b"".join(clinician[: len(clinician) // 2]))
    second = await voices.enroll(ana, b"".join(clinician[len(clinician) // 2 :]))
    assert first.data != second.data
    found = await voices.voice_of(ana)
    assert found is not None
    assert found.data == second.data
    await voices.forget(ana)
    await voices.forget(ana)  # forgetting twice is harmless and audited once
    assert await voices.voice_of(ana) is None
    assert await voices.voice_of(None) is None
    with db.uow_factory() as uow:
        actions = [r.action for r in uow.audit.chain() if r.action.startswith("voice_")]
    assert actions == ["voice_enrolled", "voice_enrolled", "voice_forgotten"]
