"""The window's dialogs: opens each one over the window, keeps it while open, reports the answer.

Ten or so flows (settings, help, search, patient, sign, addendum, export, accounts, voice
enrollment, progress, crash recovery, closing while recording) share one shape: build the
dialog, `open()` it (never `exec()`, STYLE.md), keep a reference so it is not collected
and so tests and screenshots can reach it, and drop the reference when it finishes. This
module is that shape, once. What an answer means for the open session (which note to sign,
which session to export) is for the pages to decide, so the answers go out as signals;
only Settings, whose dialog is built over its controller, saves through it here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import InterruptedSession
from therapy_notes.domain.sign_off import SignOffCheck
from therapy_notes.ui.controllers.notes import ProgressPoint
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.controllers.voice import VoiceEnrollmentController
from therapy_notes.ui.dialogs.addendum_dialog import AddendumDialog
from therapy_notes.ui.dialogs.export_dialog import ExportChoice, ExportDialog
from therapy_notes.ui.dialogs.help_dialogs import DataPlaces, DataProtectionDialog, ShortcutsDialog
from therapy_notes.ui.dialogs.patient_dialog import PatientDialog
from therapy_notes.ui.dialogs.progress_dialog import ProgressDialog
from therapy_notes.ui.dialogs.recovery_dialog import RecoveryDialog
from therapy_notes.ui.dialogs.search_dialog import SearchDialog
from therapy_notes.ui.dialogs.settings_dialog import SettingsDialog, SettingsPage
from therapy_notes.ui.dialogs.sign_dialog import SignDialog
from therapy_notes.ui.dialogs.users_dialog import UsersDialog
from therapy_notes.ui.dialogs.voice_dialog import VoiceEnrollmentDialog


def app_version() -> str:
    """The installed package's version, or a marker when run from a source tree."""
    try:
        return version("therapy-notes")
    except PackageNotFoundError:
        return "(development)"


