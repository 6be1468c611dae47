"""Ctrl+F search: Enter asks for a search, the hits of that query are listed, one opens."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from therapy_notes.domain.audit import SearchHit
from therapy_notes.ui.dialogs.search_dialog import SearchDialog

HITS = [
    SearchHit(4, "segment", 31, "my  knee\n hurts  on the stairs"),
    SearchHit(9, "note_entry", 77, "Knee pain 4/10."),
]


def _open(qtbot: Any) -> SearchDialog:
    dialog = SearchDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_enter_asks_for_the_trimmed_query(qtbot: Any) -> None:
    dialog = _open(qtbot)
    qtbot.keyClicks(dialog.query, "  knee ")
    with qtbot.waitSignal(dialog.search_requested, timeout=1000) as requested:
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert requested.args == ["knee"]
    assert dialog.status.text() == "Searching…"


def test_enter_on_an_empty_box_asks_for_nothing(qtbot: Any) -> None:
    dialog = _open(qtbot)
    qtbot.keyClicks(dialog.query, "   ")
    with qtbot.assertNotEmitted(dialog.search_requested):
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.status.text() == ""


def test_hits_are_listed_by_kind_and_session_and_a_hit_opens_its_session(qtbot: Any) -> None:
    dialog = _open(qtbot)
    dialog.query.setText("knee")
    dialog.show_hits("knee", HITS)
    assert [dialog.results.item(i).text() for i in range(dialog.results.count())] == [
        "Transcript · session 4: my knee hurts on the stairs",
        "Note · session 9: Knee pain 4/10.",
    ]
    assert dialog.status.text() == "2 match(es)"
    dialog.results.setCurrentRow(1)
    with qtbot.waitSignal(dialog.session_requested, timeout=1000) as requested:
        qtbot.keyClick(dialog.results, Qt.Key.Key_Return)  # Enter on the chosen hit
    assert requested.args == [9]


def test_hits_for_an_older_query_are_dropped_and_none_says_so(qtbot: Any) -> None:
    dialog = _open(qtbot)
    dialog.query.setText("knee")
    dialog.show_hits("knee", HITS)
    dialog.query.setText("shoulder")
    dialog.show_hits("knee", HITS[:1])  # the answer to the previous query comes late
    assert dialog.results.count() == 2
    dialog.show_hits("shoulder", [])
    assert dialog.results.count() == 0
    assert dialog.status.text() == "Nothing found."
