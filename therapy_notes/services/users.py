"""Local accounts: create, sign in, list. The signer of a note is the signed-in user.

Passwords are hashed with Argon2id (argon2-cffi). Verification takes the same time whether
or not the user name exists, so a failed sign-in does not reveal which accounts there are.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import LoginFailedError, PermissionDeniedError, UserFacingError
from therapy_notes.services.ports import NotesUnitOfWorkFactory

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
_LOGIN_FAILED = "The user name or password is wrong. Check both and try again."


class UsersService:
    """Accounts in the local database; the first account may be created by anyone.

    Args:
        uow_factory: units of work on the database.
        hasher: the Argon2 hasher; tests pass a cheap one, the app the library default.
    """

    def __init__(
        self, uow_factory: NotesUnitOfWorkFactory, *, hasher: PasswordHasher | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash = self._hasher.hash("not a password of anyone")

    async def create_user(
        self,
        username: str,
        display_name: str,
        role: Role,
        password: str,
        *,
        credentials: str = "",
        actor: User | None = None,
    ) -> User:
        """Create an account. Only an admin may, except for the very first account.

        Raises:
            PermissionDeniedError: `actor` is not an admin and accounts exist already.
            UserFacingError: the user name is taken, empty, or the password too short.
        """
        username = username.strip()
        if not username or not display_name.strip():
            raise UserFacingError("A user needs a user name and a display name.")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserFacingError(
                f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
            )
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        user = User(username, display_name.strip(), Role(role), credentials.strip())

        def write() -> User:
            with self._uow_factory() as uow:
                if uow.users.list() and (actor is None or actor.role is not Role.ADMIN):
                    raise PermissionDeniedError(
                        "Only an administrator can create user accounts. "
                        "Ask your administrator to add one."
                    )
                saved = uow.users.add(user, password_hash)
                uow.audit.record(
                    AuditRecord(
                        actor=actor.username if actor is not None else saved.username,
                        action="user_created",
                        entity="user",
                        entity_id=saved.id,
                        at=datetime.now(UTC),
                        after=json.dumps({"username": saved.username, "role": saved.role.value}),
                    )
                )
                return saved

        saved = await asyncio.to_thread(write)
        logger.info("user %s created (%s)", saved.id, saved.role.value)
        return saved

    async def authenticate(self, username: str, password: str) -> User:
        """The account for `username` if `password` is right.

        Raises:
            LoginFailedError: unknown user name or wrong password (the same message for both).
        """
        return await asyncio.to_thread(self._authenticate, username.strip(), password)

    def _authenticate(self, username: str, password: str) -> User:
        with self._uow_factory() as uow:
            stored = uow.users.password_hash(username)
            try:
                # An unknown name still pays for one verification: no timing difference.
                self._hasher.verify(stored or self._dummy_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                logger.info("sign-in failed")
                raise LoginFailedError(_LOGIN_FAILED) from None
            if stored is None:
                raise LoginFailedError(_LOGIN_FAILED)
            if self._hasher.check_needs_rehash(stored):
                uow.users.set_password_hash(username, self._hasher.hash(password))
            return uow.users.get(username)

    async def list_users(self) -> list[User]:
        """Every account, by user name."""

        def read() -> list[User]:
            with self._uow_factory() as uow:
                return uow.users.list()

        return await asyncio.to_thread(read)

    async def has_users(self) -> bool:
        """False on a fresh database: the app then asks for the first (admin) account."""
        return bool(await self.list_users())
