"""Start the real window on the X11 platform (xcb) once, screenshot it, fail on a Qt warning.

    Xvfb :99 & DISPLAY=:99 python scripts/xcb_smoke.py OUT.png

The tests run Qt on the offscreen platform, which needs none of the X libraries a
desktop needs; this starts the app the way a clinician's Linux desktop does, so a missing
library or plugin fails CI instead of the README's first command.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "xcb"

import keyring
import keyring.backend
import keyring.errors
import qasync
from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from therapy_notes.app import build_app
from therapy_notes.config import AppConfig
from therapy_notes.ui.platform_check import xcb_problem

QT_MESSAGES: list[str] = []


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("none")


def _on_qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        QT_MESSAGES.append(message)


async def _shoot(out: Path, data_dir: Path) -> None:
    parts = await build_app(AppConfig(data_dir=data_dir))
    window = parts.window
    window.resize(1280, 800)
    window.show()
    deadline = asyncio.get_running_loop().time() + 20
    while not window.windowHandle() or not window.windowHandle().isExposed():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the window was never shown on the X server")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    screen = window.screen().grabWindow(0)  # the X server's pixels, not a widget render
    screen.save(str(out))
    window.close()
    await parts.shutdown()


def main(argv: list[str]) -> int:
    """Exit 0 when the window appeared, was captured, and Qt warned about nothing."""
    if len(argv) != 2:
        sys.stderr.write("usage: xcb_smoke.py OUT.png\n")
        return 2
    problem = xcb_problem()
    if problem:
        sys.stderr.write(problem)
        return 1
    qInstallMessageHandler(_on_qt_message)
    keyring.set_keyring(_MemoryKeyring())
    app = QApplication(argv[:1])
    app.setQuitOnLastWindowClosed(False)
    platform = app.platformName()
    with (
        tempfile.TemporaryDirectory() as data_dir,
        asyncio.Runner(loop_factory=qasync.QEventLoop) as runner,
    ):
        runner.run(_shoot(Path(argv[1]), Path(data_dir)))
    if platform != "xcb":
        sys.stderr.write(f"Qt started on {platform!r}, not xcb\n")
        return 1
    if QT_MESSAGES:
        sys.stderr.write("Qt warned:\n" + "\n".join(QT_MESSAGES) + "\n")
        return 1
    sys.stdout.write(f"window shown on xcb; screenshot {argv[1]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
