"""Child process of the start-up benchmark: the real entry point, timed from process launch.

`python -m tests.benchmarks.gui_startup_child --data-dir D --patients N --launched T` runs
`therapy_notes.cli.main` (the same path as `python -m therapy_notes`) on an existing data
folder (seeded by `gui_support.seed_database`; the key comes from the passphrase in the
environment) and notes, in seconds since the parent launched the process:

- `splash_shown`, `splash_painted`: the start-up splash's Show event and its first Paint
  event: the first pixels of the app on screen;
- `sign_in_shown`: the sign-in dialog's Show event (the database is unlocked and open);
- `sign_in_ready`: the first event-loop turn after it: the first window that takes input;
- `submitted`: the clinician's credentials typed in and Sign in clicked, at once (no
  typing time: the engine's model load then competes with sign-in, the worst case);
- `shown`: the main window's Show event;
- `first_loop`: the first event-loop turn after it (the window can take input);
- `patients_listed`: the patient list holds every patient of the database;
- `usable`: the first event-loop turn once both are true;
- `engine_ready`: the local engine has loaded its model and listens (in the background).

Then it closes the window the way a user would and the app shuts down normally.
"""

from __future__ import annotations

import time

BORN = time.time()

import argparse  # noqa: E402  (the clock starts before any import)
import logging  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QWidget,
)

from tests.benchmarks.gui_support import (  # noqa: E402
    CLINICIAN_PASSWORD,
    CLINICIAN_USERNAME,
    emit_result,
    rss_mb,
)

GIVE_UP_S = 120.0


class StartupProbe(QObject):
    """Watches the app from outside: Qt events on the window and the patient list."""

    def __init__(self, launched: float, patients: int) -> None:
        super().__init__()
        self._launched = launched
        self._patients = patients
        self.marks: dict[str, float] = {}
        self.rss: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._window: QWidget | None = None
        self._dialog: QDialog | None = None
        self.first_run_dialog: bool | None = None

    def mark(self, name: str) -> None:
        if name not in self.marks:
            self.marks[name] = round(time.time() - self._launched, 4)
            self.rss[name] = round(rss_mb(), 1)
            self.cpu[name] = round(time.process_time(), 4)
        if {"usable", "engine_ready"} <= self.marks.keys() and self._window is not None:
            QTimer.singleShot(0, self._window.close)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if type(watched).__name__ == "StartupSplash":
            if event.type() == QEvent.Type.Show:
                self.mark("splash_shown")
            elif event.type() == QEvent.Type.Paint:
                self.mark("splash_painted")
        if (
            event.type() == QEvent.Type.Show
            and self._dialog is None
            and type(watched).__name__ == "SignInDialog"
            and isinstance(watched, QDialog)
        ):
            self._dialog = watched
            self.first_run_dialog = bool(getattr(watched, "is_first_run", None))
            self.mark("sign_in_shown")
            QTimer.singleShot(0, self._sign_in)
        if (
            event.type() == QEvent.Type.Show
            and self._window is None
            and type(watched).__name__ == "MainWindow"
            and isinstance(watched, QWidget)
        ):
            self._window = watched
            self.mark("shown")
            QTimer.singleShot(0, lambda: self._after_turn("first_loop"))
            for listing in watched.findChildren(QListWidget):
                if listing.accessibleName() == "Patients":
                    listing.model().rowsInserted.connect(
                        lambda *_, listing=listing: self._on_rows(listing)
                    )
                    self._on_rows(listing)
        return False

    def _sign_in(self) -> None:
        """Type the clinician's name and password, as a user would, and click Sign in."""
        self.mark("sign_in_ready")
        dialog = self._dialog
        assert dialog is not None
        fields = {f.accessibleName(): f for f in dialog.findChildren(QLineEdit)}
        fields["User name"].setText(CLINICIAN_USERNAME)
        fields["Password"].setText(CLINICIAN_PASSWORD)
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        self.mark("submitted")
        buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    def _on_rows(self, listing: QListWidget) -> None:
        # One row more than the patients: "No patient (dictations)" comes first.
        if listing.count() == self._patients + 1 and "patients_listed" not in self.marks:
            self.mark("patients_listed")
            QTimer.singleShot(0, lambda: self._after_turn("patients_turn"))

    def _after_turn(self, name: str) -> None:
        self.mark(name)
        if {"first_loop", "patients_turn"} <= self.marks.keys():
            self.mark("usable")

    def give_up(self) -> None:
        if self._window is not None:
            self._window.close()
        elif self._dialog is not None:
            self._dialog.reject()


class EngineReadyHandler(logging.Handler):
    """The engine controller logs each state; "engine ready" means the model is loaded."""

    def __init__(self, probe: StartupProbe) -> None:
        super().__init__(logging.INFO)
        self._probe = probe

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "engine ready":
            self._probe.mark("engine_ready")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--launched", type=float, required=True)
    args = parser.parse_args(argv)
    app = QApplication([sys.argv[0]])
    probe = StartupProbe(args.launched, args.patients)
    app.installEventFilter(probe)
    engine_log = logging.getLogger("therapy_notes.ui.controllers.engine")
    handler = EngineReadyHandler(probe)
    engine_log.addHandler(handler)
    QTimer.singleShot(int(GIVE_UP_S * 1000), probe.give_up)
    probe.marks["module_start"] = round(BORN - args.launched, 4)

    from therapy_notes.cli import main as app_main

    code = app_main(["--data-dir", str(args.data_dir)])
    engine_log.removeHandler(handler)
    result: dict[str, Any] = {
        "exit_code": code,
        "marks_s": probe.marks,
        "rss_mb": probe.rss,
        "cpu_s": probe.cpu,
        "first_run_dialog": probe.first_run_dialog,
    }
    emit_result(result)
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
