"""User accounts in SQLite: unique names, hash kept apart from the domain user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from therapy_notes.domain.users import Role, User, VoicePrint
from therapy_notes.errors import NotFoundError, UserFacingError
from therapy_notes.storage import SqlUnitOfWork


def test_users_round_trip_and_names_are_unique(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    with uow_factory() as uow:
        ana = uow.users.add(User("ana", "Ana Ruiz", Role.CLINICIAN, "OTR/L"), "hash-a")
        uow.users.add(User("admin", "Site Admin", Role.ADMIN), "hash-b")
    with pytest.raises(UserFacingError, match="already a user"), uow_factory() as uow:
        uow.users.add(User("ana", "Another Ana", Role.REVIEWER), "hash-c")
    with uow_factory() as uow:
        assert uow.users.get("ana") == ana
        assert [u.username for u in uow.users.list()] == ["admin", "ana"]
        assert uow.users.password_hash("ana") == "hash-a"
        assert uow.users.password_hash("nobody") is None
        uow.users.set_password_hash("ana", "hash-new")
    with uow_factory() as uow:
        assert uow.users.password_hash("ana") == "hash-new"
        with pytest.raises(NotFoundError):
            uow.users.get("nobody")
    assert ana.role is Role.CLINICIAN
    assert ana.signature_name == "Ana Ruiz, OTR/L"


def test_voice_print_is_stored_replaced_and_forgotten_per_account(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    enrolled = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with uow_factory() as uow:
        uow.users.add(User("ana", "Ana Ruiz", Role.CLINICIAN), "hash-a")
        uow.users.add(User("bo", "Bo Lind", Role.CLINICIAN), "hash-b")
        assert uow.users.voice_print("ana") is None
        uow.users.set_voice_print("ana", VoicePrint(b"\x01" * 1024, 14.5, enrolled))
    with uow_factory() as uow:
        assert uow.users.voice_print("ana") == VoicePrint(b"\x01" * 1024, 14.5, enrolled)
        assert uow.users.voice_print("bo") is None  # one account's voice is not another's
        uow.users.set_voice_print("ana", VoicePrint(b"\x02" * 1024, 20.0, enrolled))
    with uow_factory() as uow:
        found = uow.users.voice_print("ana")
        assert found is not None
        assert found.data == b"\x02" * 1024
        assert found.speech_seconds == 20
        uow.users.set_voice_print("ana", None)
        uow.users.set_voice_print("bo", None)  # nothing to forget: no error
    with uow_factory() as uow:
        assert uow.users.voice_print("ana") is None
        with pytest.raises(NotFoundError):
            uow.users.set_voice_print("nobody", VoicePrint(b"\x03", 9.0, enrolled))
        with pytest.raises(NotFoundError):
            uow.users.voice_print("nobody")
