"""The review reads as a document: edit in place on a draft, no edit controls once signed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from therapy_notes.domain.note_review import NoteReview, SignatureState
from therapy_notes.domain.notes import Addendum, EntrySource, Note, NoteEntry
from therapy_notes.domain.session import SessionRecord, SessionStatus
from therapy_notes.services.templates import load_template
from therapy_notes.ui.widgets.review_view import ReviewView

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _review(status: SessionStatus, *, addenda: tuple[Addendum, ...] = ()) -> NoteReview:
    note = Note(
        1,
        "soap",
        [
            NoteEntry("subjective", "Client reports less pain.", EntrySource.MODEL, id=10),
            NoteEntry("plan", "Review in one week.", EntrySource.CLINICIAN, id=11),
        ],
    )
    return NoteReview(
        session=SessionRecord(1, None, "soap", "local", status, AT),
        patient=None,
        template=load_template("soap"),
        note=note,
        segments=(),
        signatures=(),
        addenda=addenda,
        signature_state=SignatureState.UNSIGNED,
    )


def test_a_draft_entry_is_edited_in_place_with_enter_and_left_with_escape(qtbot: Any) -> None:
    view = ReviewView()
    qtbot.addWidget(view)
    view.show()
    view.show_review(_review(SessionStatus.DRAFT))
    row = view.rows[0]
    assert row.text.text() == "Client reports less pain."
    assert "speech model" in row.toolTip()
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_Return)
    assert row.is_editing
    assert row.editor is not None
    qtbot.keyClick(row, Qt.Key.Key_Escape)
    assert not row.is_editing
    row.start_edit()
    row.editor.setPlainText("Client reports much less pain.")
    with qtbot.waitSignal(row.edit_submitted) as submitted:
        assert row.save_button is not None
        row.save_button.click()
    assert submitted.args == [10, "Client reports much less pain."]


@pytest.mark.qt_log_ignore(r'^Mouse event "MouseDClick" not accepted by receiving widget$')
def test_a_signed_note_has_no_edit_controls_and_marks_its_addenda(qtbot: Any) -> None:
    view = ReviewView()
    qtbot.addWidget(view)
    view.show()
    addendum = Addendum(1, "ana", "Ana Ruiz", "OTR/L", AT, "Late entry", "Sheet given.")
    view.show_review(_review(SessionStatus.SIGNED, addenda=(addendum,)))
    for row in view.rows:
        assert row.editor is None
        assert row.save_button is None
        assert row.delete_button is None
        qtbot.mouseDClick(row, Qt.MouseButton.LeftButton)
        assert not row.is_editing
    assert [label.text() for label in view.addendum_labels] == ["Sheet given."]
    box = view.addendum_labels[0].parentWidget()
    assert box is not None
    assert box.accessibleName() == "Addendum"
    assert not view.sign_button.isEnabled()
