"""Accounts for the window: first-run admin, sign-in, unlock, and adding users.

The signed-in user is the actor of every change and signature, so the window asks this
controller who is signed in instead of keeping its own copy.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from therapy_notes.domain.users import Role, User
from therapy_notes.errors import UserFacingError
from therapy_notes.services.users import UsersService
from therapy_notes.ui.controllers.tasks import TaskGroup

_log = logging.getLogger(__name__)


class UsersController(QObject):
    """Signs users in and manages accounts through `UsersService`.

    Signals:
        first_run_checked: True when no account exists yet (bool).
        signed_in: the user who signed in; they are now the actor (object: User).
        sign_in_failed: why, without saying whether the user name exists (str).
        user_created: the new account (object: User).
        users_listed: every account (list[User]).
        error_posted: a message the user can act on (str).
    """

    first_run_checked = Signal(bool)
    signed_in = Signal(object)
    sign_in_failed = Signal(str)
    user_created = Signal(object)
    users_listed = Signal(list)
    error_posted = Signal(str)

    def __init__(self, service: UsersService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._tasks = TaskGroup("users")
        self._current: User | None = None

    @property
    def current_user(self) -> User | None:
        """The signed-in user, or None before sign-in."""
        return self._current

    # -- intent ------------------------------------------------------------------------------

    def check_first_run(self) -> None:
        self._tasks.spawn(self._check_first_run(), "first-run")

    def sign_in(self, username: str, password: str) -> None:
        self._tasks.spawn(self._sign_in(username, password), "sign-in")

    def create_first_admin(self, username: str, display_name: str, password: str) -> None:
        """Create the first account (an admin) and sign it in."""
        self._tasks.spawn(
            self._create(username, display_name, Role.ADMIN, password, "", sign_in=True),
            "first-admin",
        )

    def create_user(
        self, username: str, display_name: str, role: Role, password: str, credentials: str = ""
    ) -> None:
        """An admin adds an account; the service refuses anyone else."""
        self._tasks.spawn(
            self._create(username, display_name, role, password, credentials, sign_in=False),
            "create-user",
        )

    def list_users(self) -> None:
        self._tasks.spawn(self._list(), "list-users")

    async def wait_idle(self) -> None:
        await self._tasks.wait()

    async def shutdown(self) -> None:
        await self._tasks.cancel_all()

    # -- work --------------------------------------------------------------------------------

    async def _check_first_run(self) -> None:
        try:
            has_users = await self._service.has_users()
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self.first_run_checked.emit(not has_users)

    async def _sign_in(self, username: str, password: str) -> None:
        try:
            user = await self._service.authenticate(username, password)
        except UserFacingError as exc:  # LoginFailedError: the same words for both cases
            self.sign_in_failed.emit(str(exc))
            return
        self._current = user
        _log.info("user %s signed in (%s)", user.id, user.role.value)
        self.signed_in.emit(user)

    async def _create(
        self,
        username: str,
        display_name: str,
        role: Role,
        password: str,
        credentials: str,
        *,
        sign_in: bool,
    ) -> None:
        try:
            user = await self._service.create_user(
                username,
                display_name,
                role,
                password,
                credentials=credentials,
                actor=None if sign_in else self._current,
            )
        except UserFacingError as exc:
            if sign_in:
                self.sign_in_failed.emit(str(exc))
            else:
                self.error_posted.emit(str(exc))
            return
        self.user_created.emit(user)
        if sign_in:
            self._current = user
            self.signed_in.emit(user)
        else:
            await self._list()

    async def _list(self) -> None:
        try:
            users = await self._service.list_users()
        except UserFacingError as exc:
            self.error_posted.emit(str(exc))
            return
        self.users_listed.emit(users)
