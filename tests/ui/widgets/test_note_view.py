"""The note view: entries from the model arrive beside the clinician's own text, never in it."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCursor

from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.services.templates import load_template
from therapy_notes.ui.widgets.note_view import NoteView


def test_incoming_entries_never_touch_the_clinicians_text(qtbot: Any) -> None:
    view = NoteView()
    qtbot.addWidget(view)
    view.show()
    view.set_template(load_template("soap"))
    section = view.section("subjective")
    section.editor.setFocus()
    qtbot.keyClicks(section.editor, "Came in early")
    cursor = section.editor.textCursor()
    cursor.setPosition(4)
    section.editor.setTextCursor(cursor)
    with qtbot.waitSignal(view.clinician_text_edited, timeout=3000) as saved:
        view.add_entry(NoteEntry("subjective", "Reports pain 6/10.", EntrySource.MODEL))
    assert saved.args == ["subjective", "Came in early"]
    assert section.editor.toPlainText() == "Came in early"
    assert section.editor.textCursor().position() == 4
    assert section.entry_texts() == ["Reports pain 6/10."]
    section.editor.moveCursor(QTextCursor.MoveOperation.End)
