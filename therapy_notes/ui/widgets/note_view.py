"""The note as it fills in: entries from tool calls, and the clinician's own text.

Each template section lists the entries that tool calls added, with a field of the
clinician's own beside them.

Incoming entries are added as separate rows and never touch the clinician's field, so a
sentence being typed is never disturbed by the model.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.notes import EntrySource, Measurement, Note, NoteEntry, NoteTemplate

HIGHLIGHT_MS = 2500
"""How long a new entry stays highlighted: long enough to catch the eye, then calm."""
SAVE_DELAY_MS = 800
"""The clinician's text is saved this long after the last keystroke."""


class _EntryLabel(QLabel):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(f"• {text}", parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Note entry")
        self.setContentsMargins(4, 2, 4, 2)

    def set_highlighted(self, on: bool) -> None:
        self.setAutoFillBackground(on)
        self.setBackgroundRole(QPalette.ColorRole.Highlight if on else QPalette.ColorRole.Window)
        self.setForegroundRole(
            QPalette.ColorRole.HighlightedText if on else QPalette.ColorRole.WindowText
        )


class SectionEditor(QGroupBox):
    """One section: entries as they arrive, then the clinician's own text.

    Signals:
        text_edited: the section key and the clinician's text, after typing pauses (str, str).
    """

    text_edited = Signal(str, str)

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.key = key
        self.setAccessibleName(f"{title} section")
        layout = QVBoxLayout(self)
        self._entries = QVBoxLayout()
        self._entries.setSpacing(2)
        self._empty = QLabel("Nothing yet.")
        self._empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._entries.addWidget(self._empty)
        layout.addLayout(self._entries)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName(f"Your notes: {title}")
        self.editor.setPlaceholderText(f"Your own notes for {title}…")
        self.editor.setTabChangesFocus(True)
        self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * 3 + 16)
        layout.addWidget(self.editor)
        self._labels: list[_EntryLabel] = []
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._on_save_timer_timeout)
        self.editor.textChanged.connect(self._save_timer.start)

    def add_entry(self, text: str, *, highlight: bool) -> None:
        self._empty.hide()
        label = _EntryLabel(text, self)
        self._entries.addWidget(label)
        self._labels.append(label)
        if highlight:
            label.set_highlighted(True)
            QTimer.singleShot(HIGHLIGHT_MS, label, lambda: label.set_highlighted(False))

    def set_clinician_text(self, text: str) -> None:
        """Fill the clinician's field from storage without saving it back."""
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)

    def flush(self) -> None:
        """Save pending typing now (before the window closes or the session changes)."""
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._on_save_timer_timeout()

    def entry_texts(self) -> list[str]:
        return [label.text().removeprefix("• ") for label in self._labels]

    def _on_save_timer_timeout(self) -> None:
        self.text_edited.emit(self.key, self.editor.toPlainText())


class NoteView(QScrollArea):
    """The whole note: one `SectionEditor` per template section, then measurements.

    Signals:
        clinician_text_edited: section key and the clinician's text (str, str).
    """

    clinician_text_edited = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Clinical note")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._sections: dict[str, SectionEditor] = {}
        self._measurements: QGroupBox | None = None
        self._title = QLabel()
        self.set_template(None)

    def set_template(self, template: NoteTemplate | None) -> None:
        """Lay out the template's sections, empty."""
        self.flush()
        body = QWidget()
        layout = QVBoxLayout(body)
        self._title = QLabel(template.title if template else "No session open")
        font = self._title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self._title.setFont(font)
        layout.addWidget(self._title)
        self._sections = {}
        if template is not None:
            for section in template.sections:
                editor = SectionEditor(section.key, section.title, body)
                editor.text_edited.connect(self.clinician_text_edited)
                self._sections[section.key] = editor
                layout.addWidget(editor)
            self._measurements = QGroupBox("Measurements", body)
            self._measurements.setAccessibleName("Measurements")
            QVBoxLayout(self._measurements)
            self._measurements.hide()
            layout.addWidget(self._measurements)
        else:
            hint = QLabel(
                "The note fills in here as the session goes on. Press Record (F9) to start, "
                "or open a past session from the list on the left."
            )
            hint.setWordWrap(True)
            hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            layout.addWidget(hint)
            self._measurements = None
        layout.addStretch(1)
        self.setWidget(body)

    def show_note(self, template: NoteTemplate, note: Note) -> None:
        """A stored note: entries, the clinician's text and measurements, no highlight."""
        self.set_template(template)
        clinician: dict[str, str] = {}
        for entry in note.entries:
            if entry.source is EntrySource.CLINICIAN:
                clinician[entry.section] = entry.text
            else:
                self.add_entry(entry, highlight=False)
        for key, text in clinician.items():
            if key in self._sections:
                self._sections[key].set_clinician_text(text)
        for measurement in note.measurements:
            self.add_measurement(measurement)

    def add_entry(self, entry: NoteEntry, *, highlight: bool = True) -> None:
        editor = self._sections.get(entry.section)
        if editor is not None:
            editor.add_entry(entry.text, highlight=highlight)
            typing = any(e.editor.hasFocus() for e in self._sections.values())
            if highlight and not typing:  # never scroll away from the clinician's cursor
                self.ensureWidgetVisible(editor, 0, 0)

    def add_measurement(self, m: Measurement) -> None:
        if self._measurements is None:
            return
        where = m.location
        text = f"{m.kind.replace('_', ' ')}: {m.value:g} {m.unit} {where}".strip()
        label = _EntryLabel(text, self._measurements)
        layout = self._measurements.layout()
        if layout is not None:
            layout.addWidget(label)
        self._measurements.show()

    def section(self, key: str) -> SectionEditor:
        return self._sections[key]

    def sections(self) -> list[SectionEditor]:
        return list(self._sections.values())

    def flush(self) -> None:
        for editor in self._sections.values():
            editor.flush()
