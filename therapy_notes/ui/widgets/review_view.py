"""A stored note under review: entries with their source, signatures, addenda, actions.

Clicking an entry asks the window to highlight the transcript segments it came from.
Once signed, the editing controls are disabled; the notes service refuses any edit that
still gets through, and its message is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.services.notes import NoteReview, SignatureState
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


def note_title(review: NoteReview) -> str:
    """The heading of a note under review: template, patient, and when it was recorded."""
    patient = review.patient.name if review.patient else "No patient (dictation)"
    return f"{review.template.title} — {patient} — {local_time(review.session.started_at)}"


class EntryRow(QFrame):
    """One note entry: text, source tag, and inline edit and delete.

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
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Note entry")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.text = QLabel(entry.text)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        self.editor = QPlainTextEdit(entry.text)
        self.editor.setAccessibleName("Edit entry")
        self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * 3 + 16)
        self.editor.hide()
        layout.addWidget(self.editor)
        row = QHBoxLayout()
        self.source = QLabel(source_label(entry, edited_by))
        self.source.setAccessibleName("Entry source")
        font = self.source.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.source.setFont(font)
        self.source.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        row.addWidget(self.source)
        row.addStretch(1)
        self.edit_button = QToolButton()
        self.edit_button.setText("Edit")
        self.edit_button.clicked.connect(self.start_edit)
        self.save_button = QToolButton()
        self.save_button.setText("Save")
        self.save_button.clicked.connect(lambda: self.submit_edit(self.editor.toPlainText()))
        self.save_button.hide()
        self.delete_button = QToolButton()
        self.delete_button.setText("Delete")
        self.delete_button.clicked.connect(self._on_delete_clicked)
        for button in (self.edit_button, self.save_button, self.delete_button):
            button.setEnabled(not is_locked)
            row.addWidget(button)
        layout.addLayout(row)

    def start_edit(self) -> None:
        self.text.hide()
        self.editor.show()
        self.editor.setFocus()
        self.edit_button.hide()
        self.save_button.show()

    def submit_edit(self, text: str) -> None:
        """Send the edit; a signed note's refusal comes back as the service's message."""
        if self.entry.id is not None:
            self.edit_submitted.emit(self.entry.id, text)

    def set_highlighted(self, on: bool) -> None:
        self.setAutoFillBackground(on)
        self.setBackgroundRole(
            QPalette.ColorRole.AlternateBase if on else QPalette.ColorRole.Window
        )

    def _on_delete_clicked(self) -> None:
        if self.entry.id is not None:
            self.delete_requested.emit(self.entry.id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click anywhere on the entry selects it and its transcript segments."""
        self.clicked.emit(self.entry)
        super().mousePressEvent(event)


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
        self.mismatch_banner.setStyleSheet(
            "background: #b00020; color: white; padding: 8px; font-weight: bold;"
        )
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
        for section in review.template.sections:
            box = QGroupBox(section.title)
            box_layout = QVBoxLayout(box)
            entries = review.note.entries_in(section.key)
            if not entries:
                empty = QLabel("Nothing recorded.")
                empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
                box_layout.addWidget(empty)
            for entry in entries:
                row = EntryRow(entry, review.last_edited_by(entry), is_locked=review.is_locked)
                row.clicked.connect(self._on_row_clicked)
                row.edit_submitted.connect(self.edit_submitted)
                row.delete_requested.connect(self.delete_requested)
                box_layout.addWidget(row)
                self.rows.append(row)
            layout.addWidget(box)
        self._add_measurements(layout, review)
        self._add_risks(layout, review)
        self._add_signatures(layout, review)
        layout.addStretch(1)
        self.setWidget(body)

    def _add_measurements(self, layout: QVBoxLayout, review: NoteReview) -> None:
        if not review.note.measurements:
            return
        box = QGroupBox("Measurements")
        box_layout = QVBoxLayout(box)
        for m in review.note.measurements:
            where = " ".join(p for p in (m.side, m.body_part) if p)
            box_layout.addWidget(
                QLabel(f"{m.kind.replace('_', ' ')}: {m.value:g} {m.unit} {where}".strip())
            )
        layout.addWidget(box)

    def _add_risks(self, layout: QVBoxLayout, review: NoteReview) -> None:
        if not review.note.risks:
            return
        box = QGroupBox("Flagged risks")
        box_layout = QVBoxLayout(box)
        for risk in review.note.risks:
            row = QHBoxLayout()
            label = QLabel(f"{risk.kind.value.replace('_', ' ')}: {risk.evidence}")
            label.setWordWrap(True)
            row.addWidget(label, 1)
            if risk.acknowledged_at is None and risk.id is not None:
                button = QPushButton("Acknowledge")
                button.setEnabled(not review.is_locked)
                risk_id = risk.id
                button.clicked.connect(lambda _c=False, r=risk_id: self.risk_acknowledged.emit(r))
                row.addWidget(button)
            else:
                row.addWidget(QLabel("acknowledged"))
            box_layout.addLayout(row)
        layout.addWidget(box)

    def _add_signatures(self, layout: QVBoxLayout, review: NoteReview) -> None:
        self.signature_labels = []
        self.addendum_labels = []
        if review.signatures:
            box = QGroupBox("Signatures")
            box.setAccessibleName("Signature block")
            box_layout = QVBoxLayout(box)
            for s in review.signatures:
                role = "Signed" if s.role.value == "author" else "Co-signed"
                label = QLabel(f"{role} by {s.signature_name} on {local_time(s.signed_at)}")
                label.setWordWrap(True)
                box_layout.addWidget(label)
                self.signature_labels.append(label)
            layout.addWidget(box)
        for a in review.addenda:
            box = QGroupBox(f"Addendum — {a.reason}")
            box_layout = QVBoxLayout(box)
            text = QLabel(a.text)
            text.setWordWrap(True)
            box_layout.addWidget(text)
            by = QLabel(f"{a.author_name}, {local_time(a.at)}")
            by.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            box_layout.addWidget(by)
            self.addendum_labels.append(text)
            layout.addWidget(box)

    def highlight(self, entry: NoteEntry) -> None:
        for row in self.rows:
            row.set_highlighted(row.entry.id == entry.id)

    def _on_row_clicked(self, entry: NoteEntry) -> None:
        self.highlight(entry)
        self.entry_clicked.emit(entry)
