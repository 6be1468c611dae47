"""A stored note under review, laid out as the document it is.

Section headings, each entry a line of text; who wrote an entry is on hover. A draft's
entries are edited in place (double-click or Enter). A signed note is built without any
edit controls, and its addenda follow below it, each marked as an addendum with its
author and time. Clicking an entry asks the window to highlight the transcript segments
it came from. The notes service refuses any edit that still gets through, and its message
is shown.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.note_review import NoteReview, SignatureState
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.ui.tones import DANGER, INFO
from therapy_notes.ui.widgets.patient_panel import local_time

SOURCE_LABELS = {
    EntrySource.MODEL: "model",
    EntrySource.LOCAL_COMPOSER: "local composer",
    EntrySource.CLINICIAN: "clinician",
    EntrySource.REVIEWER: "reviewer",
}
MISMATCH_TEXT = (
    "This note was changed after it was signed: it no longer matches its "
    "signature. Do not rely on it; the check is recorded in the audit trail. "
    "Ask your administrator to restore the database from a backup."
)


def mismatch_text(findings: tuple[str, ...]) -> str:
    """The banner: the warning, then exactly what no longer verifies, one fact a line."""
    if not findings:
        return MISMATCH_TEXT
    return (
        MISMATCH_TEXT
        + "\n\nWhat no longer verifies:\n"
        + "\n".join(f"• {finding[:1].upper()}{finding[1:]}." for finding in findings)
    )


def source_label(entry: NoteEntry, edited_by: str | None) -> str:
    """The small tag under an entry: who wrote it, and who last edited it."""
    label = SOURCE_LABELS.get(entry.source, entry.source.value)
    return f"{label} · {edited_by}" if edited_by else label


def _heading(text: str) -> QLabel:
    """A section heading of the note document."""
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    label.setContentsMargins(0, 10, 0, 2)
    label.setAccessibleName(f"Section: {text}")
    return label


def _quiet(text: str) -> QLabel:
    label = QLabel(text)
    label.setContentsMargins(4, 1, 4, 1)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def note_title(review: NoteReview) -> str:
    """The heading of a note under review: template, patient, and when it was recorded."""
    patient = review.patient.name if review.patient else "No patient (dictation)"
    return f"{review.template.title} — {patient} — {local_time(review.session.started_at)}"


HOVER_SOURCES = {
    EntrySource.MODEL: "the speech model",
    EntrySource.LOCAL_COMPOSER: "the local engine's note composer",
    EntrySource.CLINICIAN: "the clinician",
    EntrySource.REVIEWER: "the reviewer",
}


def hover_text(entry: NoteEntry, edited_by: str | None) -> str:
    """What hovering an entry says: who wrote it, and who last edited it."""
    text = f"Written by {HOVER_SOURCES.get(entry.source, entry.source.value)}"
    return text + (f", last edited by {edited_by}" if edited_by else "")


class EntryRow(QFrame):
    """One note entry as a line of the document; double-click or Enter edits it in place.

    Who wrote it (and who last edited it) is on hover, not on every line. A signed note's
    rows have no edit controls at all: they are built without them.

    Signals:
        clicked: the entry, to highlight its transcript segments (object: NoteEntry).
        edit_submitted: entry id and the new text (int, str).
        delete_requested: entry id (int).
    """

    clicked = Signal(object)
    edit_submitted = Signal(int, str)
    delete_requested = Signal(int)

    def __init__(
        self,
        entry: NoteEntry,
        edited_by: str | None,
        *,
        is_locked: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self.is_locked = is_locked
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName("Note entry")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.setSpacing(2)
        self.text = QLabel(entry.text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.text)
        self.source = QLabel(source_label(entry, edited_by))
        """Who wrote the entry; shown on hover (the tooltip), not beside every line."""
        self.source.setAccessibleName("Entry source")
        self.source.hide()
        hover = hover_text(entry, edited_by)
        if not is_locked:
            hover += ". Double-click or press Enter to edit."
        self.setToolTip(hover)
        self.editor: QPlainTextEdit | None = None
        self.save_button: QToolButton | None = None
        self.delete_button: QToolButton | None = None
        self.cancel_button: QToolButton | None = None
        if not is_locked:
            self._build_editor(layout)

    def _build_editor(self, layout: QVBoxLayout) -> None:
        self.editor = QPlainTextEdit(self.entry.text)
        self.editor.setAccessibleName("Edit entry")
        self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * 3 + 16)
        self.editor.hide()
        layout.addWidget(self.editor)
        self.edit_bar = QWidget()
        row = QHBoxLayout(self.edit_bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        self.save_button = QToolButton()
        self.save_button.setText("Save")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.delete_button = QToolButton()
        self.delete_button.setText("Delete entry")
        self.delete_button.clicked.connect(self._on_delete_clicked)
        for button in (self.save_button, self.cancel_button, self.delete_button):
            row.addWidget(button)
        self.edit_bar.hide()
        layout.addWidget(self.edit_bar)

    @property
    def is_editing(self) -> bool:
        return self.editor is not None and self.editor.isVisible()

    def start_edit(self) -> None:
        """Edit in place (nothing happens on a signed note: it has no editor)."""
        if self.editor is None:
            return
        self.text.hide()
        self.editor.setPlainText(self.entry.text)
        self.editor.show()
        self.edit_bar.show()
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        if self.editor is None:
            return
        self.editor.hide()
        self.edit_bar.hide()
        self.text.show()
        self.setFocus()

    def submit_edit(self, text: str) -> None:
        """Send the edit; a signed note's refusal comes back as the service's message."""
        if self.entry.id is not None:
            self.edit_submitted.emit(self.entry.id, text)

    def set_highlighted(self, on: bool) -> None:
        self.setAutoFillBackground(on)
        self.setBackgroundRole(
            QPalette.ColorRole.AlternateBase if on else QPalette.ColorRole.Window
        )

    def _on_save_clicked(self) -> None:
        if self.editor is not None:
            self.submit_edit(self.editor.toPlainText())

    def _on_delete_clicked(self) -> None:
        if self.entry.id is not None:
            self.delete_requested.emit(self.entry.id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click anywhere on the entry selects it and its transcript segments."""
        self.clicked.emit(self.entry)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.start_edit()
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter edits the focused entry; Escape leaves the edit without saving."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.is_editing:
            self.start_edit()
            return
        if key == Qt.Key.Key_Escape and self.is_editing:
            self.cancel_edit()
            return
        super().keyPressEvent(event)


