"""The main window: patients on the left; recording bar, transcript and note on the right.

It draws what the controllers report and tells them what the clinician wants; it holds no
session logic of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.config import REASONING_EFFORTS
from therapy_notes.domain.notes import NoteEntry, NoteTemplate, RiskFlag
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import RecordingState
from therapy_notes.ui.controllers.engine import EngineController, EngineState
from therapy_notes.ui.controllers.library import LibraryController, SessionDetail
from therapy_notes.ui.controllers.recording import (
    ACTIVE_STATES,
    RecordingController,
    SessionRequest,
)
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.dialogs.patient_dialog import PatientDialog
from therapy_notes.ui.dialogs.search_dialog import SearchDialog
from therapy_notes.ui.dialogs.settings_dialog import SettingsDialog
from therapy_notes.ui.settings_store import UiSettings
from therapy_notes.ui.widgets.budget_gauge import BudgetGauge
from therapy_notes.ui.widgets.note_view import NoteView
from therapy_notes.ui.widgets.notice_bar import NoticeBar
from therapy_notes.ui.widgets.patient_panel import PatientPanel
from therapy_notes.ui.widgets.recording_bar import RecordingBar
from therapy_notes.ui.widgets.risk_banner import RiskBanner
from therapy_notes.ui.widgets.transcript_view import TranscriptView

_log = logging.getLogger(__name__)

TemplateLookup = Callable[[str], NoteTemplate]


class MainWindow(QMainWindow):
    """Therapy Notes' one window.

    Signals:
        close_deferred: closing waits for the running session to be saved ().
        closed: the window closed; the app may shut down ().
    """

    close_deferred = Signal()
    closed = Signal()

    def __init__(self, *, recording: RecordingController, library: LibraryController,
                 engine: EngineController, settings: SettingsController,
                 template_names: tuple[str, ...], template_for: TemplateLookup,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Therapy Notes")
        self.setAccessibleName("Therapy Notes")
        self._recording = recording
        self._library = library
        self._engine = engine
        self._settings = settings
        self._template_names = template_names
        self._template_for = template_for
        self._session_id: int | None = None
        self._pending_text: dict[str, str] = {}
        self._close_after_stop = False
        self._restart_engine_after_stop = False
        self._settings_dialog: SettingsDialog | None = None
        self._patient_dialog: PatientDialog | None = None
        self._close_box: QMessageBox | None = None

        self.patients = PatientPanel()
        self.bar = RecordingBar(template_names, REASONING_EFFORTS)
        self.risk_banner = RiskBanner()
        self.notice = NoticeBar()
        self.transcript = TranscriptView()
        self.note = NoteView()
        self.budget = BudgetGauge()
        self.search_dialog = SearchDialog(self)

        self.session_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.session_splitter.setObjectName("sessionSplitter")
        self.session_splitter.addWidget(self.transcript)
        self.session_splitter.addWidget(self.note)
        self.session_splitter.setChildrenCollapsible(False)
        self.session_splitter.setSizes([500, 500])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.bar)
        right_layout.addWidget(self.risk_banner)
        right_layout.addWidget(self.notice)
        right_layout.addWidget(self.session_splitter, 1)
        right_layout.addWidget(self.budget)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.patients)
        self.main_splitter.addWidget(right)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([360, 1000])
        self.setCentralWidget(self.main_splitter)
        self._build_actions()
        self._connect()
        self._apply_settings(settings.settings)
        self._restore_layout()
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
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(self.open_settings)
        self.new_patient_action = QAction("New patient…", self)
        self.new_patient_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_patient_action.triggered.connect(lambda: self.open_patient(None))
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.new_patient_action)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(quit_action)
        session_menu = self.menuBar().addMenu("&Session")
        session_menu.addAction(self.record_action)
        session_menu.addAction(self.search_action)
        for action in (self.record_action, self.search_action, self.settings_action):
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
        rec.note_entry_added.connect(self._on_recording_note_entry_added)
        rec.measurement_recorded.connect(self.note.add_measurement)
        rec.risk_flagged.connect(self.risk_banner.add_risk)
        rec.budget_updated.connect(self.budget.show_budget)
        rec.notice_posted.connect(self.notice.show_notice)
        rec.level_measured.connect(self.bar.show_level)
        rec.elapsed_changed.connect(self.bar.show_elapsed)
        rec.paused_changed.connect(self.bar.set_paused)
        rec.session_finished.connect(self._on_recording_session_finished)
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
        lib.session_loaded.connect(self._on_library_session_loaded)
        lib.search_finished.connect(self.search_dialog.show_hits)
        lib.risk_acknowledged.connect(self.risk_banner.remove)
        lib.error_posted.connect(lambda message: self.notice.show_notice(message, True))
        self.risk_banner.acknowledged.connect(lib.acknowledge_risk)
        self.note.clinician_text_edited.connect(self._on_note_clinician_text_edited)
        self.search_dialog.search_requested.connect(lib.search)
        self.search_dialog.session_requested.connect(self.open_session)
        self._settings.settings_saved.connect(self._on_settings_saved)

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
        self._recording.start(SessionRequest(patient.id if patient else None,
                                             self.bar.template, self.bar.effort))

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

    def open_settings(self) -> None:
        dialog = SettingsDialog(self._settings, self)
        dialog.finished.connect(self._on_settings_dialog_finished)
        self._settings_dialog = dialog
        dialog.open()

    def open_patient(self, patient: object) -> None:
        dialog = PatientDialog(patient if isinstance(patient, Patient) else None,
                               self._template_names, self)
        dialog.finished.connect(self._on_patient_dialog_finished)
        self._patient_dialog = dialog
        dialog.open()

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self._settings_dialog

    @property
    def patient_dialog(self) -> PatientDialog | None:
        return self._patient_dialog

    # -- reactions ---------------------------------------------------------------------------

    def _apply_settings(self, settings: UiSettings) -> None:
        self.bar.set_template(settings.template)
        self.bar.set_effort(settings.reasoning_effort)

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
        self.patients.setEnabled(state not in ACTIVE_STATES)

    def _on_recording_session_opened(self, session_id: int) -> None:
        self._session_id = session_id
        for section, text in self._pending_text.items():
            self._library.save_clinician_text(session_id, section, text)
        self._pending_text.clear()

    def _on_recording_note_entry_added(self, entry: NoteEntry) -> None:
        self.note.add_entry(entry)

    def _on_recording_session_finished(self, _session_id: int) -> None:
        self.note.flush()
        self._on_patients_patient_selected(self.patients.current_patient)
        if self._restart_engine_after_stop:
            self._restart_engine_after_stop = False
            self._engine.restart()
        if self._close_after_stop:
            self.close()

    def _on_engine_state_changed(self, state: EngineState, message: str) -> None:
        self.bar.show_engine(state, message)
        if state is EngineState.FAILED:
            self.notice.show_notice(message, True)

    def _on_patients_patient_selected(self, patient: object) -> None:
        patient_id = patient.id if isinstance(patient, Patient) else None
        if isinstance(patient, Patient) and not self._recording.is_active:
            self.bar.set_template(patient.preferred_template)
        self._library.list_sessions(patient_id)

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
        self.transcript.show_segments(detail.segments)
        self.note.show_note(self._template_for(detail.note.template), detail.note)
        self.risk_banner.clear_risks()
        risk: RiskFlag
        for risk in detail.note.risks:
            self.risk_banner.add_risk(risk)
        self.budget.show_budget(None)
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
        self._settings.save(dialog.values(), dialog.new_api_key())

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

    # -- closing -----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing while recording asks first, then saves the session before closing."""
        if self._recording.is_active:
            event.ignore()
            if self._close_after_stop or self._close_box is not None:
                return
            box = QMessageBox(QMessageBox.Icon.Question, "Recording in progress",
                              "A session is being recorded. Stop it, save everything, and "
                              "close?", QMessageBox.StandardButton.Yes
                              | QMessageBox.StandardButton.No, self)
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
        if box is None or clicked is None or (
                box.standardButton(clicked) != QMessageBox.StandardButton.Yes):
            return
        self._close_after_stop = True
        self.close_deferred.emit()
        self.notice.show_notice("Saving the session, then closing…", False)
        self._recording.stop()
