"""The crash recovery prompt: every interrupted session listed and checked; Recover or Later."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from therapy_notes.domain.session import InterruptedSession
from therapy_notes.ui.dialogs.recovery_dialog import RecoveryDialog
from therapy_notes.ui.widgets.patient_panel import local_time

STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SESSIONS = [
    InterruptedSession(11, 1, "soap", STARTED, 42),
    InterruptedSession(12, None, "dictation", STARTED, 3),
    InterruptedSession(13, 9, "dap", STARTED, 0),
]


def _open(qtbot: Any) -> RecoveryDialog:
    dialog = RecoveryDialog(SESSIONS, {1: "Jordan Lee"})
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_each_session_is_listed_with_its_patient_and_what_was_saved(qtbot: Any) -> None:
    dialog = _open(qtbot)
    when = local_time(STARTED)
    assert dialog.rows() == [
        f"Jordan Lee — {when} — 42 segment(s) saved",
        f"No patient (dictation) — {when} — 3 segment(s) saved",
        f"Patient 9 — {when} — 0 segment(s) saved",  # a name not given: the id, not a blank
    ]
    assert dialog.chosen_ids() == [11, 12, 13]  # all checked at first


def test_recover_accepts_with_the_sessions_still_checked(qtbot: Any) -> None:
    dialog = _open(qtbot)
    dialog.sessions.item(1).setCheckState(Qt.CheckState.Unchecked)
    with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
        qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Accepted.value]
    assert dialog.chosen_ids() == [11, 13]


def test_later_rejects(qtbot: Any) -> None:
    dialog = _open(qtbot)
    with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
        qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Rejected.value]
