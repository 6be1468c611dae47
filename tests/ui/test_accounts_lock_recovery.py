"""Sign-in, auto-lock during a live recording, crash recovery prompt and progress chart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from tests.speech import LONG_SESSION
from tests.ui.accounts import (
    PATIENT_NAME,
    FakeClock,
    build,
    create_accounts,
    seed_note,
    sign_in,
)
from tests.ui.conftest import wait_for_signal, wait_until
from therapy_notes.desktop import sign_in as app_sign_in
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import RecordingState, Segment, SessionStatus
from therapy_notes.engine.turns import EngineModels
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog


def test_first_run_creates_admin_then_wrong_password_is_refused(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: Any,
) -> None:
    async def scenario() -> None:
        parts = await build(tmp_path / "data", LONG_SESSION.path, engine_models, qtbot)
        dialogs: list[SignInDialog] = []
        first = asyncio.ensure_future(app_sign_in(parts.users, dialogs.append))
        await wait_until(lambda: bool(dialogs), what="first-run dialog")
        dialog = dialogs[0]
        assert dialog.is_first_run
        dialog.username.setText("admin")
        dialog.display_name.setText("Clinic Admin")
        dialog.password.setText("admin-pass-1")
        dialog.password_again.setText("admin-pass-2")
        dialog.submit()
        assert "differ" in dialog.error.text()
        dialog.password.setText("admin-pass-1")
        dialog.password_again.setText("admin-pass-1")
        dialog.submit()
        admin = await first
        assert admin is not None
        assert admin.username == "admin"
        assert parts.window.users_action.isEnabled()

        dialogs.clear()
        later = asyncio.ensure_future(app_sign_in(parts.users, dialogs.append))
        await wait_until(lambda: bool(dialogs), what="sign-in dialog")
        dialog = dialogs[0]
        assert not dialog.is_first_run
        for username in ("admin", "nobody"):  # wrong password, unknown user: same words
            dialog.username.setText(username)
            dialog.password.setText("wrong-password")
            failed = wait_for_signal(parts.users.sign_in_failed)
            dialog.submit()
            await failed
            assert dialog.isVisible()
            assert dialog.error.text() == (
                "The user name or password is wrong. Check both and try again."
            )
        dialog.username.setText("admin")
        dialog.password.setText("admin-pass-1")
        qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
        user = await later
        assert user is not None
        assert user.username == "admin"
        await parts.shutdown()

    run(scenario())


def test_idle_lock_hides_patient_content_while_recording_goes_on(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: Any,
) -> None:
    clock = FakeClock()

    async def scenario() -> None:
        parts = await build(tmp_path / "data", LONG_SESSION.path, engine_models, qtbot, clock)
        window = parts.window
        window.resize(1100, 700)
        window.show()
        await create_accounts(parts)
        await sign_in(parts, "ana")
        parts.library.save_patient(Patient(PATIENT_NAME, "MRN-1"))
        await wait_until(lambda: window.patients.current_patient is not None, what="patient")
        parts.engine.start()
        await wait_until(lambda: parts.engine.state is EngineState.READY, what="engine")
        window.start_recording()
        await wait_until(lambda: window.bar.state is RecordingState.RECORDING, what="live")
        await wait_until(lambda: window.session_id is not None, what="session row")
        session_id = window.session_id
        assert session_id is not None

        clock.now_s += 4 * 60  # not yet
        await asyncio.sleep(0.1)
        assert not window.is_locked
        clock.now_s += 61
        await wait_for_signal(parts.lock.locked, timeout_s=5)
        assert window.lock_overlay.isVisible()
        assert window.lock_overlay.geometry() == window.rect()
        assert window.main_splitter.isHidden()
        for widget in (window.patients, window.transcript, window.note, window.review):
            assert not widget.isVisible()
        assert "Recording continues" in window.lock_overlay.status.text()
        assert window.lock_overlay.title.text() == "Locked — enter your password"
        assert not window.record_action.isEnabled()
        # The whole window, as painted, is the lock cover alone: not one pixel of a list,
        # transcript or note shows through (menu bar included).
        shot = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        cover = window.lock_overlay.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert shot.size() == window.size() == cover.size()
        assert shot == cover

        def saved() -> int:
            with parts.database.uow_factory() as uow:
                return len(uow.segments.for_session(session_id))

        before = saved()
        await wait_until(
            lambda: saved() > before, timeout_s=30, what="segments saved behind the lock"
        )

        # A wrong password keeps it locked; the right one (or another user) unlocks.
        failed = wait_for_signal(parts.users.sign_in_failed)
        window.lock_overlay.password.setText("not-it")
        window.lock_overlay.submit()
        await failed
        assert window.lock_overlay.isVisible()
        assert window.lock_overlay.error.isVisible()
        unlocked = wait_for_signal(parts.lock.unlocked)
        window.lock_overlay.username.setText("rae")
        window.lock_overlay.password.setText("rae-pass-1")
        qtbot.mouseClick(window.lock_overlay.unlock_button, Qt.MouseButton.LeftButton)
        await unlocked
        assert parts.users.current_user is not None
        assert parts.users.current_user.username == "rae"
        assert window.lock_overlay.isHidden()
        assert window.transcript.isVisible()
        assert any(t.startswith("[") for t in window.transcript.texts())
        # Input counts as activity: the clock moves, a key press resets it.
        clock.now_s += 200
        qtbot.keyClick(window.transcript, Qt.Key.Key_Down)
        clock.now_s += 200
        await asyncio.sleep(0.1)
        assert not window.is_locked
        window.bar.stop_button.click()
        await wait_for_signal(parts.recording.session_finished, timeout_s=60)
        window.close()
        await parts.shutdown()

    run(scenario(), 90)


def test_recovery_prompt_lists_interrupted_session_and_recovers_it_as_draft(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: Any,
) -> None:
    async def scenario() -> None:
        parts = await build(tmp_path / "data", LONG_SESSION.path, engine_models, qtbot)
        window = parts.window
        window.show()
        await create_accounts(parts)
        await sign_in(parts, "ana")
        with parts.database.uow_factory() as uow:
            patient = uow.patients.add(Patient(PATIENT_NAME, "MRN-1"))
            record = uow.sessions.start(patient.id, "soap", "local", datetime.now(UTC))
            for i in range(3):
                uow.segments.add(
                    record.id, Segment(f"item_{i}", i * 1000, i * 1000 + 900, f"Said {i}.")
                )
        parts.recovery.find_interrupted()
        await wait_until(lambda: window.recovery_dialog is not None, what="recovery prompt")
        dialog = window.recovery_dialog
        assert dialog is not None
        assert len(dialog.rows()) == 1
        assert PATIENT_NAME in dialog.rows()[0]
        assert "3 segment(s) saved" in dialog.rows()[0]
        loaded = wait_for_signal(parts.notes.review_loaded)
        qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
        (review,) = await loaded
        assert review.session.id == record.id
        assert review.session.status is SessionStatus.DRAFT
        assert window.note_stack.currentWidget() is window.review
        with parts.database.uow_factory() as uow:
            trail = uow.audit.for_entity("session", record.id)
        assert [(r.actor, r.action) for r in trail] == [("ana", "recover_interrupted_session")]
        await wait_until(
            lambda: window.review_list.session_ids() == [record.id],
            what="recovered note awaits review",
        )
        window.close()
        await parts.shutdown()

    run(scenario())


def test_progress_chart_has_one_series_per_measurement_kind(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: Any,
) -> None:
    async def scenario() -> None:
        parts = await build(tmp_path / "data", LONG_SESSION.path, engine_models, qtbot)
        window = parts.window
        window.show()
        await create_accounts(parts)
        await sign_in(parts, "ana")
        first = seed_note(parts, days_ago=14, flexion=95, pain=7)
        seed_note(parts, days_ago=7, flexion=110, pain=5, patient_id=first.patient_id)
        seed_note(parts, days_ago=0, flexion=125, pain=3, patient_id=first.patient_id)
        listed = wait_for_signal(parts.library.patients_listed)
        parts.library.list_patients()
        (patients,) = await listed
        window.patients.show_patients(patients, select_id=first.patient_id)
        await wait_until(lambda: window.patients.current_patient is not None, what="patient")
        window.progress_action.trigger()
        dialog = window.progress_dialog
        assert dialog is not None
        await wait_until(lambda: bool(dialog.chart.series_names()), what="chart series")
        chart = dialog.chart
        assert chart.series_names() == [
            "Pain score (/10)",
            "Range of motion — right shoulder (deg)",
        ]
        assert [p.value for p in chart.points("Range of motion — right shoulder (deg)")] == [
            95,
            110,
            125,
        ]
        assert [p.value for p in chart.points("Pain score (/10)")] == [7, 5, 3]
        assert not chart.grab().isNull()
        dialog.close()
        window.close()
        await parts.shutdown()

    run(scenario())
