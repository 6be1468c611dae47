"""The first second of the window: Qt, the app's identity and the splash, before the rest.

Importing the app proper (the ORM, numpy, the window's modules) takes over a second on a
modest laptop, and until now the splash waited for all of it: the first pixels came 1.6 s
after launch. This module imports only Qt and the splash, so the splash is on screen first
and says what is happening while the rest loads.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import QMessageLogContext, QSize, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from therapy_notes.resource_paths import APP_ID, ICON_SIZES_PX, icon_path
from therapy_notes.ui.platform_check import xcb_problem
from therapy_notes.ui.widgets.startup_splash import StartupSplash

_log = logging.getLogger(__name__)
_qt_log = logging.getLogger("therapy_notes.qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _on_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    _qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


def route_qt_messages() -> object:
    """Qt's own warnings go to the app's log (redacted, rotated), not to a lost stderr.

    Returns the handler it replaced.
    """
    return qInstallMessageHandler(_on_qt_message)


def app_icon() -> QIcon:
    """The app icon at every generated size; an empty icon if the assets are missing."""
    icon = QIcon()
    try:
        sizes = [(s, icon_path(s)) for s in ICON_SIZES_PX]
        source = icon_path()
    except FileNotFoundError:
        _log.warning("app icon not found; the window has the platform's default icon")
        return icon
    for size_px, path in sizes:
        if path.is_file():
            icon.addFile(str(path), QSize(size_px, size_px))
    if icon.isNull() and source.is_file():
        icon.addFile(str(source))
    return icon


def start_qt(argv: Sequence[str] | None = None) -> QApplication | str:
    """The application object, named and with its icon; or what to install to get one.

    Qt aborts with a line most users never see when it cannot load its platform plugin,
    so on X11 the plugin's libraries are checked first and the missing packages named.
    """
    existing = QApplication.instance()
    if existing is None:
        problem = xcb_problem()
        if problem:
            return problem
        route_qt_messages()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(list(argv) if argv is not None else sys.argv)
    )
    app.setApplicationName("Therapy Notes")
    app.setOrganizationName("TherapyNotes")
    app.setDesktopFileName(APP_ID)  # Linux: the taskbar finds therapy-notes.desktop's icon
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # shutdown is ours: save first, then quit
    return app


def show_splash(app: QApplication, status: str) -> StartupSplash:
    """Map and paint the splash now: there is no event loop yet."""
    splash = StartupSplash(app.windowIcon())
    splash.show_status(status)
    QApplication.processEvents()
    return splash
