"""The window over a real database: risks acknowledged and stored, search, closing safely."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.speech import LONG_SESSION
from tests.ui.accounts import create_accounts, sign_in
from tests.ui.conftest import wait_for_signal, wait_until
from therapy_notes.app import AppParts
from therapy_notes.domain.notes import RiskFlag, RiskKind
from therapy_notes.domain.session import RecordingState, Segment, SessionStatus
from therapy_notes.ui.controllers.engine import EngineState


def _stored_session(parts: AppParts) -> int:
    with parts.database.uow_factory() as uow:
        record = uow.sessions.start(None, "soap", "local", datetime.now(UTC))
        said = "She mentions a fall on the stairs."
        uow.segments.add(record.id, Segment("item_1", 0, 2000, said))
        uow.notes.add_risk(record.id, RiskFlag(RiskKind.FALL_RISK, "a fall on the stairs"))
        uow.sessions.set_status(record.id, SessionStatus.DRAFT, datetime.now(UTC))
        return record.id


def test_search_opens_a_session_and_its_risk_must_be_acknowledged(
    run: Callable[..., Any], qtbot: Any, make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        await create_accounts(parts)
        await sign_in(parts, "ana")  # a risk is acknowledged by a clinician, never anonymously
        session_id = _stored_session(parts)
        window.search_action.trigger()
        qtbot.keyClicks(window.search_dialog.query, "stairs")
        qtbot.keyClick(window.search_dialog.query, Qt.Key.Key_Return)
        await wait_until(lambda: window.search_dialog.results.count() > 0, what="search hits")
        hit = window.search_dialog.results.item(0)
        window.search_dialog.results.itemActivated.emit(hit)
        await wait_for_signal(parts.library.session_loaded)
        assert window.session_id == session_id
        assert window.transcript.texts() == [
            "[00:00]  Speaker:  She mentions a fall on the stairs."
        ]
        assert window.risk_banner.isVisible()
        assert "Fall risk" in window.risk_banner.label.text()
        qtbot.mouseClick(window.risk_banner.button, Qt.MouseButton.LeftButton)
        await wait_for_signal(parts.notes.risk_acknowledged)
        assert window.risk_banner.isHidden()
        assert window.note_stack.currentWidget() is window.note  # the session view stays
        with parts.database.uow_factory() as uow:
            risks = uow.notes.load(session_id).risks
            audit = uow.audit.for_entity("session", session_id)
            per_risk = uow.audit.for_entity("risk_flag", risks[0].id or 0)
        assert risks[0].acknowledged_at is not None
        # The one acknowledge path (the review's): one record, under the session, by ana.
        assert [(r.action, r.actor) for r in audit] == [("risk_acknowledged", "ana")]
        assert json.loads(audit[0].after or "{}")["risk_id"] == risks[0].id
        assert per_risk == []
        window.close()
        await parts.shutdown()

    run(scenario())


def test_closing_while_recording_asks_then_saves_before_closing(
    run: Callable[..., Any], qtbot: Any, make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        parts.engine.start()
        await wait_until(lambda: parts.engine.state is EngineState.READY, what="engine ready")
        window.record_action.trigger()  # F9
        await wait_until(lambda: window.bar.state is RecordingState.RECORDING, what="live")
        await wait_until(
            lambda: any(t.startswith("[") for t in window.transcript.texts()),
            what="a saved segment",
        )
        window.close()
        box = window.close_box
        assert box is not None
        assert window.isVisible(), "the window must not close without asking"
        box.button(QMessageBox.StandardButton.No).click()
        assert window.isVisible()
        assert parts.recording.is_active
        window.close()
        box = window.close_box
        assert box is not None
        closed = asyncio.ensure_future(wait_for_signal(window.closed, timeout_s=60))
        await asyncio.sleep(0)  # connected before the click
        box.button(QMessageBox.StandardButton.Yes).click()
        await closed
        session_id = window.session_id
        assert session_id is not None
        with parts.database.uow_factory() as uow:
            assert uow.sessions.get(session_id).status is SessionStatus.DRAFT
            assert uow.segments.for_session(session_id)
        await parts.shutdown()

    run(scenario(), 90)


def test_unreachable_engine_is_a_message_not_a_crash(
    run: Callable[..., Any], make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    from dataclasses import replace

    from therapy_notes.domain.engine_choice import EngineChoice

    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        parts.settings.save(
            replace(
                parts.settings.settings,
                engine=EngineChoice.CUSTOM,
                custom_url="ws://127.0.0.1:9/v1",
            ),
            None,
        )
        await parts.settings.wait_idle()
        window.start_recording()
        await wait_until(lambda: window.problem_bar.isVisible(), timeout_s=30, what="a message")
        assert window.problem_bar.title.text() == "The speech engine cannot be reached"
        assert window.problem_bar.action.text() == "Open engine settings…"
        assert window.bar.state is RecordingState.FAILED
        assert window.bar.record_button.isEnabled()  # the app keeps running; try again
        await parts.recording.wait_idle()
        with parts.database.uow_factory() as uow:  # nothing was recorded, nothing is kept
            assert uow.sessions.with_status(SessionStatus.FAILED) == []
        window.close()
        await parts.shutdown()

    run(scenario())


def test_choosing_a_patient_fills_the_session_header(
    run: Callable[..., Any], qtbot: Any, make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    from therapy_notes.domain.notes import EntrySource, NoteEntry
    from therapy_notes.domain.patients import Patient

    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        with parts.database.uow_factory() as uow:
            patient = uow.patients.add(
                Patient("Jordan Lee", "MRN-7", precautions=("Fall risk: uses a cane",))
            )
            assert patient.id is not None
            record = uow.sessions.start(patient.id, "soap", "local", datetime.now(UTC))
            uow.notes.add_entry(
                record.id, NoteEntry("plan", "Stairs next time.", EntrySource.MODEL)
            )
            uow.sessions.set_status(record.id, SessionStatus.DRAFT, datetime.now(UTC))
        assert window.patient_header.empty.isVisible()  # "No patient chosen: ..."
        listed = wait_for_signal(parts.library.patients_listed)
        parts.library.list_patients("")
        await listed
        loaded = wait_for_signal(parts.library.header_loaded)
        window.patients.patients.setCurrentRow(1)
        await loaded
        header = window.patient_header
        assert header.name.text() == "Jordan Lee  ·  MRN-7"
        assert header.safety.isVisible()
        assert "Fall risk" in header.safety.text()
        assert "Stairs next time." in header.last_plan.text()
        window.patients.patients.setCurrentRow(0)  # back to "No patient (dictations)"
        assert header.empty.isVisible()
        window.close()
        await parts.shutdown()

    run(scenario())


def test_ctrl_comma_opens_settings_and_help_lists_the_shortcuts(
    run: Callable[..., Any], qtbot: Any, make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QApplication

    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        window.activateWindow()
        assert QKeySequence("Ctrl+,") in window.settings_action.shortcuts()
        sizes = {(s.width(), s.height()) for s in window.windowIcon().availableSizes()}
        assert {(16, 16), (32, 32), (256, 256)} <= sizes  # the app icon, every size
        menus = [a.text() for a in window.menuBar().actions()]
        assert menus == ["&File", "&Session", "&View", "&Help"]
        assert not hasattr(window.bar, "effort_box")  # reasoning effort is an Advanced setting
        window.raise_()
        window.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is window, what="window active")
        window.patients.search_box.setFocus()
        qtbot.keyClick(
            window.patients.search_box, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier
        )
        dialog = window.settings_dialog
        assert dialog is not None
        dialog.reject()
        window.shortcuts_action.trigger()
        shortcuts = window.help_dialog
        assert shortcuts is not None
        table = shortcuts.table  # type: ignore[attr-defined]
        rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
        assert rows["Record / Stop"] == "F9"
        assert rows["Settings"].startswith(
            QKeySequence("Ctrl+,").toString(QKeySequence.SequenceFormat.NativeText)
        )
        shortcuts.reject()
        window.data_action.trigger()
        data = window.help_dialog
        assert data is not None
        assert "therapy_notes.db" in data.text.text()  # type: ignore[attr-defined]
        assert "SQLCipher" in data.text.text()  # type: ignore[attr-defined]
        data.reject()
        window.close()
        await parts.shutdown()

    run(scenario())


def test_view_menu_switches_to_dark_and_remembers_it(
    run: Callable[..., Any], qtbot: Any, make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from therapy_notes.domain.session import SpeakerRole
    from therapy_notes.ui.theme import ColourScheme, is_dark

    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        window.transcript.show_segment(
            Segment("a", 0, 900, "How is the knee?", speaker=SpeakerRole.CLINICIAN)
        )
        assert window.scheme_actions[ColourScheme.SYSTEM].isChecked()
        window.scheme_actions[ColourScheme.DARK].trigger()
        assert is_dark(QApplication.palette())
        assert window.scheme_actions[ColourScheme.DARK].isChecked()
        assert parts.settings.store.colour_scheme() == "dark"
        row = window.transcript.item(0)
        link = window.transcript.palette().color(QPalette.ColorRole.Link)
        assert row.foreground().color() == link  # recoloured for the dark palette
        window.scheme_actions[ColourScheme.LIGHT].trigger()
        assert not is_dark(QApplication.palette())
        window.close()
        await parts.shutdown()

    run(scenario())


def test_enroll_my_voice_sits_in_the_file_menu_before_lock(
    run: Callable[..., Any], make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        file_menu = window.menuBar().actions()[0].menu()
        texts = [a.text() for a in file_menu.actions() if not a.isSeparator()]
        assert texts.index("Users…") + 1 == texts.index("Enroll my voice…")
        assert texts.index("Enroll my voice…") + 1 == texts.index("Lock now")
        assert texts[-1] == "Quit"
        window.enroll_voice_action.trigger()
        dialog = window.voice_dialog
        assert dialog is not None
        dialog.reject()
        assert window.voice_dialog is None

    run(scenario())