class DialogHost(QObject):
    """Opens and tracks the window's dialogs; each answer goes out as a signal.

    Signals:
        patient_accepted: the profile to save (object: Patient).
        sign_accepted: the signer confirmed the signature ().
        addendum_accepted: the addendum's reason and text (str, str).
        export_options_chosen: the format and options; a file name is asked next
            (object: ExportChoice).
        export_file_chosen: where to save, and as what (object: Path-like str, object:
            ExportChoice).
        recovery_accepted: the interrupted sessions to recover (list[int]).
        close_confirmed: stop the recording, save it, then close ().
    """

    patient_accepted = Signal(object)
    sign_accepted = Signal()
    addendum_accepted = Signal(str, str)
    export_options_chosen = Signal(object)
    export_file_chosen = Signal(str, object)
    recovery_accepted = Signal(list)
    close_confirmed = Signal()

    def __init__(
        self,
        window: QWidget,
        *,
        settings: SettingsController,
        users: UsersController,
        template_names: tuple[str, ...],
        voice: VoiceEnrollmentController | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self._users = users
        self._voice = voice
        self._template_names = template_names
        self.search_dialog = SearchDialog(window)
        """The one search window: it keeps its query and hits between openings."""
        self._settings_dialog: SettingsDialog | None = None
        self._help_dialog: QDialog | None = None
        self._patient_dialog: PatientDialog | None = None
        self._sign_dialog: SignDialog | None = None
        self._addendum_dialog: AddendumDialog | None = None
        self._export_dialog: ExportDialog | None = None
        self._file_dialog: QFileDialog | None = None
        self._export_choice: ExportChoice | None = None
        self._users_dialog: UsersDialog | None = None
        self._voice_dialog: VoiceEnrollmentDialog | None = None
        self._progress_dialog: ProgressDialog | None = None
        self._recovery_dialog: RecoveryDialog | None = None
        self._close_box: QMessageBox | None = None

    # -- what is open ------------------------------------------------------------------------

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self._settings_dialog

    @property
    def help_dialog(self) -> QDialog | None:
        """The Help window last opened (shortcuts, data, about)."""
        return self._help_dialog

    @property
    def patient_dialog(self) -> PatientDialog | None:
        return self._patient_dialog

    @property
    def sign_dialog(self) -> SignDialog | None:
        return self._sign_dialog

    @property
    def addendum_dialog(self) -> AddendumDialog | None:
        return self._addendum_dialog

    @property
    def export_dialog(self) -> ExportDialog | None:
        return self._export_dialog

    @property
    def file_dialog(self) -> QFileDialog | None:
        return self._file_dialog

    @property
    def users_dialog(self) -> UsersDialog | None:
        return self._users_dialog

    @property
    def voice_dialog(self) -> VoiceEnrollmentDialog | None:
        return self._voice_dialog

    @property
    def progress_dialog(self) -> ProgressDialog | None:
        return self._progress_dialog

    @property
    def recovery_dialog(self) -> RecoveryDialog | None:
        return self._recovery_dialog

    @property
    def close_box(self) -> QMessageBox | None:
        return self._close_box

    @property
    def can_enroll_voice(self) -> bool:
        """Voice enrollment needs its controller; a window built without one has none."""
        return self._voice is not None

    # -- search, settings, help --------------------------------------------------------------

    def open_search(self) -> None:
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.query.setFocus()
        self.search_dialog.query.selectAll()

    def open_settings(self, page: SettingsPage | None = None) -> None:
        """Settings, at `page` when a problem's fix lives there; saved when accepted."""
        dialog = SettingsDialog(self._settings, self._window, template_names=self._template_names)
        if page is not None:
            dialog.show_page(page)
        dialog.finished.connect(self._on_settings_dialog_finished)
        self._settings_dialog = dialog
        dialog.open()

    def _on_settings_dialog_finished(self, result: int) -> None:
        dialog, self._settings_dialog = self._settings_dialog, None
        if dialog is None or result != SettingsDialog.DialogCode.Accepted:
            return
        self._settings.save(dialog.values(), dialog.new_api_key(), dialog.new_engine_token())

    def open_shortcuts(self, actions: list[QAction]) -> None:
        """Help > Keyboard shortcuts: read from the actions, so it never goes stale."""
        dialog = ShortcutsDialog(actions, self._window)
        self._help_dialog = dialog
        dialog.open()

    def open_data_protection(self, places: DataPlaces) -> None:
        """Help > Your data: which folder and database, and how each part is protected."""
        dialog = DataProtectionDialog(places, self._window)
        self._help_dialog = dialog
        dialog.open()

    def open_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            "About Therapy Notes",
            f"<b>Therapy Notes {app_version()}</b><br>Records a therapy session or a "
            "dictation, shows who said what beside a structured clinical note, and keeps "
            "every session in an encrypted database on this computer.",
            QMessageBox.StandardButton.Close,
            self._window,
        )
        self._help_dialog = box
        box.open()

    # -- patients, accounts, voice -----------------------------------------------------------

    def open_patient(self, patient: object) -> None:
        """A new profile (anything but a `Patient`), or the given one to edit."""
        dialog = PatientDialog(
            patient if isinstance(patient, Patient) else None, self._template_names, self._window
        )
        dialog.finished.connect(self._on_patient_dialog_finished)
        self._patient_dialog = dialog
        dialog.open()

    def _on_patient_dialog_finished(self, result: int) -> None:
        dialog, self._patient_dialog = self._patient_dialog, None
        if dialog is not None and result == PatientDialog.DialogCode.Accepted:
            self.patient_accepted.emit(dialog.patient())

    def open_users(self) -> None:
        dialog = UsersDialog(self._users, self._window)
        dialog.finished.connect(self._on_users_dialog_finished)
        self._users_dialog = dialog
        dialog.open()

    def _on_users_dialog_finished(self, _result: int) -> None:
        self._users_dialog = None

    def open_voice_enrollment(self) -> None:
        """One enrollment at a time; nothing when the window has no voice controller."""
        if self._voice is None or self._voice_dialog is not None:
            return
        dialog = VoiceEnrollmentDialog(self._voice, self._window)
        dialog.finished.connect(self._on_voice_dialog_finished)
        self._voice_dialog = dialog
        dialog.open()

    def _on_voice_dialog_finished(self, _result: int) -> None:
        self._voice_dialog = None

    # -- sign, addendum, export --------------------------------------------------------------

    def open_sign(self, check: SignOffCheck, note_title: str, signer: str) -> None:
        """The confirmation before signing: summary, signer, and what blocks it."""
        dialog = SignDialog(check, note_title, signer, self._window)
        dialog.finished.connect(self._on_sign_dialog_finished)
        self._sign_dialog = dialog
        dialog.open()

    def _on_sign_dialog_finished(self, result: int) -> None:
        dialog, self._sign_dialog = self._sign_dialog, None
        if dialog is not None and result == QDialog.DialogCode.Accepted:
            self.sign_accepted.emit()

    def open_addendum(self) -> None:
        dialog = AddendumDialog(self._window)
        dialog.finished.connect(self._on_addendum_dialog_finished)
        self._addendum_dialog = dialog
        dialog.open()

    def _on_addendum_dialog_finished(self, result: int) -> None:
        dialog, self._addendum_dialog = self._addendum_dialog, None
        if dialog is not None and result == QDialog.DialogCode.Accepted:
            reason, text = dialog.values()
            self.addendum_accepted.emit(reason, text)

    def open_export(self) -> None:
        """Export, step one: the format and options."""
        dialog = ExportDialog(self._window)
        dialog.finished.connect(self._on_export_dialog_finished)
        self._export_dialog = dialog
        dialog.open()

    def _on_export_dialog_finished(self, result: int) -> None:
        dialog, self._export_dialog = self._export_dialog, None
        if dialog is not None and result == QDialog.DialogCode.Accepted:
            self.export_options_chosen.emit(dialog.choice())

    def open_export_file(self, choice: ExportChoice, file_name: str) -> None:
        """Export, step two: where to save, starting from `file_name`."""
        self._export_choice = choice
        files = QFileDialog(self._window, "Export note", file_name)
        files.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        files.setDefaultSuffix(choice.suffix.lstrip("."))
        files.fileSelected.connect(self._on_file_dialog_file_selected)
        files.finished.connect(self._on_file_dialog_finished)
        self._file_dialog = files
        files.open()

    def _on_file_dialog_file_selected(self, path: str) -> None:
        if self._export_choice is not None and path:
            self.export_file_chosen.emit(path, self._export_choice)

    def _on_file_dialog_finished(self, _result: int) -> None:
        self._file_dialog = None

    # -- progress, recovery, closing ---------------------------------------------------------

    def open_progress(self, patient_id: int, patient_name: str) -> None:
        """The chart window; it fills in when `show_progress` brings this patient's series."""
        dialog = ProgressDialog(patient_id, patient_name, self._window)
        dialog.finished.connect(self._on_progress_dialog_finished)
        self._progress_dialog = dialog
        dialog.show()

    def show_progress(self, patient_id: int, series: dict[str, list[ProgressPoint]]) -> None:
        dialog = self._progress_dialog
        if dialog is not None and dialog.patient_id == patient_id:
            dialog.show_series(series)

    def _on_progress_dialog_finished(self, _result: int) -> None:
        self._progress_dialog = None

    def open_recovery(self, sessions: list[InterruptedSession], names: dict[int, str]) -> None:
        """Sessions a crash interrupted, offered for recovery (nothing when there are none)."""
        if not sessions:
            return
        dialog = RecoveryDialog(sessions, names, self._window)
        dialog.finished.connect(self._on_recovery_dialog_finished)
        self._recovery_dialog = dialog
        dialog.open()

    def _on_recovery_dialog_finished(self, result: int) -> None:
        dialog, self._recovery_dialog = self._recovery_dialog, None
        if dialog is not None and result == QDialog.DialogCode.Accepted:
            self.recovery_accepted.emit(dialog.chosen_ids())

    def ask_close_while_recording(self) -> None:
        """Closing during a recording asks first (once: a second close while it asks waits)."""
        if self._close_box is not None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Recording in progress",
            "A session is being recorded. Stop it, save everything, and close?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._window,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(self._on_close_box_finished)
        self._close_box = box
        box.open()

    def _on_close_box_finished(self, _result: int) -> None:
        box, self._close_box = self._close_box, None
        clicked = box.clickedButton() if box is not None else None
        if (
            box is not None
            and clicked is not None
            and box.standardButton(clicked) == QMessageBox.StandardButton.Yes
        ):
            self.close_confirmed.emit()