class ReviewView(QScrollArea):
    """The review of one stored note.

    Signals:
        entry_clicked: an entry whose segments to highlight (object: NoteEntry).
        edit_submitted: entry id and new text (int, str).
        delete_requested: entry id (int).
        risk_acknowledged: risk flag id (int).
        sign_requested: sign as author ().
        cosign_requested: co-sign as reviewer ().
        addendum_requested: add an addendum ().
        export_requested: export the note ().
        copy_requested: copy the note as plain text ().
    """

    entry_clicked = Signal(object)
    edit_submitted = Signal(int, str)
    delete_requested = Signal(int)
    risk_acknowledged = Signal(int)
    sign_requested = Signal()
    cosign_requested = Signal()
    addendum_requested = Signal()
    export_requested = Signal()
    copy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Note review")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.review: NoteReview | None = None
        self.rows: list[EntryRow] = []
        self.mismatch_banner = QLabel(MISMATCH_TEXT)
        self.signature_labels: list[QLabel] = []
        self.addendum_labels: list[QLabel] = []
        self.sign_button = QPushButton("Sign")
        self.cosign_button = QPushButton("Co-sign")
        self.addendum_button = QPushButton("Add addendum…")
        self.export_button = QPushButton("Export…")
        self.copy_button = QPushButton("Copy note")
        self.sign_button.clicked.connect(self.sign_requested)
        self.cosign_button.clicked.connect(self.cosign_requested)
        self.addendum_button.clicked.connect(self.addendum_requested)
        self.export_button.clicked.connect(self.export_requested)
        self.copy_button.clicked.connect(self.copy_requested)
        self.status = QLabel()
        self.setWidget(QWidget())

    def show_review(self, review: NoteReview) -> None:
        """Draw the note as loaded (replaces what was shown)."""
        self.review = review
        body = QWidget()
        layout = QVBoxLayout(body)
        self.mismatch_banner = QLabel(mismatch_text(review.findings))
        self.mismatch_banner.setWordWrap(True)
        self.mismatch_banner.setAccessibleName("Signature mismatch")
        self.mismatch_banner.setStyleSheet(DANGER.style(extra="padding: 8px; font-weight: bold;"))
        self.mismatch_banner.setVisible(review.signature_state is SignatureState.MISMATCH)
        layout.addWidget(self.mismatch_banner)
        title = QLabel(note_title(review))
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        title.setFont(font)
        title.setWordWrap(True)
        layout.addWidget(title)
        self.status = QLabel(
            "Signed — read-only; changes are added as addenda."
            if review.is_locked
            else "Draft — awaiting review and signature."
        )
        layout.addWidget(self.status)
        actions = QHBoxLayout()
        for button in (
            self.sign_button,
            self.cosign_button,
            self.addendum_button,
            self.export_button,
            self.copy_button,
        ):
            button.setParent(None)
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.sign_button.setEnabled(not review.is_locked)
        self.cosign_button.setEnabled(review.is_locked)
        self.addendum_button.setEnabled(review.is_locked)
        self.rows = []
        page = QFrame()
        page.setObjectName("notePage")
        page.setAccessibleName("Note")
        page.setFrameShape(QFrame.Shape.StyledPanel)
        page.setAutoFillBackground(True)
        page.setBackgroundRole(QPalette.ColorRole.Base)
        doc = QVBoxLayout(page)
        doc.setContentsMargins(18, 12, 18, 14)
        doc.setSpacing(2)
        for section in review.template.sections:
            doc.addWidget(_heading(section.title))
            entries = review.note.entries_in(section.key)
            if not entries:
                doc.addWidget(_quiet("Nothing recorded."))
            for entry in entries:
                row = EntryRow(entry, review.last_edited_by(entry), is_locked=review.is_locked)
                row.clicked.connect(self._on_row_clicked)
                row.edit_submitted.connect(self.edit_submitted)
                row.delete_requested.connect(self.delete_requested)
                doc.addWidget(row)
                self.rows.append(row)
        self._add_measurements(doc, review)
        self._add_risks(doc, review)
        self._add_signatures(doc, review)
        layout.addWidget(page)
        self._add_addenda(layout, review)
        layout.addStretch(1)
        self.setWidget(body)

    def _add_measurements(self, layout: QVBoxLayout, review: NoteReview) -> None:
        if not review.note.measurements:
            return
        layout.addWidget(_heading("Measurements"))
        for m in review.note.measurements:
            where = m.location
            line = QLabel(f"{m.kind.replace('_', ' ').capitalize()}: {m.value:g} {m.unit} {where}")
            line.setContentsMargins(4, 1, 4, 1)
            layout.addWidget(line)

    def _add_risks(self, layout: QVBoxLayout, review: NoteReview) -> None:
        if not review.note.risks:
            return
        layout.addWidget(_heading("Flagged risks"))
        for risk in review.note.risks:
            row = QHBoxLayout()
            row.setContentsMargins(4, 1, 4, 1)
            title = risk.kind.display_name
            label = QLabel(f"<b>{escape(title)}</b>: {escape(risk.evidence)}")
            label.setWordWrap(True)
            row.addWidget(label, 1)
            if risk.acknowledged_at is None and risk.id is not None and not review.is_locked:
                button = QPushButton("Acknowledge")
                risk_id = risk.id
                button.clicked.connect(lambda _c=False, r=risk_id: self.risk_acknowledged.emit(r))
                row.addWidget(button)
            elif risk.acknowledged_at is not None:
                row.addWidget(_quiet(f"acknowledged {local_time(risk.acknowledged_at)}"))
            layout.addLayout(row)

    def _add_signatures(self, layout: QVBoxLayout, review: NoteReview) -> None:
        self.signature_labels = []
        if not review.signatures:
            return
        layout.addWidget(_heading("Signatures"))
        for s in review.signatures:
            role = "Signed" if s.role.value == "author" else "Co-signed"
            label = QLabel(f"{role} by {s.signature_name} on {local_time(s.signed_at)}")
            label.setAccessibleName("Signature block")
            label.setWordWrap(True)
            label.setContentsMargins(4, 1, 4, 1)
            layout.addWidget(label)
            self.signature_labels.append(label)

    def _add_addenda(self, layout: QVBoxLayout, review: NoteReview) -> None:
        """Addenda below the signed note, each marked as one, with who and when."""
        self.addendum_labels = []
        for a in review.addenda:
            box = QFrame()
            box.setObjectName("addendum")
            box.setAccessibleName("Addendum")
            box.setStyleSheet(
                f"QFrame#addendum {{ border-left: 4px solid {INFO.foreground};"
                f" background-color: {INFO.background}; }}"
                f" QFrame#addendum QLabel {{ color: {INFO.foreground}; }}"
            )
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(12, 6, 10, 8)
            heading = QLabel(f"<b>Addendum</b> — {escape(a.reason)}")
            box_layout.addWidget(heading)
            text = QLabel(a.text)
            text.setWordWrap(True)
            box_layout.addWidget(text)
            box_layout.addWidget(QLabel(f"Added by {a.author_name}, {local_time(a.at)}"))
            self.addendum_labels.append(text)
            layout.addWidget(box)

    def highlight(self, entry: NoteEntry) -> None:
        for row in self.rows:
            row.set_highlighted(row.entry.id == entry.id)

    def _on_row_clicked(self, entry: NoteEntry) -> None:
        self.highlight(entry)
        self.entry_clicked.emit(entry)
