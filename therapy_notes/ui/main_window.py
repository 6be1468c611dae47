"""The main window: patients on the left; the session view on the right; menus, lock, closing.

It composes the window's parts and holds no session logic of its own: the session page
(`pages/session_page.py`) draws the live or reopened session, the review page
(`pages/review_page.py`) runs review, sign-off, export and copy, and the dialog host
(`dialog_host.py`) opens and tracks every dialog, and `window_menus.py` builds the menus
and their shortcuts. What stays here is what belongs to the window as a whole: what each
menu entry does, the left-hand tabs (patients, Review),
the colour scheme, the saved layout, the users menu and title, crash recovery's hand-off
to Review, closing safely while recording, and the lock: after the idle limit an overlay
hides every patient detail until the signed-in user's password is entered.

The widgets and dialogs that tests, scripts and the composition root reach through the
window (`window.transcript`, `window.sign_dialog`, ...) stay reachable here by the same
names, as the parts' own objects.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import RecordingState
from therapy_notes.domain.users import Role, User
from therapy_notes.ui.controllers.engine import EngineController
from therapy_notes.ui.controllers.library import LibraryController
from therapy_notes.ui.controllers.lock import IdleLock
from therapy_notes.ui.controllers.notes import NotesController
from therapy_notes.ui.controllers.recording import ACTIVE_STATES, RecordingController
from therapy_notes.ui.controllers.recovery import RecoveryController
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.controllers.voice import VoiceEnrollmentController
from therapy_notes.ui.dialog_host import DialogHost
from therapy_notes.ui.dialogs.addendum_dialog import AddendumDialog
from therapy_notes.ui.dialogs.export_dialog import ExportChoice, ExportDialog
from therapy_notes.ui.dialogs.help_dialogs import DataPlaces
from therapy_notes.ui.dialogs.patient_dialog import PatientDialog
from therapy_notes.ui.dialogs.progress_dialog import ProgressDialog
from therapy_notes.ui.dialogs.recovery_dialog import RecoveryDialog
from therapy_notes.ui.dialogs.settings_dialog import SettingsDialog, SettingsPage
from therapy_notes.ui.dialogs.sign_dialog import SignDialog
from therapy_notes.ui.dialogs.users_dialog import UsersDialog
from therapy_notes.ui.dialogs.voice_dialog import VoiceEnrollmentDialog
from therapy_notes.ui.launch import app_icon
from therapy_notes.ui.pages.review_page import ReviewPage
from therapy_notes.ui.pages.session_page import SessionPage, TemplateLookup
from therapy_notes.ui.settings_store import UiSettings
from therapy_notes.ui.theme import (
    ColourScheme,
    apply_colour_scheme,
    follow_system_scheme,
)
from therapy_notes.ui.widgets.lock_overlay import LockOverlay
from therapy_notes.ui.widgets.patient_panel import PatientPanel
from therapy_notes.ui.window_menus import MenuTargets, build_window_menus


class MainWindow(QMainWindow):
    """Therapy Notes' one window.

    Signals:
        close_deferred: closing waits for the running session to be saved ().
        closed: the window closed; the app may shut down ().
    """

    close_deferred = Signal()
    closed = Signal()

    def __init__(
        self,
        *,
        recording: RecordingController,
        library: LibraryController,
        engine: EngineController,
        settings: SettingsController,
        users: UsersController,
        notes: NotesController,
        lock: IdleLock,
        recovery: RecoveryController,
        template_names: tuple[str, ...],
        template_for: TemplateLookup,
        data_places: DataPlaces | None = None,
        voice: VoiceEnrollmentController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Therapy Notes")
        self.setAccessibleName("Therapy Notes")
        self.setWindowIcon(app_icon())
        self._recording = recording
        self._library = library
        self._settings = settings
        self._users = users
        self._notes = notes
        self._lock = lock
        self._recovery = recovery
        self._recovered: list[int] = []
        self._data_places = data_places
        self._close_after_stop = False
        self._hidden_while_locked: list[QWidget] = []

        self.dialogs = DialogHost(
            self, settings=settings, users=users, template_names=template_names, voice=voice
        )
        self.search_dialog = self.dialogs.search_dialog
        self.patients = PatientPanel()
        self.session_page = SessionPage(
            recording=recording,
            library=library,
            engine=engine,
            settings=settings,
            template_names=template_names,
            template_for=template_for,
            current_patient=lambda: self.patients.current_patient,
        )
        self.review_page = ReviewPage(
            notes=notes, users=users, session=self.session_page, dialogs=self.dialogs, parent=self
        )
        # The parts' widgets, by the names callers have always used.
        page = self.session_page
        self.bar = page.bar
        self.risk_banner = page.risk_banner
        self.notice = page.notice
        self.problem_bar = page.problem_bar
        self.patient_header = page.patient_header
        self.transcript = page.transcript
        self.note = page.note
        self.review = page.review
        self.note_stack = page.note_stack
        self.session_splitter = page.session_splitter
        self.budget = page.budget
        self.review_list = self.review_page.review_list

        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.patients, "Patients")
        self.left_tabs.addTab(self.review_list, "Review")
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.left_tabs)
        self.main_splitter.addWidget(self.session_page)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([360, 1000])
        self.setCentralWidget(self.main_splitter)
        self.lock_overlay = LockOverlay(self)
        self._build_actions()
        self._connect()
        self._apply_settings(settings.settings)
        self._restore_layout()
        self._colour_scheme = ColourScheme.SYSTEM
        self.scheme_actions[ColourScheme.SYSTEM].setChecked(True)
        stored = settings.store.colour_scheme()
        if stored in set(ColourScheme) and stored != ColourScheme.SYSTEM:
            # System needs nothing at start: Qt's own palette already follows the OS.
            self.set_colour_scheme(ColourScheme(stored), save=False)
        follow_system_scheme()

    # -- setup -------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        actions = build_window_menus(
            self,
            MenuTargets(
                toggle_recording=self.session_page.toggle_recording,
                swap_speakers=self._recording.swap_speakers,
                search=self.dialogs.open_search,
                settings=lambda: self.open_settings(),
                new_patient=lambda: self.dialogs.open_patient(None),
                export=self.review_page.open_export,
                copy_note=self.review_page.copy_note,
                users=self.dialogs.open_users,
                enroll_voice=self.dialogs.open_voice_enrollment,
                can_enroll_voice=self.dialogs.can_enroll_voice,
                review=self.review_page.review_shown_session,
                progress=self.open_progress,
                lock=self._lock.lock,
                quit=self.close,
                shortcuts=self.open_shortcuts,
                data_protection=self.open_data_protection,
                about=self.dialogs.open_about,
                colour_scheme=self.set_colour_scheme,
            ),
        )
        self.record_action = actions.record
        self.search_action = actions.search
        self.settings_action = actions.settings
        self.new_patient_action = actions.new_patient
        self.export_action = actions.export
        self.copy_action = actions.copy_note
        self.users_action = actions.users
        self.enroll_voice_action = actions.enroll_voice
        self.review_action = actions.review
        self.swap_speakers_action = actions.swap_speakers
        self.progress_action = actions.progress
        self.lock_action = actions.lock
        self.shortcuts_action = actions.shortcuts
        self.data_action = actions.data_protection
        self.about_action = actions.about
        self.scheme_actions = actions.schemes
        self._menu_actions = actions.in_menus
        self._guarded_actions = actions.guarded
        for action in self._guarded_actions:
            self.addAction(action)

    def _connect(self) -> None:
        lib, notes, dialogs = self._library, self._notes, self.dialogs
        self._recording.state_changed.connect(self._on_recording_state_changed)
        self._recording.session_finished.connect(self._on_recording_session_finished)
        self.session_page.settings_requested.connect(self.open_settings)
        self.patients.search_changed.connect(lib.list_patients)
        self.patients.patient_selected.connect(self._on_patients_patient_selected)
        self.patients.add_requested.connect(lambda: dialogs.open_patient(None))
        self.patients.edit_requested.connect(dialogs.open_patient)
        self.patients.session_activated.connect(self.open_session)
        lib.patients_listed.connect(self.patients.show_patients)
        lib.patient_saved.connect(self._on_library_patient_saved)
        lib.sessions_listed.connect(self._on_library_sessions_listed)
        lib.search_finished.connect(self.search_dialog.show_hits)
        lib.error_posted.connect(lambda message: self.notice.show_notice(message, True))
        self.search_dialog.search_requested.connect(lib.search)
        self.search_dialog.session_requested.connect(self.open_session)
        self._settings.settings_saved.connect(self._apply_settings)
        notes.note_changed.connect(self._on_notes_note_changed)
        notes.progress_loaded.connect(dialogs.show_progress)
        dialogs.patient_accepted.connect(lib.save_patient)
        dialogs.recovery_accepted.connect(self._on_dialogs_recovery_accepted)
        dialogs.close_confirmed.connect(self._on_dialogs_close_confirmed)
        self._lock.locked.connect(self._on_lock_locked)
        self._lock.unlocked.connect(self._on_lock_unlocked)
        self.lock_overlay.unlock_requested.connect(self._users.sign_in)
        self._users.signed_in.connect(self._on_users_signed_in)
        self._recovery.interrupted_found.connect(dialogs.open_recovery)
        self._recovery.session_recovered.connect(self._on_recovery_session_recovered)
        self._recovery.error_posted.connect(lambda m: self.notice.show_notice(m, True))
        self._users.sign_in_failed.connect(self._on_users_sign_in_failed)

    def _restore_layout(self) -> None:
        store = self._settings.store
        geometry = store.layout("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        for splitter in (self.main_splitter, self.session_splitter):
            state = store.layout(splitter.objectName())
            if state is not None:
                splitter.restoreState(state)

    def save_layout(self) -> None:
        store = self._settings.store
        store.save_layout("geometry", self.saveGeometry())
        for splitter in (self.main_splitter, self.session_splitter):
            store.save_layout(splitter.objectName(), splitter.saveState())

    def _apply_settings(self, settings: UiSettings) -> None:
        self._lock.set_lock_after(settings.lock_after_min * 60)

    # -- the parts, as callers reach them ----------------------------------------------------

    @property
    def session_id(self) -> int | None:
        """The session shown in the session view (live or reopened)."""
        return self.session_page.session_id

    @property
    def audit_records(self) -> list[object]:
        """The audit trail of the note under review, as last listed."""
        return self.review_page.audit_records

    def start_recording(self) -> None:
        self.session_page.start_recording()

    def open_session(self, session_id: int) -> None:
        self.session_page.open_session(session_id)

    def open_review(self, session_id: int) -> None:
        """Show the note of a stored session for review, signature and export."""
        self.review_page.open_review(session_id)

    def open_addendum(self) -> None:
        self.review_page.open_addendum()

    def export_note(self, path: Path, choice: ExportChoice) -> None:
        """Write the shown session's note to `path` as chosen."""
        self.review_page.export_note(path, choice)

    def highlighted_transcript(self) -> list[str]:
        """The transcript rows highlighted for the clicked entry."""
        return self.session_page.highlighted_transcript()

    def open_settings(self, page: SettingsPage | None = None) -> None:
        """Settings, at `page` when a problem's fix lives there."""
        self.dialogs.open_settings(page)

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self.dialogs.settings_dialog

    @property
    def help_dialog(self) -> QDialog | None:
        """The Help window last opened (shortcuts, data, about)."""
        return self.dialogs.help_dialog

    @property
    def patient_dialog(self) -> PatientDialog | None:
        return self.dialogs.patient_dialog

    @property
    def sign_dialog(self) -> SignDialog | None:
        return self.dialogs.sign_dialog

    @property
    def addendum_dialog(self) -> AddendumDialog | None:
        return self.dialogs.addendum_dialog

    @property
    def export_dialog(self) -> ExportDialog | None:
        return self.dialogs.export_dialog

    @property
    def file_dialog(self) -> QFileDialog | None:
        return self.dialogs.file_dialog

    @property
    def progress_dialog(self) -> ProgressDialog | None:
        return self.dialogs.progress_dialog

    @property
    def recovery_dialog(self) -> RecoveryDialog | None:
        return self.dialogs.recovery_dialog

    @property
    def users_dialog(self) -> UsersDialog | None:
        return self.dialogs.users_dialog

    @property
    def voice_dialog(self) -> VoiceEnrollmentDialog | None:
        return self.dialogs.voice_dialog

    @property
    def close_box(self) -> QMessageBox | None:
        return self.dialogs.close_box

    # -- appearance and help -----------------------------------------------------------------

    @property
    def colour_scheme(self) -> ColourScheme:
        return self._colour_scheme

    def set_colour_scheme(self, scheme: ColourScheme, *, save: bool = True) -> None:
        """View > Appearance: light, dark, or the operating system's (kept for next time)."""
        self._colour_scheme = scheme
        self.scheme_actions[scheme].setChecked(True)
        apply_colour_scheme(scheme)
        if save:
            self._settings.store.save_colour_scheme(scheme.value)

    def open_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: read from the menus' actions, so it never goes stale."""
        self.dialogs.open_shortcuts(self._menu_actions)

    def open_data_protection(self) -> None:
        """Help > Your data: which folder and database, and how each part is protected."""
        if self._data_places is None:
            self.notice.show_notice("This window was started without a data folder.", False)
            return
        self.dialogs.open_data_protection(self._data_places)

    # -- patients, progress, recovery --------------------------------------------------------

    def _on_recording_state_changed(self, event: object) -> None:
        self.patients.setEnabled(getattr(event, "state", RecordingState.IDLE) not in ACTIVE_STATES)

    def _on_patients_patient_selected(self, patient: object) -> None:
        chosen = patient if isinstance(patient, Patient) else None
        self._library.list_sessions(chosen.id if chosen is not None else None)
        self.session_page.choose_patient(chosen)

    def _on_library_patient_saved(self, patient: Patient) -> None:
        self._library.list_patients(self.patients.search_box.text())
        if patient.id is not None:
            self.patients.show_patients([patient], select_id=patient.id)

    def _on_library_sessions_listed(self, patient_id: object, rows: list[object]) -> None:
        current = self.patients.current_patient
        if (current.id if current else None) == patient_id:
            self.patients.show_sessions(rows)  # type: ignore[arg-type]

    def _on_notes_note_changed(self, _session_id: int) -> None:
        """A status may have changed: the sessions list shows it now, not after the next run."""
        patient = self.patients.current_patient
        self._library.list_sessions(patient.id if patient is not None else None)

    def _on_recording_session_finished(self, _session_id: int) -> None:
        self._on_patients_patient_selected(self.patients.current_patient)
        if self._close_after_stop:
            self.close()

    def open_progress(self) -> None:
        """A chart of the selected patient's measurements across their sessions."""
        patient = self.patients.current_patient
        if patient is None or patient.id is None:
            self.notice.show_notice("Choose a patient to see their progress.", False)
            return
        self.dialogs.open_progress(patient.id, patient.name)
        self._notes.load_progress(patient.id)

    def _on_dialogs_recovery_accepted(self, session_ids: list[int]) -> None:
        self._recovered = session_ids
        self._recovery.recover(self._recovered)

    def _on_recovery_session_recovered(self, session_id: int) -> None:
        self._notes.list_awaiting()
        self._on_patients_patient_selected(self.patients.current_patient)
        if session_id == (self._recovered[0] if self._recovered else None):
            self.open_review(session_id)  # the first one opens; the rest wait in Review

    # -- users and the lock ------------------------------------------------------------------

    def _on_users_signed_in(self, user: User) -> None:
        self.setWindowTitle(f"Therapy Notes — {user.display_name}")
        if not self._lock.is_locked:
            self._lock.start()
        self.users_action.setEnabled(user.role is Role.ADMIN)
        self._notes.list_awaiting()
        if self._lock.is_locked:
            self._lock.unlock()

    def _on_users_sign_in_failed(self, message: str) -> None:
        if self._lock.is_locked:
            self.lock_overlay.show_error(message)

    @property
    def is_locked(self) -> bool:
        return self._lock.is_locked

    def _on_lock_locked(self) -> None:
        self.note.flush()
        self._hidden_while_locked = [w for w in self.findChildren(QDialog) if w.isVisible()]
        for widget in self._hidden_while_locked:
            widget.hide()
        self.main_splitter.hide()
        self.menuBar().setEnabled(False)
        for action in self._guarded_actions:
            action.setEnabled(False)
        user = self._users.current_user
        status = (
            "Recording continues: the transcript and note are still being saved."
            if self._recording.is_active
            else ""
        )
        self.lock_overlay.show_locked(user.username if user else "", status)

    def _on_lock_unlocked(self) -> None:
        self.lock_overlay.hide()
        self.main_splitter.show()
        self.menuBar().setEnabled(True)
        for action in self._guarded_actions:
            action.setEnabled(True)
        for widget in self._hidden_while_locked:
            widget.show()
        self._hidden_while_locked = []

    # -- closing -----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing while recording asks first, then saves the session before closing."""
        if self._recording.is_active:
            event.ignore()
            if not self._close_after_stop:
                self.dialogs.ask_close_while_recording()
            return
        self.note.flush()
        self.save_layout()
        self.search_dialog.close()
        event.accept()
        self.closed.emit()

    def _on_dialogs_close_confirmed(self) -> None:
        self._close_after_stop = True
        self.close_deferred.emit()
        self.notice.show_notice("Saving the session, then closing…", False)
        self._recording.stop()
