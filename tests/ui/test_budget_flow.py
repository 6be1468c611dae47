"""A tiny token cap: the gauge turns red, note updates pause, the transcript keeps growing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt

from tests.speech import LONG_SESSION
from tests.ui.conftest import wait_for_signal, wait_until
from therapy_notes.app import AppParts
from therapy_notes.domain.usage import CAP_REACHED_MESSAGE
from therapy_notes.ui.controllers.engine import EngineState
from therapy_notes.ui.widgets.budget_gauge import PAUSED_MESSAGE


def _finals(parts: AppParts) -> int:
    return sum(1 for t in parts.window.transcript.texts() if t.startswith("["))


def test_cap_turns_gauge_red_and_transcript_continues(
    run: Callable[..., Any], qtbot: Any, make_app: Callable[..., Awaitable[AppParts]]
) -> None:
    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path, token_cap=20, realtime=False)
        window = parts.window
        window.show()
        parts.engine.start()
        await wait_until(lambda: parts.engine.state is EngineState.READY, what="engine ready")
        window.start_recording()
        await wait_until(lambda: window.budget.level == "red", timeout_s=30, what="red gauge")
        # One message, in the gauge (the service's words once its notice arrives).
        assert window.budget.message.text() in (PAUSED_MESSAGE, CAP_REACHED_MESSAGE)
        assert not (window.notice.isVisible() and "token cap" in window.notice.label.text())
        assert window.budget.raise_button.isVisible()
        finals_at_cap = _finals(parts)
        await wait_until(
            lambda: _finals(parts) > finals_at_cap,
            timeout_s=30,
            what="transcript growing past the cap",
        )
        # One click raises the cap; the gauge leaves red.
        qtbot.mouseClick(window.budget.raise_button, Qt.MouseButton.LeftButton)
        new_cap = int(window.budget.bar.format().split("/")[1].replace(",", ""))
        assert new_cap > 20
        session_id = window.session_id
        assert session_id is not None

        def audited() -> list[str]:
            with parts.database.uow_factory() as uow:
                return [r.action for r in uow.audit.for_entity("session", session_id)]

        async def has_audit() -> bool:
            return "raise_token_cap" in await asyncio.to_thread(audited)

        deadline = asyncio.get_running_loop().time() + 10
        while not await has_audit():
            assert asyncio.get_running_loop().time() < deadline, "cap raise not audited"
            await asyncio.sleep(0.05)
        window.bar.stop_button.click()
        await wait_for_signal(parts.recording.session_finished, timeout_s=60)
        window.close()
        await parts.shutdown()

    run(scenario(), 120)
