"""The review page on its own: a stored note reviewed, signed, amended, exported and copied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tests.ui.conftest import wait_for_signal, wait_until
from tests.ui.pages.conftest import SAID, Pages, seed_session, sign_in_clinician


async def _open_review(pages: Pages, session_id: int) -> None:
    loaded = wait_for_signal(pages.notes.review_loaded)
    pages.review.open_review(session_id)
    await loaded


def test_a_review_shows_in_the_note_area_beside_its_transcript(
    pages: Pages, run: Callable[..., Any]
) -> None:
    session_id, _ = seed_session(pages)
    review, session = pages.review, pages.session

    async def scenario() -> None:
        await sign_in_clinician(pages)  # notes are read as someone, never anonymously
        listed = wait_for_signal(pages.notes.awaiting_listed)
        pages.notes.list_awaiting()
        await listed
        assert review.review_list.session_ids() == [session_id]
        loaded = wait_for_signal(pages.notes.review_loaded)
        review.review_list.sessions.itemClicked.emit(review.review_list.sessions.item(0))
        await loaded
        assert session.note_stack.currentWidget() is review.view
        assert session.session_id == session_id
        assert session.transcript.texts() == [
            f"[00:00]  Speaker:  {SAID[0]}",
            f"[00:03]  Speaker:  {SAID[1]}",
        ]
        assert len(review.view.rows) == 2

    run(scenario())


def test_clicking_an_entry_highlights_the_segment_it_came_from(
    pages: Pages, run: Callable[..., Any], qtbot: Any
) -> None:
    session_id, _ = seed_session(pages)

    async def scenario() -> None:
        await sign_in_clinician(pages)
        await _open_review(pages, session_id)

    run(scenario())
    pain = next(r for r in pages.review.view.rows if "Pain" in r.text.text())
    qtbot.mouseClick(pain, Qt.MouseButton.LeftButton)
    assert pages.session.highlighted_transcript() == [f"[00:03]  Speaker:  {SAID[1]}"]


def test_signing_asks_first_then_an_addendum_goes_under_the_signed_note(
    pages: Pages, run: Callable[..., Any], qtbot: Any
) -> None:
    session_id, _ = seed_session(pages)
    review, dialogs = pages.review, pages.dialogs

    async def scenario() -> None:
        review.open_addendum()  # nothing under review yet: no dialog
        assert dialogs.addendum_dialog is None
        await sign_in_clinician(pages)
        await _open_review(pages, session_id)
        qtbot.mouseClick(review.view.sign_button, Qt.MouseButton.LeftButton)
        confirm = dialogs.sign_dialog
        assert confirm is not None
        assert "Ana Ruiz, OTR/L" in confirm.signer.text()
        confirm.reject()
        await pages.notes.wait_idle()
        assert review.view.review is not None
        assert not review.view.review.is_locked  # cancelled: nothing signed
        qtbot.mouseClick(review.view.sign_button, Qt.MouseButton.LeftButton)
        confirm = dialogs.sign_dialog
        assert confirm is not None
        loaded = wait_for_signal(pages.notes.review_loaded)
        qtbot.mouseClick(confirm.sign_button, Qt.MouseButton.LeftButton)
        (signed,) = await loaded
        assert signed.is_locked
        await pages.notes.wait_idle()
        assert [getattr(r, "action", None) for r in review.audit_records][-1] == "signed"

        review.open_addendum()
        dialog = dialogs.addendum_dialog
        assert dialog is not None
        dialog.reason.setText("Late entry")
        dialog.text.setPlainText("Home exercise sheet given.")
        loaded = wait_for_signal(pages.notes.review_loaded)
        dialog.accept()
        await loaded
        assert [label.text() for label in review.view.addendum_labels] == [
            "Home exercise sheet given."
        ]

    run(scenario())


def test_export_asks_the_options_then_the_file_and_writes_the_shown_note(
    pages: Pages, run: Callable[..., Any], tmp_path: Path
) -> None:
    session_id, _ = seed_session(pages)
    review, dialogs, session = pages.review, pages.dialogs, pages.session
    review.open_export()  # no session shown
    assert dialogs.export_dialog is None
    assert "Open a session first" in session.notice.label.text()

    async def scenario() -> None:
        await sign_in_clinician(pages)
        await _open_review(pages, session_id)
        review.open_export()
        options = dialogs.export_dialog
        assert options is not None
        options.format.setCurrentIndex(2)  # Markdown
        options.accept()
        files = dialogs.file_dialog
        assert files is not None
        assert Path(files.selectedFiles()[0]).name == f"note-{session_id}.md"
        target = tmp_path / "exported.md"
        exported = wait_for_signal(pages.notes.exported)
        files.selectFile(str(target))
        files.accept()
        (path,) = await exported
        assert Path(path) == target
        assert target.read_bytes() == b"rendered note"
        assert dialogs.file_dialog is None
        assert "Exported the note to" in session.notice.label.text()

    run(scenario())


def test_copy_puts_the_shown_note_on_the_clipboard(pages: Pages, run: Callable[..., Any]) -> None:
    session_id, _ = seed_session(pages)
    QGuiApplication.clipboard().setText("something else")

    async def scenario() -> None:
        await sign_in_clinician(pages)
        await _open_review(pages, session_id)
        copied = wait_for_signal(pages.notes.note_copied)
        pages.review.copy_note()
        await copied

    run(scenario())
    assert QGuiApplication.clipboard().text() == "rendered note"
    assert "on the clipboard" in pages.session.notice.label.text()


def test_the_banner_acknowledges_a_reopened_sessions_risk_and_the_view_stays(
    pages: Pages, run: Callable[..., Any], qtbot: Any
) -> None:
    session_id, _ = seed_session(pages, with_risk=True)
    session = pages.session

    async def scenario() -> None:
        await sign_in_clinician(pages)
        loaded = wait_for_signal(pages.library.session_loaded)
        session.open_session(session_id)
        await loaded
        assert session.risk_banner.isVisible()
        acknowledged = wait_for_signal(pages.notes.risk_acknowledged)
        qtbot.mouseClick(session.risk_banner.button, Qt.MouseButton.LeftButton)
        await acknowledged
        await wait_until(lambda: session.risk_banner.isHidden(), what="banner hidden")
        assert session.note_stack.currentWidget() is session.note  # not switched to review
        with pages.db.uow_factory() as uow:
            (risk,) = uow.notes.load(session_id).risks
        assert risk.acknowledged_at is not None

    run(scenario())
