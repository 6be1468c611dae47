"""Bugs end up here: logged with their traceback, shown in a dialog, and the app goes on.

qasync routes exceptions from slots and tasks to `sys.excepthook`, so installing this one
catches both. Errors the user can act on never reach it: controllers show those as messages.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

_log = logging.getLogger(__name__)

CRASH_TEXT = (
    "Something went wrong inside Therapy Notes. Your recording and notes are saved as "
    "they arrive, so nothing already shown is lost. The details were written to the "
    "log file; please send it to support."
)


class CrashReporter:
    """The excepthook: one dialog at a time, and the details in the log."""

    def __init__(self, log_hint: str = "") -> None:
        self._log_hint = log_hint
        self._dialog: QMessageBox | None = None
        self.count = 0

    def install(self) -> None:
        sys.excepthook = self.excepthook

    def excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.count += 1
        _log.error("unexpected error", exc_info=(exc_type, exc, tb))
        if QApplication.instance() is None or self._dialog is not None:
            return
        box = QMessageBox()
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Unexpected error")
        box.setText(CRASH_TEXT + (f"\n\nLog: {self._log_hint}" if self._log_hint else ""))
        box.setDetailedText("".join(traceback.format_exception_only(exc_type, exc)))
        box.finished.connect(self._on_dialog_finished)
        self._dialog = box
        box.open()

    @property
    def dialog(self) -> QMessageBox | None:
        return self._dialog

    def _on_dialog_finished(self, _result: int) -> None:
        self._dialog = None
