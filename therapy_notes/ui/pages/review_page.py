"""The review flow: a stored note opened for review, edited, signed, amended, exported.

What the notes controller does for the window goes through here: the Review tab's list of
notes awaiting signature, the review view's requests (edit, delete, acknowledge a risk,
sign after the confirmation, co-sign, addendum), export and copy of the shown note, and
its notices. It is a QObject, not a widget of its own, because its two widgets sit in two
places of the window: the list in the left-hand tabs, the review view in the session
page's note area, beside the transcript it highlights. The dialogs it needs are opened by
the dialog host, whose answers come back here as signals.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from therapy_notes.domain.note_review import NoteReview
from therapy_notes.domain.notes import NoteEntry
from therapy_notes.domain.sign_off import sign_off_check
from therapy_notes.ui.controllers.notes import NotesController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.dialog_host import DialogHost
from therapy_notes.ui.dialogs.export_dialog import ExportChoice
from therapy_notes.ui.pages.session_page import SessionPage
from therapy_notes.ui.widgets.review_list import ReviewList
from therapy_notes.ui.widgets.review_view import ReviewView, note_title


class ReviewPage(QObject):
    """Review, sign-off, addenda, export and copy of the note the session page shows."""

    def __init__(
        self,
        *,
        notes: NotesController,
        users: UsersController,
        session: SessionPage,
        dialogs: DialogHost,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._notes = notes
        self._users = users
        self._session = session
        self._dialogs = dialogs
        self.view: ReviewView = session.review
        self.review_list = ReviewList()
        self.audit_records: list[object] = []
        """The audit trail of the note under review, as last listed."""
        self._connect()

    def _connect(self) -> None:
        notes, view, dialogs = self._notes, self.view, self._dialogs
        notes.awaiting_listed.connect(self.review_list.show_rows)
        notes.review_loaded.connect(self._on_notes_review_loaded)
        notes.audit_listed.connect(self._on_notes_audit_listed)
        notes.exported.connect(
            lambda path: self._session.notice.show_notice(f"Exported the note to {path}.", False)
        )
        notes.note_copied.connect(self._on_notes_note_copied)
        notes.risk_acknowledged.connect(self._on_notes_risk_acknowledged)
        notes.error_posted.connect(lambda message: self._session.notice.show_notice(message, True))
        self.review_list.session_activated.connect(self.open_review)
        self.review_list.refresh_requested.connect(notes.list_awaiting)
        view.entry_clicked.connect(self._on_review_entry_clicked)
        view.edit_submitted.connect(self._on_review_edit_submitted)
        view.delete_requested.connect(self._on_review_delete_requested)
        view.risk_acknowledged.connect(self._on_review_risk_acknowledged)
        view.sign_requested.connect(self._on_review_sign_requested)
        view.cosign_requested.connect(self._on_review_cosign_requested)
        view.addendum_requested.connect(self.open_addendum)
        view.export_requested.connect(self.open_export)
        view.copy_requested.connect(self.copy_note)
        self._session.risk_banner.acknowledged.connect(self._on_risk_banner_acknowledged)
        dialogs.sign_accepted.connect(self._on_dialogs_sign_accepted)
        dialogs.addendum_accepted.connect(self._on_dialogs_addendum_accepted)
        dialogs.export_options_chosen.connect(self._on_dialogs_export_options_chosen)
        dialogs.export_file_chosen.connect(self._on_dialogs_export_file_chosen)

    # -- intent ------------------------------------------------------------------------------

    def open_review(self, session_id: int) -> None:
        """Show the note of a stored session for review, signature and export."""
        if self._session.is_recording:
            self._session.notice.show_notice("Stop the recording before reviewing a note.", False)
            return
        self._session.note.flush()
        self._session.notice.hide()
        self._notes.load(session_id)

    def review_shown_session(self) -> None:
        """Session > Review and sign: the session on screen, reviewed."""
        session_id = self._session.session_id
        if session_id is None:
            self._session.notice.show_notice(
                "Open a session first, or pick one in the Review tab.", False
            )
            return
        self.open_review(session_id)

    def open_addendum(self) -> None:
        if self._reviewed_id() is not None:
            self._dialogs.open_addendum()

    def open_export(self) -> None:
        """File > Export: options first, then where to save."""
        if self._session.session_id is None:
            self._session.notice.show_notice("Open a session first, then export its note.", False)
            return
        self._dialogs.open_export()

    def export_note(self, path: Path, choice: ExportChoice) -> None:
        """Write the shown session's note to `path` as chosen."""
        session_id = self._session.session_id
        if session_id is not None:
            self._notes.export(
                session_id,
                choice.export_format,
                path,
                paper=choice.paper,
                include_transcript=choice.include_transcript,
            )

    def copy_note(self) -> None:
        """The note as plain text on the clipboard, to paste into an EHR."""
        session_id = self._session.session_id
        if session_id is None:
            self._session.notice.show_notice("Open a session first, then copy its note.", False)
            return
        self._notes.copy_note(session_id)

    # -- reactions ---------------------------------------------------------------------------

    def _reviewed_id(self) -> int | None:
        review = self.view.review
        return review.session.id if review is not None else None

    def _on_notes_review_loaded(self, review: NoteReview) -> None:
        self._session.show_review(review)

    def _on_notes_audit_listed(self, session_id: int, records: list[object]) -> None:
        if session_id == self._session.session_id:
            self.audit_records = records

    def _on_review_entry_clicked(self, entry: NoteEntry) -> None:
        review = self.view.review
        if review is not None:
            self._session.highlight_segments(s.item_id for s in review.segments_of(entry))

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
        session_id = self._session.session_id
        if session_id is not None:
            self._notes.acknowledge_risk(session_id, risk_id, reload=False)

    def _on_notes_risk_acknowledged(self, _session_id: int, risk_id: int) -> None:
        self._session.risk_banner.remove(risk_id)

    def _on_review_sign_requested(self) -> None:
        """Signing asks first: summary, signer, and what blocks it (`domain.sign_off`)."""
        review = self.view.review
        if review is None or review.is_locked:
            return
        user = self._users.current_user
        signer = user.signature_name if user is not None else "nobody is signed in"
        self._dialogs.open_sign(
            sign_off_check(review.note, review.template, user), note_title(review), signer
        )

    def _on_dialogs_sign_accepted(self) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.sign(session_id)

    def _on_review_cosign_requested(self) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.cosign(session_id)

    def _on_dialogs_addendum_accepted(self, reason: str, text: str) -> None:
        session_id = self._reviewed_id()
        if session_id is not None:
            self._notes.add_addendum(session_id, reason, text)

    def _on_dialogs_export_options_chosen(self, choice: ExportChoice) -> None:
        self._dialogs.open_export_file(choice, f"note-{self._session.session_id}{choice.suffix}")

    def _on_dialogs_export_file_chosen(self, path: str, choice: ExportChoice) -> None:
        self.export_note(Path(path), choice)

    def _on_notes_note_copied(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._session.notice.show_notice(
            "The note is on the clipboard; paste it into the record.", False
        )
