"""The session page on its own: what it draws from the controllers, and what it asks them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from tests.ui.conftest import wait_for_signal, wait_until
from tests.ui.pages.conftest import SAID, Pages, seed_session
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.session import Segment
from therapy_notes.domain.usage import CAP_REACHED_MESSAGE
from therapy_notes.services.templates import load_template
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.dialogs.settings_dialog import SettingsPage


def test_bars_header_transcript_note_and_gauge_stack_top_to_bottom(pages: Pages) -> None:
    page = pages.session
    layout = page.layout()
    order = [layout.itemAt(i).widget() for i in range(layout.count())]
    assert order == [
        page.bar,
        page.problem_bar,
        page.risk_banner,
        page.notice,
        page.patient_header,
        page.session_splitter,
        page.budget,
    ]
    assert page.session_splitter.widget(0) is page.transcript
    assert page.session_splitter.widget(1) is page.note_stack
    assert page.note_stack.currentWidget() is page.note  # the live note, not the review


def test_typing_before_the_session_row_exists_is_saved_once_it_opens(
    pages: Pages, run: Callable[..., Any], qtbot: Any
) -> None:
    session_id, _ = seed_session(pages)
    page = pages.session
    page.note.set_template(load_template("soap"))
    subjective = page.note.sections()[0]
    qtbot.keyClicks(subjective.editor, "Arrived on time.")
    page.note.flush()

    def clinician_text() -> list[str]:
        with pages.db.uow_factory() as uow:
            entries = uow.notes.load(session_id).entries
        return [e.text for e in entries if e.source is EntrySource.CLINICIAN]

    async def scenario() -> None:
        await pages.library.wait_idle()
        assert clinician_text() == []  # held: there was no session to save it to
        pages.recording.session_opened.emit(session_id)
        assert page.session_id == session_id
        await wait_until(lambda: clinician_text() == ["Arrived on time."], what="saved text")

    run(scenario())


def test_a_reopened_session_shows_its_transcript_note_risks_and_tokens(
    pages: Pages, run: Callable[..., Any]
) -> None:
    session_id, _ = seed_session(pages, with_risk=True)
    page = pages.session

    async def scenario() -> None:
        loaded = wait_for_signal(pages.library.session_loaded)
        page.open_session(session_id)
        await loaded
        assert page.session_id == session_id
        assert page.transcript.texts() == [
            f"[00:00]  Speaker:  {SAID[0]}",
            f"[00:03]  Speaker:  {SAID[1]}",
        ]
        notes = {s.key: s.entry_texts() for s in page.note.sections()}
        assert notes["objective"] == ["Shoulder flexion 120°."]
        assert notes["subjective"] == ["Pain 4/10."]
        assert page.risk_banner.isVisible()
        assert "Fall risk" in page.risk_banner.label.text()
        assert page.note_stack.currentWidget() is page.note
        await wait_until(
            lambda: page.budget.amount.text().startswith("This session used"),
            what="the stored session's tokens in the footer",
        )

    run(scenario())


def test_the_cap_message_is_left_to_the_gauge_and_other_notices_are_shown(
    pages: Pages,
) -> None:
    page = pages.session
    pages.recording.notice_posted.emit(CAP_REACHED_MESSAGE, False)
    assert not page.notice.isVisible()
    pages.recording.notice_posted.emit("The connection dropped; reconnecting.", True)
    assert page.notice.isVisible()
    assert page.notice.label.text().endswith("The connection dropped; reconnecting.")


def test_a_failed_engine_offers_its_settings_and_clears_once_it_runs(
    pages: Pages, qtbot: Any
) -> None:
    page = pages.session
    pages.engine.state_changed.emit(EngineState.FAILED, "Port 8765 is in use.")
    assert page.problem_bar.isVisible()
    assert page.problem_bar.title.text() == "The speech engine is not running"
    assert "Port 8765 is in use." in page.problem_bar.detail.text()
    with qtbot.waitSignal(page.settings_requested) as asked:
        qtbot.mouseClick(page.problem_bar.action, Qt.MouseButton.LeftButton)
    assert asked.args == [SettingsPage.ADVANCED]
    pages.engine.state_changed.emit(EngineState.READY, "")
    assert not page.problem_bar.isVisible()


def test_a_header_loaded_for_a_patient_no_longer_chosen_is_not_shown(
    pages: Pages, run: Callable[..., Any]
) -> None:
    _, patient_id = seed_session(pages)
    page = pages.session

    async def scenario() -> None:
        loaded = wait_for_signal(pages.library.header_loaded)
        page.show_patient(patient_id)
        await loaded
        assert page.patient_header.name.text() == "Jordan Lee  ·  MRN-7"
        assert not page.patient_header.empty.isVisible()
        late = wait_for_signal(pages.library.header_loaded)
        page.show_patient(patient_id)
        page.show_patient(None)  # chosen again, then "No patient" before it loaded
        await late
        assert page.patient_header.empty.isVisible()

    run(scenario())


def test_choosing_a_patient_picks_their_template_and_loads_their_header(
    pages: Pages, run: Callable[..., Any]
) -> None:
    _, patient_id = seed_session(pages)
    with pages.db.uow_factory() as uow:
        patient = uow.patients.get(patient_id)
    page = pages.session
    page.bar.set_template("dap")

    async def scenario() -> None:
        loaded = wait_for_signal(pages.library.header_loaded)
        page.choose_patient(patient)
        await loaded

    run(scenario())
    assert page.bar.template == "soap"  # the patient's own
    assert page.patient_header.name.text() == "Jordan Lee  ·  MRN-7"


def test_a_discarded_session_leaves_nothing_to_open(pages: Pages) -> None:
    page = pages.session
    pages.recording.session_opened.emit(41)
    pages.recording.session_discarded.emit(40)  # another session's: this one stays
    assert page.session_id == 41
    pages.recording.session_discarded.emit(41)
    assert page.session_id is None


def test_highlighting_selects_the_cited_rows_only(pages: Pages) -> None:
    page = pages.session
    page.transcript.show_segments(
        (Segment("a", 0, 900, "Knee bends to ninety."), Segment("b", 1000, 1900, "It aches."))
    )
    page.highlight_segments(["b"])
    assert page.highlighted_transcript() == [page.transcript.item(1).text()]
    page.highlight_segments([])
    assert page.highlighted_transcript() == []
