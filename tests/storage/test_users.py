"""User accounts in SQLite: unique names, hash kept apart from the domain user."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from therapy_notes.domain.users import Role, User
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
