"""The session view: the right-hand side of the window, live or for a stored session.

The recording bar, the problem bar, the risk banner, a notice line, the patient header,
the transcript beside the note, and the token gauge, wired to the recording, library and
engine controllers: it draws what they report and tells them what the clinician wants
(record, pause, stop, raise the cap, keep what was typed). Its only state is which session
and which patient it shows, and the clinician's typing held until the session row exists.
A stored session opens here too, with its transcript; under review, the note area shows
the review view in place of the live note (the review page drives that view).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from therapy_notes.domain.note_review import NoteReview
from therapy_notes.domain.notes import Note, NoteEntry, NoteTemplate, RiskFlag
from therapy_notes.domain.patient_header import PatientHeader
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.problems import Remedy, engine_problem
from therapy_notes.domain.session import RecordingState, Segment
from therapy_notes.domain.usage import CAP_REACHED_MESSAGE
from therapy_notes.ui.controllers.engine import EngineController, EngineState
from therapy_notes.ui.controllers.library import LibraryController, SessionDetail
from therapy_notes.ui.controllers.recording import (
    ACTIVE_STATES,
    RecordingController,
    SessionRequest,
)
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.dialogs.settings_dialog import SettingsPage
from therapy_notes.ui.settings_store import UiSettings
from therapy_notes.ui.widgets.budget_gauge import BudgetGauge
from therapy_notes.ui.widgets.note_view import NoteView
from therapy_notes.ui.widgets.notice_bar import NoticeBar
from therapy_notes.ui.widgets.patient_header import PatientHeaderView
from therapy_notes.ui.widgets.problem_bar import ProblemBar
from therapy_notes.ui.widgets.recording_bar import RecordingBar
from therapy_notes.ui.widgets.review_view import ReviewView
from therapy_notes.ui.widgets.risk_banner import RiskBanner
from therapy_notes.ui.widgets.transcript_view import (
    IDLE_HINT,
    ITEM_ID_ROLE,
    LISTENING_HINT,
    TranscriptView,
)

TemplateLookup = Callable[[str], NoteTemplate]
PatientLookup = Callable[[], Patient | None]


class SessionPage(QWidget):
    """The live (or reopened) session: bars, header, transcript, note, gauge.

    Signals:
        settings_requested: a problem's fix is in Settings, on this page (object:
            SettingsPage).
    """

    settings_requested = Signal(object)

    def __init__(
        self,
        *,
        recording: RecordingController,
        library: LibraryController,
        engine: EngineController,
        settings: SettingsController,
        template_names: tuple[str, ...],
        template_for: TemplateLookup,
        current_patient: PatientLookup,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._recording = recording
        self._library = library
        self._engine = engine
        self._settings = settings
        self._template_for = template_for
        self._current_patient = current_patient
        self._session_id: int | None = None
        self._header_patient_id: int | None = None
        self._pending_text: dict[str, str] = {}
        self._restart_engine_after_stop = False

        self.bar = RecordingBar(template_names)
        self.risk_banner = RiskBanner()
        self.notice = NoticeBar()
        self.problem_bar = ProblemBar()
        self.patient_header = PatientHeaderView()
        self.transcript = TranscriptView()
        self.note = NoteView()
        self.review = ReviewView()
        self.note_stack = QStackedWidget()
        self.note_stack.addWidget(self.note)
        self.note_stack.addWidget(self.review)
        self.budget = BudgetGauge()
        self.session_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.session_splitter.setObjectName("sessionSplitter")
        self.session_splitter.addWidget(self.transcript)
        self.session_splitter.addWidget(self.note_stack)
        self.session_splitter.setChildrenCollapsible(False)
        self.session_splitter.setSizes([500, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.problem_bar)
        layout.addWidget(self.risk_banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.patient_header)
        layout.addWidget(self.session_splitter, 1)
        layout.addWidget(self.budget)
        self._connect()
        self.bar.set_template(settings.settings.template)
        self.bar.show_engine(engine.state, "")

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
        lib.header_loaded.connect(self._on_library_header_loaded)
        lib.usage_loaded.connect(self._on_library_usage_loaded)
        lib.session_loaded.connect(self._on_library_session_loaded)
        self.note.clinician_text_edited.connect(self._on_note_clinician_text_edited)
        self._settings.settings_saved.connect(self._on_settings_saved)

    # -- what it shows -----------------------------------------------------------------------

    @property
    def session_id(self) -> int | None:
        """The session shown (live or reopened), or None before its row exists."""
        return self._session_id

    @property
    def is_recording(self) -> bool:
        return self._recording.is_active

    def highlighted_transcript(self) -> list[str]:
        """The transcript rows highlighted for the clicked entry."""
        return [item.text() for item in self.transcript.selectedItems()]

    # -- intent ------------------------------------------------------------------------------

    def start_recording(self) -> None:
        """A new session for the chosen patient, in the bar's template, on a clean view."""
        if self._recording.is_active:
            return
        self.note.flush()
        patient = self._current_patient()
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

    def toggle_recording(self) -> None:
        """F9: stop the running session, or start one."""
        if self._recording.is_active:
            self._recording.stop()
        else:
            self.start_recording()

    def open_session(self, session_id: int) -> None:
        """Reopen a stored session here (not while recording: that view is in use)."""
        if self._recording.is_active:
            self.notice.show_notice("Stop the recording before opening another session.", False)
            return
        self.note.flush()
        self._library.load_session(session_id)

    def choose_patient(self, patient: Patient | None) -> None:
        """The patient list's choice: its header, and its template unless a session runs."""
        if patient is not None and not self._recording.is_active:
            self.bar.set_template(patient.preferred_template)
        self.show_patient(patient.id if patient is not None else None)

    def show_patient(self, patient_id: int | None) -> None:
        """The header shows this patient (loaded), or says that none is chosen."""
        self._header_patient_id = patient_id
        if patient_id is None:
            self.patient_header.show_no_patient()
        else:
            self._library.load_header(patient_id)

    def show_review(self, review: NoteReview) -> None:
        """A stored note under review: its transcript here, the review in the note area."""
        if self._recording.is_active:
            return
        self._show_stored(review.session.id, review.session.patient_id, review.segments)
        self.review.show_review(review)
        self.note_stack.setCurrentWidget(self.review)

    def highlight_segments(self, item_ids: Iterable[str]) -> None:
        """Select the transcript rows of these segments and scroll to the first."""
        wanted = set(item_ids)
        self.transcript.clearSelection()
        first = None
        for i in range(self.transcript.count()):
            item = self.transcript.item(i)
            if item.data(ITEM_ID_ROLE) in wanted:
                item.setSelected(True)
                first = first or item
        if first is not None:
            self.transcript.scrollToItem(first)

    def _show_stored(
        self, session_id: int, patient_id: int | None, segments: tuple[Segment, ...]
    ) -> None:
        """A stored session is open: its transcript, its tokens in the footer, no old problem."""
        self._session_id = session_id
        self.show_patient(patient_id)
        self.transcript.show_segments(segments)
        self.risk_banner.clear_risks()
        self.problem_bar.clear_problem()
        self.budget.show_budget(None)
        self._library.load_usage(session_id)

    # -- reactions ---------------------------------------------------------------------------

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

    def _on_recording_session_opened(self, session_id: int) -> None:
        self._session_id = session_id
        for section, text in self._pending_text.items():
            self._library.save_clinician_text(session_id, section, text)
        self._pending_text.clear()

    def _on_recording_note_entry_added(self, entry: NoteEntry) -> None:
        self.note.add_entry(entry)

    def _on_recording_note_rewritten(self, note: Note) -> None:
        """Turns changed role (a swap, a settled guess): what stays shows, new entries follow."""
        self.note.flush()
        self.note.show_note(self._template_for(note.template), note)

    def _on_recording_session_finished(self, _session_id: int) -> None:
        self.note.flush()
        if self._restart_engine_after_stop:
            self._restart_engine_after_stop = False
            self._engine.restart()

    def _on_recording_notice_posted(self, message: str, is_error: bool) -> None:
        if message == CAP_REACHED_MESSAGE:
            self.budget.show_cap_message(message)  # one place says it: the gauge
        else:
            self.notice.show_notice(message, is_error)

    def _on_recording_session_discarded(self, session_id: int) -> None:
        if self._session_id == session_id:
            self._session_id = None  # nothing was stored, so there is nothing to open

    def _on_problem_bar_remedy_requested(self, remedy: object) -> None:
        self.settings_requested.emit(
            SettingsPage.ADVANCED if remedy is Remedy.ENGINE_SETTINGS else SettingsPage.CLINICIAN
        )

    def _on_engine_state_changed(self, state: EngineState, message: str) -> None:
        self.bar.show_engine(state, message)
        if state is EngineState.FAILED:
            self.problem_bar.show_problem(engine_problem(message))
        elif state is EngineState.READY and self.problem_bar.remedy is Remedy.ENGINE_SETTINGS:
            self.problem_bar.clear_problem()  # fixed: the engine runs again

    def _on_library_header_loaded(self, header: PatientHeader) -> None:
        if header.patient.id == self._header_patient_id:
            self.patient_header.show_header(header)

    def _on_library_usage_loaded(self, session_id: int, usage: object, cost_usd: float) -> None:
        if session_id == self._session_id and not self._recording.is_active:
            self.budget.show_stored_usage(usage, cost_usd)  # type: ignore[arg-type]

    def _on_library_session_loaded(self, detail: SessionDetail) -> None:
        if self._recording.is_active:
            return
        self.note_stack.setCurrentWidget(self.note)
        self._show_stored(detail.record.id, detail.record.patient_id, detail.segments)
        self.note.show_note(self._template_for(detail.note.template), detail.note)
        risk: RiskFlag
        for risk in detail.note.risks:
            self.risk_banner.add_risk(risk)
        self.notice.hide()

    def _on_note_clinician_text_edited(self, section: str, text: str) -> None:
        if self._session_id is None:
            self._pending_text[section] = text  # saved once the session row exists
            return
        self._library.save_clinician_text(self._session_id, section, text)

    def _on_settings_saved(self, settings: UiSettings) -> None:
        self.bar.set_template(settings.template)
        if self._recording.is_active:
            self._restart_engine_after_stop = True
            self.notice.show_notice("Engine settings apply after this session is saved.", False)
        else:
            self._engine.restart()
