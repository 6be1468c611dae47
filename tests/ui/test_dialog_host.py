"""The dialog host on its own: each dialog opened over the window, tracked, and answered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from tests.ui.conftest import MemoryKeyring, wait_for_signal
from therapy_notes.domain.notes import EntrySource, Note, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import InterruptedSession
from therapy_notes.domain.sign_off import sign_off_check
from therapy_notes.services.templates import available_templates, load_template
from therapy_notes.services.users import UsersService
from therapy_notes.storage import Database, open_database
from therapy_notes.ui.controllers.notes import ProgressPoint
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.dialog_host import DialogHost
from therapy_notes.ui.dialogs.export_dialog import ExportChoice
from therapy_notes.ui.dialogs.settings_dialog import SettingsPage
from therapy_notes.ui.settings_store import ApiKeyStore, SettingsStore

STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class Hosted:
    host: DialogHost
    window: QWidget
    settings: SettingsController
    db: Database


@pytest.fixture
def hosted(
    tmp_path: Path, qtbot: Any, run: Callable[..., Any], memory_keyring: MemoryKeyring
) -> Iterator[Hosted]:
    db = open_database(tmp_path / "therapy_notes.db")
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    users = UsersController(UsersService(db.uow_factory, hasher=hasher))
    settings = SettingsController(SettingsStore(tmp_path / "settings.ini"), ApiKeyStore(), None)
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    host = DialogHost(window, settings=settings, users=users, template_names=available_templates())
    yield Hosted(host, window, settings, db)
    run(settings.shutdown())
    run(users.shutdown())
    db.close()


def _note(*, risk: bool) -> Note:
    return Note(
        1,
        "soap",
        entries=[NoteEntry("subjective", "Client reports low mood.", EntrySource.MODEL)],
        risks=[RiskFlag(RiskKind.SELF_HARM, "thought of ending it", id=4)] if risk else [],
    )


def test_dialogs_open_over_the_window_and_are_dropped_when_they_close(
    hosted: Hosted, qtbot: Any
) -> None:
    host = hosted.host
    accepted: list[tuple[str, str]] = []
    host.addendum_accepted.connect(lambda reason, text: accepted.append((reason, text)))
    host.open_addendum()
    dialog = host.addendum_dialog
    assert dialog is not None
    assert dialog.parentWidget() is hosted.window
    assert dialog.isVisible()
    dialog.reject()
    assert host.addendum_dialog is None
    assert accepted == []  # cancelled: nothing to add

    host.open_addendum()
    dialog = host.addendum_dialog
    assert dialog is not None
    dialog.reason.setText("Late entry")
    dialog.text.setPlainText("Home exercise sheet given.")
    dialog.accept()
    assert accepted == [("Late entry", "Home exercise sheet given.")]
    assert host.addendum_dialog is None


def test_signing_is_confirmed_only_when_nothing_blocks_it(hosted: Hosted, qtbot: Any) -> None:
    host = hosted.host
    confirmed: list[bool] = []
    host.sign_accepted.connect(lambda: confirmed.append(True))
    soap = load_template("soap")
    host.open_sign(sign_off_check(_note(risk=True), soap), "SOAP — Jordan Lee", "Ana Ruiz")
    blocked = host.sign_dialog
    assert blocked is not None
    assert "Ana Ruiz" in blocked.signer.text()
    blocked.accept()  # refused by the dialog: a risk is not acknowledged
    blocked.reject()
    assert confirmed == []
    assert host.sign_dialog is None
    host.open_sign(sign_off_check(_note(risk=False), soap), "SOAP — Jordan Lee", "Ana Ruiz")
    dialog = host.sign_dialog
    assert dialog is not None
    dialog.sign_button.click()
    assert confirmed == [True]


def test_export_asks_the_options_then_where_to_save(
    hosted: Hosted, qtbot: Any, tmp_path: Path
) -> None:
    host = hosted.host
    host.open_export()
    options = host.export_dialog
    assert options is not None
    options.format.setCurrentIndex(2)  # Markdown
    with qtbot.waitSignal(host.export_options_chosen) as chosen:
        options.accept()
    (choice,) = chosen.args
    assert isinstance(choice, ExportChoice)
    assert (choice.export_format, choice.suffix) == ("md", ".md")
    assert host.export_dialog is None

    host.open_export_file(choice, "note-7.md")
    files = host.file_dialog
    assert files is not None
    assert Path(files.selectedFiles()[0]).name == "note-7.md"
    target = tmp_path / "note.md"
    with qtbot.waitSignal(host.export_file_chosen) as saved:
        files.selectFile(str(target))
        files.accept()
    assert saved.args == [str(target), choice]
    assert host.file_dialog is None


def test_a_new_or_edited_patient_is_handed_back_to_be_saved(hosted: Hosted, qtbot: Any) -> None:
    host = hosted.host
    host.open_patient(None)
    dialog = host.patient_dialog
    assert dialog is not None
    assert dialog.windowTitle() == "New patient"
    dialog.name.setText("Sam Ortiz")
    with qtbot.waitSignal(host.patient_accepted) as saved:
        dialog.accept()
    (patient,) = saved.args
    assert isinstance(patient, Patient)
    assert patient.name == "Sam Ortiz"
    assert host.patient_dialog is None
    host.open_patient(Patient("Jordan Lee", "MRN-7", id=3))
    dialog = host.patient_dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Edit patient"
    dialog.reject()


def test_closing_while_recording_asks_once_and_only_yes_confirms(
    hosted: Hosted, qtbot: Any
) -> None:
    host = hosted.host
    confirmed: list[bool] = []
    host.close_confirmed.connect(lambda: confirmed.append(True))
    host.ask_close_while_recording()
    box = host.close_box
    assert box is not None
    host.ask_close_while_recording()  # a second close while it asks
    assert host.close_box is box
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.No).click()
    assert confirmed == []
    assert host.close_box is None
    host.ask_close_while_recording()
    box = host.close_box
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    assert confirmed == [True]


def test_recovery_is_offered_only_for_interrupted_sessions(hosted: Hosted, qtbot: Any) -> None:
    host = hosted.host
    host.open_recovery([], {})
    assert host.recovery_dialog is None
    host.open_recovery([InterruptedSession(11, 1, "soap", STARTED, 42)], {1: "Jordan Lee"})
    dialog = host.recovery_dialog
    assert dialog is not None
    with qtbot.waitSignal(host.recovery_accepted) as chosen:
        dialog.accept()
    assert chosen.args == [[11]]
    assert host.recovery_dialog is None


def test_settings_open_at_the_page_asked_for_and_save_when_accepted(
    hosted: Hosted, run: Callable[..., Any]
) -> None:
    host = hosted.host

    async def scenario() -> None:
        host.open_settings(SettingsPage.ADVANCED)
        dialog = host.settings_dialog
        assert dialog is not None
        assert dialog.page is SettingsPage.ADVANCED
        await hosted.settings.wait_idle()
        dialog.lock_after.setValue(7)
        saved = wait_for_signal(hosted.settings.settings_saved)
        dialog.accept()
        (settings,) = await saved
        assert settings.lock_after_min == 7
        assert host.settings_dialog is None

    run(scenario())


def test_help_windows_and_voice_enrollment(hosted: Hosted) -> None:
    host = hosted.host
    record = QAction("Record / Stop", hosted.window)
    record.setShortcut(QKeySequence("F9"))
    host.open_shortcuts([record])
    shortcuts = host.help_dialog
    assert shortcuts is not None
    table = shortcuts.table  # type: ignore[attr-defined]
    assert (table.item(0, 0).text(), table.item(0, 1).text()) == ("Record / Stop", "F9")
    shortcuts.reject()
    host.open_about()
    about = host.help_dialog
    assert isinstance(about, QMessageBox)
    assert "Therapy Notes" in about.text()
    about.reject()
    assert not host.can_enroll_voice  # built without a voice controller
    host.open_voice_enrollment()
    assert host.voice_dialog is None


def test_progress_fills_in_for_its_own_patient_only(hosted: Hosted) -> None:
    host = hosted.host
    host.open_progress(7, "Jordan Lee")
    dialog = host.progress_dialog
    assert dialog is not None
    series = {"Pain score (/10)": [ProgressPoint(STARTED, 4.0)]}
    host.show_progress(8, series)  # another patient's answer, arriving late
    assert dialog.chart.series_names() == []
    host.show_progress(7, series)
    assert dialog.chart.series_names() == ["Pain score (/10)"]
    dialog.close()
