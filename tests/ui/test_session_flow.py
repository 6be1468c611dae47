"""The whole app on a real session: WAV audio -> local engine -> services -> SQLite -> window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.speech import LONG_SESSION
from tests.ui.conftest import wait_for_signal, wait_until
from therapy_notes.app import AppParts
from therapy_notes.domain.session import RecordingState
from therapy_notes.ui.controllers.engine import EngineState


def _note_texts(parts: AppParts) -> dict[str, list[str]]:
    return {s.key: s.entry_texts() for s in parts.window.note.sections()}


def test_live_session_is_saved_and_reopens(
    run: Callable[..., Any],
    qtbot: Any,
    make_app: Callable[..., Awaitable[AppParts]],
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "clinic"

    async def record() -> tuple[list[str], dict[str, list[str]], int]:
        parts = await make_app(LONG_SESSION.path, data_dir=data_dir)
        window = parts.window
        window.show()
        parts.engine.start()
        await wait_until(lambda: parts.engine.state is EngineState.READY, what="engine ready")
        qtbot.mouseClick(window.bar.record_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: window.bar.state is RecordingState.RECORDING, what="live")
        # Words appear while the audio is still playing.
        await wait_until(
            lambda: any(t.startswith("…") for t in window.transcript.texts()),
            what="partial transcript",
        )
        await wait_until(
            lambda: any(t.startswith("[") for t in window.transcript.texts()), what="final segment"
        )
        assert window.bar.state is RecordingState.RECORDING
        await wait_until(lambda: any(_note_texts(parts).values()), timeout_s=30, what="note entry")
        # The clinician types while recording; incoming entries never touch the field.
        subjective = window.note.sections()[0]
        subjective.editor.setFocus()
        qtbot.keyClicks(subjective.editor, "Arrived on time.")
        qtbot.mouseClick(window.bar.stop_button, Qt.MouseButton.LeftButton)
        await wait_for_signal(parts.recording.session_finished, timeout_s=60)
        await parts.library.wait_idle()
        assert subjective.editor.toPlainText() == "Arrived on time."
        session_id = window.session_id
        assert session_id is not None
        transcript = [t for t in window.transcript.texts() if t.startswith("[")]
        note = _note_texts(parts)
        window.close()
        await parts.shutdown()
        return transcript, note, session_id

    transcript, note, session_id = run(record(), 120)
    assert transcript, "no final segment was shown"
    assert "shoulder" in " ".join(transcript).lower()
    assert any(note.values())

    async def reopen() -> tuple[list[str], dict[str, list[str]], str]:
        parts = await make_app(LONG_SESSION.path, data_dir=data_dir)
        parts.window.show()
        parts.library.list_patients()
        parts.window.open_session(session_id)
        await wait_for_signal(parts.library.session_loaded)
        texts = parts.window.transcript.texts()
        entries = _note_texts(parts)
        typed = parts.window.note.sections()[0].editor.toPlainText()
        parts.window.close()
        await parts.shutdown()
        return texts, entries, typed

    texts, entries, typed = run(reopen())
    assert texts == transcript
    assert entries == note
    assert typed == "Arrived on time."
