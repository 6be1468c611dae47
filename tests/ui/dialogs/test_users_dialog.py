"""The accounts dialog over the real users controller, service and a SQLite file.

An administrator sees every account and adds clinicians and reviewers; a refusal is
shown in the dialog and adds nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from tests.ui.accounts import FAST_HASHER
from tests.ui.conftest import wait_for_signal, wait_until
from therapy_notes.domain.users import Role
from therapy_notes.services.users import UsersService
from therapy_notes.storage import Database, open_database
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.dialogs.users_dialog import UsersDialog


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
    """The controller with the administrator signed in, as when the window opens Users."""
    controller = UsersController(service)

    async def sign_in_admin() -> None:
        signed = wait_for_signal(controller.signed_in)
        controller.create_first_admin("admin", "Clinic Admin", "admin-pass-1")
        await signed

    run(sign_in_admin())
    yield controller
    run(controller.shutdown())


async def _opened(qtbot: Any, users: UsersController) -> UsersDialog:
    listed = wait_for_signal(users.users_listed)
    dialog = UsersDialog(users)
    qtbot.addWidget(dialog)
    dialog.open()
    await listed
    return dialog


def _accounts(dialog: UsersDialog) -> list[str]:
    return [dialog.accounts.item(i).text() for i in range(dialog.accounts.count())]


def _fill(
    qtbot: Any, dialog: UsersDialog, username: str, password: str, again: str, role: Role
) -> None:
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.display_name, "Ana Ruiz")
    qtbot.keyClicks(dialog.credentials, "OTR/L")
    dialog.role.setCurrentIndex([dialog.role.itemData(i) for i in range(3)].index(role))
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClicks(dialog.password_again, again)


def test_opening_lists_every_account(
    qtbot: Any, run: Callable[..., Any], users: UsersController
) -> None:
    async def scenario() -> None:
        dialog = await _opened(qtbot, users)
        assert _accounts(dialog) == ["admin — Clinic Admin (admin)"]
        assert [dialog.role.itemText(i) for i in range(dialog.role.count())] == [
            "Clinician",
            "Reviewer",
            "Admin",
        ]

    run(scenario())


def test_adding_a_clinician_stores_and_lists_them_and_clears_the_form(
    qtbot: Any, run: Callable[..., Any], users: UsersController, service: UsersService
) -> None:
    async def scenario() -> None:
        dialog = await _opened(qtbot, users)
        _fill(qtbot, dialog, "ana", "ana-pass-1", "ana-pass-1", Role.CLINICIAN)
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: len(_accounts(dialog)) == 2, what="the new account listed")
        assert _accounts(dialog) == [
            "admin — Clinic Admin (admin)",
            "ana — Ana Ruiz, OTR/L (clinician)",
        ]
        assert dialog.message.text() == "Added ana (clinician)."
        for field in (
            dialog.username,
            dialog.display_name,
            dialog.credentials,
            dialog.password,
            dialog.password_again,
        ):
            assert field.text() == ""
        ana = await service.authenticate("ana", "ana-pass-1")  # a real account, signable
        assert (ana.role, ana.signature_name) == (Role.CLINICIAN, "Ana Ruiz, OTR/L")

    run(scenario())


def test_differing_passwords_and_a_refused_account_add_nobody(
    qtbot: Any, run: Callable[..., Any], users: UsersController, service: UsersService
) -> None:
    async def scenario() -> None:
        dialog = await _opened(qtbot, users)
        _fill(qtbot, dialog, "rae", "rae-pass-1", "rae-pass-2", Role.REVIEWER)
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        assert "differ" in dialog.message.text()  # said at once, nothing asked

        dialog.password.setText("short")
        dialog.password_again.setText("short")
        posted = wait_for_signal(users.error_posted)
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        (message,) = await posted
        assert "too short" in message
        assert dialog.message.text() == message
        assert dialog.username.text() == "rae"  # kept, to correct and try again
        await users.wait_idle()
        assert [u.username for u in await service.list_users()] == ["admin"]
        assert _accounts(dialog) == ["admin — Clinic Admin (admin)"]

    run(scenario())


def test_close_finishes_and_the_dialog_stops_listening(
    qtbot: Any, run: Callable[..., Any], users: UsersController
) -> None:
    async def scenario() -> None:
        dialog = await _opened(qtbot, users)
        box = dialog.findChild(QDialogButtonBox)
        assert box is not None
        with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
            qtbot.mouseClick(
                box.button(QDialogButtonBox.StandardButton.Close), Qt.MouseButton.LeftButton
            )
        assert finished.args == [QDialog.DialogCode.Rejected.value]
        created = wait_for_signal(users.user_created)
        users.create_user("rae", "Rae Vo", Role.REVIEWER, "rae-pass-1")  # from elsewhere
        await created
        await users.wait_idle()
        assert _accounts(dialog) == ["admin — Clinic Admin (admin)"]
        assert dialog.message.text() == ""

    run(scenario())
