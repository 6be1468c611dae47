"""Accounts: Argon2 hashes in a real SQLite file, sign-in, and who may create accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from therapy_notes.domain.users import Role
from therapy_notes.errors import LoginFailedError, PermissionDeniedError, UserFacingError
from therapy_notes.services.users import UsersService
from therapy_notes.storage import Database, open_database

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "therapy_notes.db")
    yield database
    database.close()


@pytest.fixture
def users(db: Database) -> UsersService:
    return UsersService(db.uow_factory, hasher=FAST)


async def test_first_account_then_only_admins_create_accounts(users: UsersService) -> None:
    assert not await users.has_users()
    admin = await users.create_user("admin", "Site Admin", Role.ADMIN, "correct horse")
    ana = await users.create_user(
        "ana", "Ana Ruiz", Role.CLINICIAN, "battery staple", credentials="OTR/L", actor=admin
    )
    with pytest.raises(PermissionDeniedError, match="administrator"):
        await users.create_user("eve", "Eve", Role.ADMIN, "longenough", actor=ana)
    with pytest.raises(PermissionDeniedError):
        await users.create_user("eve", "Eve", Role.ADMIN, "longenough")
    with pytest.raises(UserFacingError, match="already a user"):
        await users.create_user("ana", "Ana Two", Role.REVIEWER, "longenough", actor=admin)
    with pytest.raises(UserFacingError, match="too short"):
        await users.create_user("bo", "Bo", Role.REVIEWER, "short", actor=admin)
    assert [u.username for u in await users.list_users()] == ["admin", "ana"]
    assert ana.credentials == "OTR/L"


async def test_password_is_stored_as_argon2id_never_in_clear(
    users: UsersService, db: Database
) -> None:
    await users.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "battery staple")
    with db.uow_factory() as uow:
        stored = uow.users.password_hash("ana")
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "battery staple" not in stored
    assert FAST.verify(stored, "battery staple")


async def test_authenticate_accepts_the_right_password_only(users: UsersService) -> None:
    created = await users.create_user(
        "ana", "Ana Ruiz", Role.CLINICIAN, "battery staple", credentials="OTR/L"
    )
    assert await users.authenticate("ana", "battery staple") == created
    assert await users.authenticate("  ana ", "battery staple") == created
    with pytest.raises(LoginFailedError, match="user name or password is wrong") as wrong:
        await users.authenticate("ana", "Battery staple")
    with pytest.raises(LoginFailedError) as unknown:
        await users.authenticate("nobody", "battery staple")
    assert str(wrong.value) == str(unknown.value)  # says nothing about which accounts exist


async def test_weak_old_hash_is_upgraded_on_sign_in(db: Database) -> None:
    await UsersService(db.uow_factory, hasher=FAST).create_user(
        "ana", "Ana Ruiz", Role.CLINICIAN, "battery staple"
    )
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    await UsersService(db.uow_factory, hasher=stronger).authenticate("ana", "battery staple")
    with db.uow_factory() as uow:
        stored = uow.users.password_hash("ana")
    assert stored is not None
    assert "m=2048,t=2" in stored
