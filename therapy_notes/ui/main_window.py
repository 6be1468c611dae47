"""The main window: patients on the left; recording bar, transcript and note on the right.

It draws what the controllers report and tells them what the clinician wants; it holds no
session logic of its own. A "Review" tab lists draft notes; reviewing one shows the note
with its sources, signatures and addenda in place of the live note. After the idle limit
an overlay hides every patient detail until the signed-in user's password is entered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.notes import Note, NoteEntry, NoteTemplate, RiskFlag
from therapy_notes.domain.patient_header import PatientHeader
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.problems import Remedy, engine_problem
from therapy_notes.domain.session import RecordingState
from therapy_notes.domain.sign_off import sign_off_check
from therapy_notes.domain.users import Role, User
from therapy_notes.services.notes import NoteReview
from therapy_notes.services.recording import CAP_REACHED_MESSAGE
from therapy_notes.services.recovery import InterruptedSession
from therapy_notes.ui.controllers.engine import EngineController, EngineState
from therapy_notes.ui.controllers.library import LibraryController, SessionDetail
from therapy_notes.ui.controllers.lock import IdleLock
from therapy_notes.ui.controllers.notes import NotesController, ProgressPoint
from therapy_notes.ui.controllers.recording import (
    ACTIVE_STATES,
    RecordingController,
    SessionRequest,
)
from therapy_notes.ui.controllers.recovery import RecoveryController
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
from therapy_notes.ui.launch import app_icon
from therapy_notes.ui.settings_store import UiSettings
from therapy_notes.ui.theme import (
    SCHEME_TITLES,
    ColourScheme,
    apply_colour_scheme,
    follow_system_scheme,
)
from therapy_notes.ui.widgets.budget_gauge import BudgetGauge
from therapy_notes.ui.widgets.lock_overlay import LockOverlay
from therapy_notes.ui.widgets.note_view import NoteView
from therapy_notes.ui.widgets.notice_bar import NoticeBar
from therapy_notes.ui.widgets.patient_header import PatientHeaderView
from therapy_notes.ui.widgets.patient_panel import PatientPanel
from therapy_notes.ui.widgets.problem_bar import ProblemBar
from therapy_notes.ui.widgets.recording_bar import RecordingBar
from therapy_notes.ui.widgets.review_list import ReviewList
from therapy_notes.ui.widgets.review_view import ReviewView, note_title
from therapy_notes.ui.widgets.risk_banner import RiskBanner
from therapy_notes.ui.widgets.transcript_view import (
    IDLE_HINT,
    ITEM_ID_ROLE,
    LISTENING_HINT,
    TranscriptView,
)

_log = logging.getLogger(__name__)


def settings_shortcuts() -> list[QKeySequence]:
    """Ctrl+, everywhere (the README's key), plus the platform's own if it has another."""
    keys = [QKeySequence("Ctrl+,")]
    native = QKeySequence(QKeySequence.StandardKey.Preferences)
    if not native.isEmpty() and native != keys[0]:
        keys.append(native)
    return keys


def app_version() -> str:
    """The installed package's version, or a marker when run from a source tree."""
    try:
        return version("therapy-notes")
    except PackageNotFoundError:
        return "(development)"


TemplateLookup = Callable[[str], NoteTemplate]


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
        self._engine = engine
        self._settings = settings
        self._users = users
        self._notes = notes
        self._lock = lock
        self._recovery = recovery
        self._recovery_dialog: RecoveryDialog | None = None
        self._recovered: list[int] = []
        self._voice = voice
        self._voice_dialog: VoiceEnrollmentDialog | None = None
        self._template_names = template_names
        self._template_for = template_for
        self._session_id: int | None = None
        self._header_patient_id: int | None = None
        self._pending_text: dict[str, str] = {}
        self._close_after_stop = False
        self._restart_engine_after_stop = False
        self._settings_dialog: SettingsDialog | None = None
        self._help_dialog: QDialog | None = None
        self._data_places = data_places
        self._patient_dialog: PatientDialog | None = None
        self._close_box: QMessageBox | None = None
        self._addendum_dialog: AddendumDialog | None = None
        self._sign_dialog: SignDialog | None = None
        self._export_dialog: ExportDialog | None = None
        self._file_dialog: QFileDialog | None = None
        self._export_choice: ExportChoice | None = None
        self._users_dialog: UsersDialog | None = None
        self._progress_dialog: ProgressDialog | None = None
        self._hidden_while_locked: list[QWidget] = []
        self.audit_records: list[object] = []
        """The audit trail of the note under review, as last listed."""

        self.patients = PatientPanel()
        self.bar = RecordingBar(template_names)
        self.risk_banner = RiskBanner()
        self.notice = NoticeBar()
        self.problem_bar = ProblemBar()
        self.patient_header = PatientHeaderView()
        self.transcript = TranscriptView()
        self.note = NoteView()
        self.review = ReviewView()
        self.review_list = ReviewList()
        self.note_stack = QStackedWidget()
        self.note_stack.addWidget(self.note)
        self.note_stack.addWidget(self.review)
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.patients, "Patients")
        self.left_tabs.addTab(self.review_list, "Review")
        self.budget = BudgetGauge()
        self.search_dialog = SearchDialog(self)

        self.session_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.session_splitter.setObjectName("sessionSplitter")
        self.session_splitter.addWidget(self.transcript)
        self.session_splitter.addWidget(self.note_stack)
        self.session_splitter.setChildrenCollapsible(False)
        self.session_splitter.setSizes([500, 500])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.bar)
        right_layout.addWidget(self.problem_bar)
        right_layout.addWidget(self.risk_banner)
        right_layout.addWidget(self.notice)
        right_layout.addWidget(self.patient_header)
        right_layout.addWidget(self.session_splitter, 1)
        right_layout.addWidget(self.budget)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.left_tabs)
        self.main_splitter.addWidget(right)
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
        self.bar.show_engine(engine.state, "")

    # -- setup -------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.record_action = QAction("Record / Stop", self)
        self.record_action.setShortcut(QKeySequence(Qt.Key.Key_F9))
        self.record_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.record_action.triggered.connect(self._on_record_action_triggered)
        self.search_action = QAction("Search transcripts and notes…", self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.triggered.connect(self.open_search)
        self.settings_action = QAction("Settings…", self)
        self.settings_action.setShortcuts(settings_shortcuts())
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(lambda: self.open_settings())
        self.new_patient_action = QAction("New patient…", self)
        self.new_patient_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_patient_action.triggered.connect(lambda: self.open_patient(None))
        self.export_action = QAction("Export…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.open_export)
        self.copy_action = QAction("Copy note", self)
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.triggered.connect(self.copy_note)
        self.users_action = QAction("Users…", self)
        self.users_action.triggered.connect(self.open_users)
        self.users_action.setEnabled(False)
        self.enroll_voice_action = QAction("Enroll my voice…", self)
        self.enroll_voice_action.setToolTip(
            "Read a short passage once so sessions know which voice is yours"
        )
        self.enroll_voice_action.triggered.connect(self.open_voice_enrollment)
        self.enroll_voice_action.setEnabled(self._voice is not None)
        self.review_action = QAction("Review and sign", self)
        self.review_action.setShortcut(QKeySequence("Ctrl+R"))
        self.review_action.triggered.connect(self._on_review_action_triggered)
        self.swap_speakers_action = QAction("Swap clinician and client", self)
        self.swap_speakers_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.swap_speakers_action.setToolTip(
            "The voices were told apart but the roles are the wrong way round: swap them "
            "for this session."
        )
        self.swap_speakers_action.triggered.connect(self._recording.swap_speakers)
        self.progress_action = QAction("Progress over time…", self)
        self.progress_action.triggered.connect(self.open_progress)
        self.lock_action = QAction("Lock now", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self._lock.lock)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.new_patient_action)
        menu.addAction(self.export_action)
        menu.addAction(self.copy_action)
        menu.addSeparator()
        menu.addAction(self.settings_action)
        menu.addAction(self.users_action)
        menu.addAction(self.enroll_voice_action)
        menu.addAction(self.lock_action)
        menu.addSeparator()
        menu.addAction(quit_action)
        session_menu = self.menuBar().addMenu("&Session")
        session_menu.addAction(self.record_action)
        session_menu.addAction(self.swap_speakers_action)
        session_menu.addAction(self.search_action)
        session_menu.addAction(self.review_action)
        session_menu.addAction(self.progress_action)
        self.shortcuts_action = QAction("Keyboard shortcuts…", self)
        self.shortcuts_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action.triggered.connect(self.open_shortcuts)
        self.data_action = QAction("Your data and how it is protected…", self)
        self.data_action.triggered.connect(self.open_data_protection)
        self.about_action = QAction("About Therapy Notes", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        view_menu = self.menuBar().addMenu("&View")
        appearance = view_menu.addMenu("Appearance")
        self.scheme_actions: dict[ColourScheme, QAction] = {}
        schemes = QActionGroup(self)
        schemes.setExclusive(True)
        for scheme in ColourScheme:
            action = QAction(SCHEME_TITLES[scheme], self)
            action.setCheckable(True)
            action.triggered.connect(lambda _c=False, s=scheme: self.set_colour_scheme(s))
            schemes.addAction(action)
            appearance.addAction(action)
            self.scheme_actions[scheme] = action
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.data_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        self._menu_actions = [
            a for m in (menu, session_menu, help_menu) for a in m.actions() if not a.isSeparator()
        ]
        self._guarded_actions = (
            self.record_action,
            self.swap_speakers_action,
            self.search_action,
            self.settings_action,
            self.new_patient_action,
            self.export_action,
            self.copy_action,
            self.review_action,
            self.progress_action,
            self.lock_action,
        )
        for action in self._guarded_actions:
            self.addAction(action)

    def _connect(self) -> None:
        rec, lib = self._recording, self._library
        self.bar.record_clicked.connect(self.start_recording)
        self.bar.pause_clicked.connect(self._on_bar_pause_clicked)
        self.bar.stop_clicked.connect(rec.stop)
        rec.state_changed.connect(self._on_recording_state_changed)
        rec.session_opened.connect(self._on_recording_session_opened)
        rec.partial_transcript_received.connect(self.transcript.show_partial)
        rec.segment_saved.connect(self.transcript.show_segment)
        rec.speakers_relabelled.connect(self.transcript.relabel)
        rec.note_entry_added.connect(self._on_recording_note_entry_added)
        rec.note_rewritten.connect(self._on_recording_note_rewritten)
        rec.measurement_recorded.connect(self.note.add_measurement)
        rec.risk_flagged.connect(self.risk_banner.add_risk)
        rec.budget_updated.connect(self.budget.show_budget)
        rec.notice_posted.connect(self._on_recording_notice_posted)
        rec.level_measured.connect(self.bar.show_level)
        rec.elapsed_changed.connect(self.bar.show_elapsed)
        rec.paused_changed.connect(self.bar.set_paused)
        rec.paused_changed.connect(
            lambda paused: self.budget.show_recording_state(self._recording.state, paused)
        )
        rec.session_finished.connect(self._on_recording_session_finished)
        rec.session_discarded.connect(self._on_recording_session_discarded)
        rec.problem_reported.connect(self.problem_bar.show_problem)
        self.problem_bar.remedy_requested.connect(self._on_problem_bar_remedy_requested)
        self.budget.raise_requested.connect(rec.raise_cap)
        self._engine.state_changed.connect(self._on_engine_state_changed)
        self.patients.search_changed.connect(lib.list_patients)
        self.patients.patient_selected.connect(self._on_patients_patient_selected)
        self.patients.add_requested.connect(lambda: self.open_patient(None))
        self.patients.edit_requested.connect(self.open_patient)
        self.patients.session_activated.connect(self.open_session)
        lib.patients_listed.connect(self.patients.show_patients)
        lib.patient_saved.connect(self._on_library_patient_saved)
        lib.sessions_listed.connect(self._on_library_sessions_listed)
        lib.header_loaded.connect(self._on_library_header_loaded)
        lib.usage_loaded.connect(self._on_library_usage_loaded)
        lib.session_loaded.connect(self._on_library_session_loaded)
        lib.search_finished.connect(self.search_dialog.show_hits)
        lib.error_posted.connect(lambda message: self.notice.show_notice(message, True))
        self.risk_banner.acknowledged.connect(self._on_risk_banner_acknowledged)
        self.note.clinician_text_edited.connect(self._on_note_clinician_text_edited)
        self.search_dialog.search_requested.connect(lib.search)
        self.search_dialog.session_requested.connect(self.open_session)
        self._settings.settings_saved.connect(self._on_settings_saved)
        notes = self._notes
        notes.awaiting_listed.connect(self.review_list.show_rows)
        notes.review_loaded.connect(self._on_notes_review_loaded)
        notes.note_changed.connect(self._on_notes_note_changed)
        notes.audit_listed.connect(self._on_notes_audit_listed)
        notes.exported.connect(
            lambda path: self.notice.show_notice(f"Exported the note to {path}.", False)
        )
        notes.note_copied.connect(self._on_notes_note_copied)
        notes.progress_loaded.connect(self._on_notes_progress_loaded)
        notes.risk_acknowledged.connect(self._on_notes_risk_acknowledged)
        notes.error_posted.connect(lambda message: self.notice.show_notice(message, True))
        self.review_list.session_activated.connect(self.open_review)
        self.review_list.refresh_requested.connect(notes.list_awaiting)
        self.review.entry_clicked.connect(self._on_review_entry_clicked)
        self.review.edit_submitted.connect(self._on_review_edit_submitted)
        self.review.delete_requested.connect(self._on_review_delete_requested)
        self.review.risk_acknowledged.connect(self._on_review_risk_acknowledged)
        self.review.sign_requested.connect(self._on_review_sign_requested)
        self.review.cosign_requested.connect(self._on_review_cosign_requested)
        self.review.addendum_requested.connect(self.open_addendum)
        self.review.export_requested.connect(self.open_export)
        self.review.copy_requested.connect(self.copy_note)
        self._lock.locked.connect(self._on_lock_locked)
        self._lock.unlocked.connect(self._on_lock_unlocked)
        self.lock_overlay.unlock_requested.connect(self._users.sign_in)
        self._users.signed_in.connect(self._on_users_signed_in)
        self._recovery.interrupted_found.connect(self._on_recovery_interrupted_found)
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

    # -- intent ------------------------------------------------------------------------------

    @property
    def session_id(self) -> int | None:
        """The session shown in the session view (live or reopened)."""
        return self._session_id

    def start_recording(self) -> None:
        if self._recording.is_active:
            return
        self.note.flush()
        patient = self.patients.current_patient
        template = self._template_for(self.bar.template)
        self._session_id = None
        self._pending_text.clear()
        self.transcript.clear_transcript()
        self.note.set_template(template)
        self.budget.show_budget(None)
        self.risk_banner.clear_risks()
        self.notice.hide()
        self.problem_bar.clear_problem()
        self.note_stack.setCurrentWidget(self.note)
        self._recording.start(
            SessionRequest(
                patient.id if patient else None,
                self.bar.template,
                self._settings.settings.reasoning_effort,
            )
        )

    def open_session(self, session_id: int) -> None:
        if self._recording.is_active:
            self.notice.show_notice("Stop the recording before opening another session.", False)
            return
        self.note.flush()
        self._library.load_session(session_id)

    def open_search(self) -> None:
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.query.setFocus()
        self.search_dialog.query.selectAll()

    def open_settings(self, page: SettingsPage | None = None) -> None:
        """Settings, at `page` when a problem's fix lives there."""
        dialog = SettingsDialog(self._settings, self, template_names=self._template_names)
        if page is not None:
            dialog.show_page(page)
        dialog.finished.connect(self._on_settings_dialog_finished)
        self._settings_dialog = dialog
        dialog.open()

    def open_patient(self, patient: object) -> None:
        dialog = PatientDialog(
            patient if isinstance(patient, Patient) else None, self._template_names, self
        )
        dialog.finished.connect(self._on_patient_dialog_finished)
        self._patient_dialog = dialog
        dialog.open()

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self._settings_dialog

    # -- appearance --------------------------------------------------------------------------

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

    # -- help --------------------------------------------------------------------------------

    def open_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: read from the actions, so it never goes stale."""
        dialog = ShortcutsDialog(self._menu_actions, self)
        self._help_dialog = dialog
        dialog.open()

    def open_data_protection(self) -> None:
        """Help > Your data: which folder and database, and how each part is protected."""
        places = self._data_places
        if places is None:
            self.notice.show_notice("This window was started without a data folder.", False)
            return
        dialog = DataProtectionDialog(places, self)
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
            self,
        )
        self._help_dialog = box
        box.open()

    @property
    def help_dialog(self) -> QDialog | None:
        """The Help window last opened (shortcuts, data, about)."""
        return self._help_dialog

    @property
    def patient_dialog(self) -> PatientDialog | None:
        return self._patient_dialog

    # -- reactions ---------------------------------------------------------------------------

    def _apply_settings(self, settings: UiSettings) -> None:
        self.bar.set_template(settings.template)
        self._lock.set_lock_after(settings.lock_after_min * 60)

    def _on_record_action_triggered(self) -> None:
        if self._recording.is_active:
            self._recording.stop()
        else:
            self.start_recording()

    def _on_bar_pause_clicked(self) -> None:
        if self._recording.is_paused:
            self._recording.resume()
        else:
            self._recording.pause()

    def _on_recording_state_changed(self, event: object) -> None:
        state = getattr(event, "state", RecordingState.IDLE)
        self.bar.show_state(state, getattr(event, "message", ""), getattr(event, "attempt", 0))
        self.transcript.set_hint(LISTENING_HINT if state in ACTIVE_STATES else IDLE_HINT)
        self.budget.show_recording_state(state, self._recording.is_paused)
        self.patients.setEnabled(state not in ACTIVE_STATES)

    def _on_recording_session_opened(self, session_id: int) -> None:
        self._session_id = session_id
        for section, text in self._pending_text.items():
            self._library.save_clinician_text(session_id, section, text)
        self._pending_text.clear()

    def _on_recording_note_entry_added(self, entry: NoteEntry) -> None:
        self.note.add_entry(entry)

    def _on_recording_note_rewritten(self, note: Note) -> None:
        """The roles were swapped: what stays is shown, the rewritten entries follow."""
        self.note.flush()
        self.note.show_note(self._template_for(note.template), note)

    def _on_recording_session_finished(self, _session_id: int) -> None:
        self.note.flush()
        self._on_patients_patient_selected(self.patients.current_patient)
        if self._restart_engine_after_stop:
            self._restart_engine_after_stop = False
            self._engine.restart()
        if self._close_after_stop:
            self.close()

    def _on_recording_notice_posted(self, message: str, is_error: bool) -> None:
        if message == CAP_REACHED_MESSAGE:
            self.budget.show_cap_message(message)  # one place says it: the gauge
        else:
            self.notice.show_notice(message, is_error)

    def _on_recording_session_discarded(self, session_id: int) -> None:
        if self._session_id == session_id:
            self._session_id = None  # nothing was stored, so there is nothing to open

    def _on_problem_bar_remedy_requested(self, remedy: object) -> None:
        self.open_settings(
            SettingsPage.ADVANCED if remedy is Remedy.ENGINE_SETTINGS else SettingsPage.CLINICIAN
        )

    def _on_engine_state_changed(self, state: EngineState, message: str) -> None:
        self.bar.show_engine(state, message)
        if state is EngineState.FAILED:
            self.problem_bar.show_problem(engine_problem(message))
        elif state is EngineState.READY and self.problem_bar.remedy is Remedy.ENGINE_SETTINGS:
            self.problem_bar.clear_problem()  # fixed: the engine runs again

    def _on_patients_patient_selected(self, patient: object) -> None:
        patient_id = patient.id if isinstance(patient, Patient) else None
        if isinstance(patient, Patient) and not self._recording.is_active:
            self.bar.set_template(patient.preferred_template)
        self._library.list_sessions(patient_id)
        self._show_patient(patient_id)

    def _show_patient(self, patient_id: int | None) -> None:
        """The header shows this patient (loaded), or says that none is chosen."""
        self._header_patient_id = patient_id
        if patient_id is None:
            self.patient_header.show_no_patient()
        else:
            self._library.load_header(patient_id)

    def _on_library_header_loaded(self, header: PatientHeader) -> None:
        if header.patient.id == self._header_patient_id:
            self.patient_header.show_header(header)

    def _on_library_patient_saved(self, patient: Patient) -> None:
        self._library.list_patients(self.patients.search_box.text())
        if patient.id is not None:
            self.patients.show_patients([patient], select_id=patient.id)

    def _on_library_sessions_listed(self, patient_id: object, rows: list[object]) -> None:
        current = self.patients.current_patient
        if (current.id if current else None) == patient_id:
            self.patients.show_sessions(rows)  # type: ignore[arg-type]

    def _on_library_session_loaded(self, detail: SessionDetail) -> None:
        if self._recording.is_active:
            return
        self._session_id = detail.record.id
        self._show_patient(detail.record.patient_id)
        self.note_stack.setCurrentWidget(self.note)
        self.transcript.show_segments(detail.segments)
        self.note.show_note(self._template_for(detail.note.template), detail.note)
        self.risk_banner.clear_risks()
        risk: RiskFlag
        for risk in detail.note.risks:
            self.risk_banner.add_risk(risk)
        self._show_stored_session(detail.record.id)
        self.notice.hide()

    def _on_note_clinician_text_edited(self, section: str, text: str) -> None:
        if self._session_id is None:
            self._pending_text[section] = text  # saved once the session row exists
            return
        self._library.save_clinician_text(self._session_id, section, text)

    def _on_settings_dialog_finished(self, result: int) -> None:
        dialog = self._settings_dialog
        self._settings_dialog = None
        if dialog is None or result != SettingsDialog.DialogCode.Accepted:
            return
        self._settings.save(dialog.values(), dialog.new_api_key(), dialog.new_engine_token())

    def _on_settings_saved(self, settings: UiSettings) -> None:
        self._apply_settings(settings)
        if self._recording.is_active:
            self._restart_engine_after_stop = True
            self.notice.show_notice("Engine settings apply after this session is saved.", False)
        else:
            self._engine.restart()

    def _on_patient_dialog_finished(self, result: int) -> None:
        dialog = self._patient_dialog
        self._patient_dialog = None
        if dialog is not None and result == PatientDialog.DialogCode.Accepted:
            self._library.save_patient(dialog.patient())

    # -- review, sign-off, export, progress ----------------------------------------------------

    def open_review(self, session_id: int) -> None:
        """Show the note of a stored session for review, signature and export."""
        if self._recording.is_active:
            self.notice.show_notice("Stop the recording before reviewing a note.", False)
            return
        self.note.flush()
        self.notice.hide()
        self._notes.load(session_id)

    def _on_review_action_triggered(self) -> None:
        if self._session_id is None:
            self.notice.show_notice("Open a session first, or pick one in the Review tab.", False)
            return
        self.open_review(self._session_id)

    def _on_notes_review_loaded(self, review: NoteReview) -> None:
        if self._recording.is_active:
            return
        self._session_id = review.session.id
        self._show_patient(review.session.patient_id)
        self.transcript.show_segments(review.segments)
        self.review.show_review(review)
        self.note_stack.setCurrentWidget(self.review)
        self.risk_banner.clear_risks()
        self._show_stored_session(review.session.id)

    def _show_stored_session(self, session_id: int) -> None:
        """A stored session is open: the footer shows its tokens, an old problem goes."""
        self.problem_bar.clear_problem()
        self.budget.show_budget(None)
        self._library.load_usage(session_id)

    def _on_library_usage_loaded(self, session_id: int, usage: object, cost_usd: float) -> None:
        if session_id == self._session_id and not self._recording.is_active:
            self.budget.show_stored_usage(usage, cost_usd)  # type: ignore[arg-type]

    def _on_notes_audit_listed(self, session_id: int, records: list[object]) -> None:
        if session_id == self._session_id:
            self.audit_records = records

    def _reviewed_id(self) -> int | None:
        review = self.review.review
        return review.session.id if review is not None else None

    def _on_review_entry_clicked(self, entry: NoteEntry) -> None:
        review = self.review.review
        if review is None:
            return
        wanted = {s.item_id for s in review.segments_of(entry)}
        self.transcript.clearSelection()
        first = None
        for i in range(self.transcript.count()):
            item = self.transcript.item(i)
            if item.data(ITEM_ID_ROLE) in wanted:
                item.setSelected(True)
                first = first or item
        if first is not None:
            self.transcript.scrollToItem(first)

    def highlighted_transcript(self) -> list[str]:
        """The transcript rows highlighted for the clicked entry."""
        return [item.text() for item in self.transcript.selectedItems()]

    def _on_review_edit_submitted(self, entry_id: int, text: str) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.edit_entry(session_id, entry_id, text)

    def _on_review_delete_requested(self, entry_id: int) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.delete_entry(session_id, entry_id)

    def _on_review_risk_acknowledged(self, risk_id: int) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.acknowledge_risk(session_id, risk_id)

    def _on_risk_banner_acknowledged(self, risk_id: int) -> None:
        """The same acknowledgement as in the review; the live or reopened view stays."""
        if self._session_id is not None:
            self._notes.acknowledge_risk(self._session_id, risk_id, reload=False)

    def _on_notes_risk_acknowledged(self, _session_id: int, risk_id: int) -> None:
        self.risk_banner.remove(risk_id)

    def _on_review_sign_requested(self) -> None:
        """Signing asks first: summary, signer, and what blocks it (`domain.sign_off`)."""
        review = self.review.review
        if review is None or review.is_locked:
            return
        user = self._users.current_user
        signer = user.signature_name if user is not None else "nobody is signed in"
        dialog = SignDialog(
            sign_off_check(review.note, review.template, user), note_title(review), signer, self
        )
        dialog.finished.connect(self._on_sign_dialog_finished)
        self._sign_dialog = dialog
        dialog.open()

    @property
    def sign_dialog(self) -> SignDialog | None:
        return self._sign_dialog

    def _on_sign_dialog_finished(self, result: int) -> None:
        dialog, self._sign_dialog = self._sign_dialog, None
        session_id = self._reviewed_id()
        if dialog is not None and session_id is not None and result == QDialog.DialogCode.Accepted:
            self._notes.sign(session_id)

    def _on_notes_note_changed(self, _session_id: int) -> None:
        """A status may have changed: the sessions list shows it now, not after the next run."""
        patient = self.patients.current_patient
        self._library.list_sessions(patient.id if patient is not None else None)

    def _on_review_cosign_requested(self) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.cosign(session_id)

    def open_addendum(self) -> None:
        if self._reviewed_id() is None:
            return
        dialog = AddendumDialog(self)
        dialog.finished.connect(self._on_addendum_dialog_finished)
        self._addendum_dialog = dialog
        dialog.open()

    @property
    def addendum_dialog(self) -> AddendumDialog | None:
        return self._addendum_dialog

    def _on_addendum_dialog_finished(self, result: int) -> None:
        dialog, self._addendum_dialog = self._addendum_dialog, None
        session_id = self._reviewed_id()
        if dialog is not None and session_id is not None and result == QDialog.DialogCode.Accepted:
            reason, text = dialog.values()
            self._notes.add_addendum(session_id, reason, text)

    def open_export(self) -> None:
        """File > Export: options first, then where to save."""
        if self._session_id is None:
            self.notice.show_notice("Open a session first, then export its note.", False)
            return
        dialog = ExportDialog(self)
        dialog.finished.connect(self._on_export_dialog_finished)
        self._export_dialog = dialog
        dialog.open()

    @property
    def export_dialog(self) -> ExportDialog | None:
        return self._export_dialog

    @property
    def file_dialog(self) -> QFileDialog | None:
        return self._file_dialog

    def _on_export_dialog_finished(self, result: int) -> None:
        dialog, self._export_dialog = self._export_dialog, None
        if dialog is None or result != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        self._export_choice = choice
        files = QFileDialog(self, "Export note", f"note-{self._session_id}{choice.suffix}")
        files.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        files.setDefaultSuffix(choice.suffix.lstrip("."))
        files.fileSelected.connect(self._on_file_dialog_file_selected)
        files.finished.connect(self._on_file_dialog_finished)
        self._file_dialog = files
        files.open()

    def _on_file_dialog_file_selected(self, path: str) -> None:
        if self._export_choice is not None and path:
            self.export_note(Path(path), self._export_choice)

    def _on_file_dialog_finished(self, _result: int) -> None:
        self._file_dialog = None

    def export_note(self, path: Path, choice: ExportChoice) -> None:
        """Write the shown session's note to `path` as chosen."""
        if self._session_id is not None:
            self._notes.export(
                self._session_id,
                choice.export_format,
                path,
                paper=choice.paper,
                include_transcript=choice.include_transcript,
            )

    def copy_note(self) -> None:
        """The note as plain text on the clipboard, to paste into an EHR."""
        if self._session_id is None:
            self.notice.show_notice("Open a session first, then copy its note.", False)
            return
        self._notes.copy_note(self._session_id)

    def _on_notes_note_copied(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.notice.show_notice("The note is on the clipboard; paste it into the record.", False)

    def open_progress(self) -> None:
        """A chart of the selected patient's measurements across their sessions."""
        patient = self.patients.current_patient
        if patient is None or patient.id is None:
            self.notice.show_notice("Choose a patient to see their progress.", False)
            return
        dialog = ProgressDialog(patient.id, patient.name, self)
        dialog.finished.connect(self._on_progress_dialog_finished)
        self._progress_dialog = dialog
        dialog.show()
        self._notes.load_progress(patient.id)

    @property
    def progress_dialog(self) -> ProgressDialog | None:
        return self._progress_dialog

    def _on_progress_dialog_finished(self, _result: int) -> None:
        self._progress_dialog = None

    def _on_notes_progress_loaded(
        self, patient_id: int, series: dict[str, list[ProgressPoint]]
    ) -> None:
        dialog = self._progress_dialog
        if dialog is not None and dialog.patient_id == patient_id:
            dialog.show_series(series)

    # -- crash recovery ----------------------------------------------------------------------

    def _on_recovery_interrupted_found(
        self, sessions: list[InterruptedSession], names: dict[int, str]
    ) -> None:
        if not sessions:
            return
        dialog = RecoveryDialog(sessions, names, self)
        dialog.finished.connect(self._on_recovery_dialog_finished)
        self._recovery_dialog = dialog
        dialog.open()

    @property
    def recovery_dialog(self) -> RecoveryDialog | None:
        return self._recovery_dialog

    def _on_recovery_dialog_finished(self, result: int) -> None:
        dialog, self._recovery_dialog = self._recovery_dialog, None
        if dialog is not None and result == QDialog.DialogCode.Accepted:
            self._recovered = dialog.chosen_ids()
            self._recovery.recover(self._recovered)

    def _on_recovery_session_recovered(self, session_id: int) -> None:
        self._notes.list_awaiting()
        self._on_patients_patient_selected(self.patients.current_patient)
        if session_id == (self._recovered[0] if self._recovered else None):
            self.open_review(session_id)  # the first one opens; the rest wait in Review

    # -- users and the lock ------------------------------------------------------------------

    def open_users(self) -> None:
        dialog = UsersDialog(self._users, self)
        dialog.finished.connect(self._on_users_dialog_finished)
        self._users_dialog = dialog
        dialog.open()

    @property
    def users_dialog(self) -> UsersDialog | None:
        return self._users_dialog

    def open_voice_enrollment(self) -> None:
        if self._voice is None or self._voice_dialog is not None:
            return
        dialog = VoiceEnrollmentDialog(self._voice, self)
        dialog.finished.connect(self._on_voice_dialog_finished)
        self._voice_dialog = dialog
        dialog.open()

    @property
    def voice_dialog(self) -> VoiceEnrollmentDialog | None:
        return self._voice_dialog

    def _on_voice_dialog_finished(self, _result: int) -> None:
        self._voice_dialog = None

    def _on_users_dialog_finished(self, _result: int) -> None:
        self._users_dialog = None

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
            if self._close_after_stop or self._close_box is not None:
                return
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Recording in progress",
                "A session is being recorded. Stop it, save everything, and close?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.finished.connect(self._on_close_box_finished)
            self._close_box = box
            box.open()
            return
        self.note.flush()
        self.save_layout()
        self.search_dialog.close()
        event.accept()
        self.closed.emit()

    @property
    def close_box(self) -> QMessageBox | None:
        return self._close_box

    def _on_close_box_finished(self, result: int) -> None:
        box = self._close_box
        self._close_box = None
        clicked = box.clickedButton() if box is not None else None
        if (
            box is None
            or clicked is None
            or (box.standardButton(clicked) != QMessageBox.StandardButton.Yes)
        ):
            return
        self._close_after_stop = True
        self.close_deferred.emit()
        self.notice.show_notice("Saving the session, then closing…", False)
        self._recording.stop()
