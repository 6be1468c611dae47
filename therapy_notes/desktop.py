"""Running the desktop app: the key, the records, sign-in, then the window until it closes.

`app` builds the parts; this is the order a person meets them in, on the qasync loop:
the splash, unlocking the database key (modal, before the loop), the records opening,
the sign-in dialog while the speech model loads, the window, and shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from therapy_notes.config import AppConfig
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.users import User
from therapy_notes.errors import UserFacingError
from therapy_notes.services.keys import KeyService
from therapy_notes.system_keyring import SystemKeyring
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.crash import CrashReporter
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog
from therapy_notes.ui.dialogs.unlock_dialog import DialogKeyPrompt
from therapy_notes.ui.gc_collector import GuiThreadCollector
from therapy_notes.ui.launch import show_splash, start_qt
from therapy_notes.ui.widgets.startup_splash import StartupSplash

if TYPE_CHECKING:
    pass

from therapy_notes.app import build_app, resolve_data_dir

_log = logging.getLogger(__name__)


def _next(signal: Any) -> asyncio.Future[tuple[Any, ...]]:
    """The arguments of a signal's next emission, to await without a nested event loop."""
    done: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def on_emit(*args: Any) -> None:
        signal.disconnect(on_emit)
        if not done.done():
            done.set_result(args)

    signal.connect(on_emit)
    return done


async def sign_in(
    users: UsersController, opened: Callable[[SignInDialog], None] | None = None
) -> User | None:
    """Ask who is working (or create the first admin); None if the dialog was cancelled.

    The dialog is opened with `open()` and awaited through its `finished` signal, so the
    loop keeps running (the engine loads meanwhile). `opened` lets tests reach the dialog.
    """
    checked = _next(users.first_run_checked)
    users.check_first_run()
    (is_first_run,) = await checked
    dialog = SignInDialog(users, is_first_run=bool(is_first_run))
    finished = _next(dialog.finished)
    dialog.open()
    if opened is not None:
        opened(dialog)
    await finished
    return dialog.user


async def _show_fatal(message: str) -> None:
    """A blocking error before the window exists, shown without a nested event loop."""
    done = asyncio.get_running_loop().create_future()
    box = QMessageBox(QMessageBox.Icon.Critical, "Therapy Notes cannot start", message)

    def on_finished(_result: int) -> None:
        if not done.done():
            done.set_result(None)

    box.finished.connect(on_finished)
    box.open()
    await done


async def _run(
    app: QApplication,
    config: AppConfig,
    db_key: DatabaseKey | None,
    splash: StartupSplash | None = None,
) -> int:
    reporter = CrashReporter(str(config.data_dir / "logs" / "therapy_notes.log"))
    reporter.install()
    if splash is not None:
        splash.show_status("Checking and opening your records…")
    try:
        parts = await build_app(config, db_key=db_key)
    except UserFacingError as exc:
        if splash is not None:
            splash.close()
        await _show_fatal(str(exc))
        return 1
    if splash is not None:
        splash.show_status("Loading the speech model…")
    parts.engine.start()  # the model loads while the user signs in
    if splash is not None:
        splash.close()  # the sign-in window is the next thing to use
    if await sign_in(parts.users) is None:
        await parts.shutdown()
        return 0
    quit_requested = asyncio.Event()
    parts.window.closed.connect(quit_requested.set)
    app.aboutToQuit.connect(quit_requested.set)
    parts.window.show()
    parts.library.list_patients()
    parts.recovery.find_interrupted()
    await quit_requested.wait()
    await parts.shutdown()
    return 0


def run_app(
    config: AppConfig,
    argv: Sequence[str] | None = None,
    *,
    splash: StartupSplash | None = None,
) -> int:
    """Open the window and run until it closes; returns the process exit code.

    `splash` is the one the launcher already shows (`ui.launch`); without it, Qt is
    started and the splash shown here.
    """
    if splash is None:
        app_or_problem = start_qt(argv)
        if isinstance(app_or_problem, str):
            sys.stderr.write(app_or_problem)
            return 1
        splash = show_splash(app_or_problem, "Opening your records…")
    else:
        splash.show_status("Opening your records…")
        QApplication.processEvents()  # no event loop yet: paint the new status now
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        config = resolve_data_dir(config)
        # A clinic's server encrypts at rest and this computer keeps no copy: no key.
        db_key = None if config.is_shared_database else unlock_database(config)
    except UserFacingError as exc:
        splash.close()
        QMessageBox.critical(None, "Therapy Notes cannot open its records", str(exc))
        return 1
    collector = GuiThreadCollector()
    collector.start()
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            return runner.run(_run(app, config, db_key, splash))
    finally:
        collector.stop()


def unlock_database(config: AppConfig) -> DatabaseKey:
    """The database key, from the OS keyring or a passphrase; made (and shown) on first run.

    Runs before the event loop: nothing can open without the key, and asking is modal.
    """
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    from therapy_notes.storage.backup import opens_with
    from therapy_notes.storage.key_file import KeyFile

    service = KeyService(
        config.db_path,
        key_file=KeyFile(config.db_path),
        keyring=SystemKeyring(),
        prompt=DialogKeyPrompt(),
        opens_database=lambda key: opens_with(config.db_path, key),
    )
    return service.unlock().key
