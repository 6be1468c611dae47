"""The sign-in dialog over the real users controller, service and a SQLite file.

On a fresh database it creates the administrator; otherwise it signs in. It stays open on
a refusal and closes only once the controller says someone signed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from tests.ui.accounts import FAST_HASHER
from tests.ui.conftest import wait_for_signal
from therapy_notes.domain.users import Role
from therapy_notes.services.users import UsersService
from therapy_notes.storage import Database, open_database
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog

WRONG = "The user name or password is wrong. Check both and try again."


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "therapy_notes.db")
    yield database
    database.close()


@pytest.fixture
def service(db: Database) -> UsersService:
    return UsersService(db.uow_factory, hasher=FAST_HASHER)


@pytest.fixture
def users(service: UsersService, run: Callable[..., Any]) -> Iterator[UsersController]:
    controller = UsersController(service)
    yield controller
    run(controller.shutdown())


def _open(qtbot: Any, users: UsersController, *, is_first_run: bool) -> SignInDialog:
    dialog = SignInDialog(users, is_first_run=is_first_run)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _click(qtbot: Any, dialog: SignInDialog, which: QDialogButtonBox.StandardButton) -> None:
    qtbot.mouseClick(dialog.buttons.button(which), Qt.MouseButton.LeftButton)


def _signed_in(dialog: SignInDialog) -> str | None:
    """Who the dialog says signed in (read afresh: the controller's answer changes it)."""
    return None if dialog.user is None else dialog.user.username


OK = QDialogButtonBox.StandardButton.Ok
CANCEL = QDialogButtonBox.StandardButton.Cancel


def test_the_first_run_creates_the_administrator_once_both_passwords_match(
    qtbot: Any, run: Callable[..., Any], users: UsersController, service: UsersService
) -> None:
    async def scenario() -> None:
        dialog = _open(qtbot, users, is_first_run=True)
        assert dialog.windowTitle() == "Create the administrator account"
        assert dialog.display_name.isVisibleTo(dialog)
        assert dialog.password_again.isVisibleTo(dialog)
        assert dialog.buttons.button(OK).text() == "Create and sign in"
        qtbot.keyClicks(dialog.username, "admin")
        qtbot.keyClicks(dialog.display_name, "Clinic Admin")
        qtbot.keyClicks(dialog.password, "admin-pass-1")
        qtbot.keyClicks(dialog.password_again, "admin-pass-2")
        _click(qtbot, dialog, OK)
        assert dialog.isVisible()
        assert "differ" in dialog.error.text()
        assert dialog.error.isVisibleTo(dialog)
        assert (dialog.password.text(), dialog.password_again.text()) == ("", "")
        assert dialog.buttons.isEnabled()
        assert not await service.has_users()  # nothing was asked of the controller

        qtbot.keyClicks(dialog.password, "admin-pass-1")
        qtbot.keyClicks(dialog.password_again, "admin-pass-1")
        finished = wait_for_signal(dialog.finished)
        _click(qtbot, dialog, OK)
        assert not dialog.buttons.isEnabled()  # while the controller works
        assert await finished == (QDialog.DialogCode.Accepted.value,)
        assert dialog.user is not None
        assert (dialog.user.username, dialog.user.role) == ("admin", Role.ADMIN)
        assert users.current_user == dialog.user
        assert [u.username for u in await service.list_users()] == ["admin"]

    run(scenario())


def test_a_wrong_password_keeps_it_open_and_the_right_one_signs_in(
    qtbot: Any, run: Callable[..., Any], users: UsersController, service: UsersService
) -> None:
    async def scenario() -> None:
        await service.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "ana-pass-1")
        dialog = _open(qtbot, users, is_first_run=False)
        assert dialog.windowTitle() == "Sign in to Therapy Notes"
        assert not dialog.display_name.isVisibleTo(dialog)  # only name and password
        assert not dialog.password_again.isVisibleTo(dialog)
        assert dialog.buttons.button(OK).text() == "Sign in"
        qtbot.keyClicks(dialog.username, "ana")
        qtbot.keyClicks(dialog.password, "wrong-password")
        failed = wait_for_signal(users.sign_in_failed)
        _click(qtbot, dialog, OK)
        assert await failed == (WRONG,)
        assert dialog.isVisible()
        assert dialog.error.text() == WRONG
        assert dialog.password.text() == ""
        assert dialog.buttons.isEnabled()
        assert _signed_in(dialog) is None

        qtbot.keyClicks(dialog.password, "ana-pass-1")
        finished = wait_for_signal(dialog.finished)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter signs in too
        assert await finished == (QDialog.DialogCode.Accepted.value,)
        assert _signed_in(dialog) == "ana"

    run(scenario())


def test_cancel_signs_nobody_in_and_the_dialog_stops_listening(
    qtbot: Any, run: Callable[..., Any], users: UsersController, service: UsersService
) -> None:
    async def scenario() -> None:
        await service.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "ana-pass-1")
        dialog = _open(qtbot, users, is_first_run=False)
        with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
            _click(qtbot, dialog, CANCEL)
        assert finished.args == [QDialog.DialogCode.Rejected.value]
        assert _signed_in(dialog) is None
        assert users.current_user is None

        signed = wait_for_signal(users.signed_in)
        users.sign_in("ana", "ana-pass-1")  # someone signs in later, another way
        await signed
        assert _signed_in(dialog) is None
        assert dialog.result() == QDialog.DialogCode.Rejected

    run(scenario())
