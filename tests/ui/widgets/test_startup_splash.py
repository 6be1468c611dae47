"""The splash says what is happening from the first second."""

from __future__ import annotations

from typing import Any

from therapy_notes.ui.launch import app_icon
from therapy_notes.ui.widgets.startup_splash import StartupSplash


def test_the_splash_shows_each_step(qtbot: Any) -> None:
    splash = StartupSplash(app_icon())
    qtbot.addWidget(splash)
    assert not splash.isVisible()
    splash.show_status("Opening your records…")
    assert splash.isVisible()
    assert splash.status.text() == "Opening your records…"
    splash.show_status("Loading the speech model…")
    assert splash.status.text() == "Loading the speech model…"
    assert splash.busy.maximum() == 0  # a busy bar, not a made-up percentage
