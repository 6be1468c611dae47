"""The window's menus: each entry calls its target, and the lists the lock and Help use."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow

from therapy_notes.ui.theme import ColourScheme
from therapy_notes.ui.window_menus import MenuTargets, build_window_menus


def _targets(calls: list[str]) -> MenuTargets:
    fields = {f.name for f in dataclasses.fields(MenuTargets)} - {"can_enroll_voice"}
    made: dict[str, Any] = {
        name: (lambda n=name: calls.append(n)) for name in fields if name != "colour_scheme"
    }
    made["colour_scheme"] = lambda scheme: calls.append(f"scheme:{scheme.value}")
    return MenuTargets(can_enroll_voice=False, **made)


def test_each_entry_calls_its_own_target(qtbot: Any) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    calls: list[str] = []
    actions = build_window_menus(window, _targets(calls))
    actions.record.trigger()
    actions.swap_speakers.trigger()
    actions.settings.trigger()
    actions.lock.trigger()
    actions.schemes[ColourScheme.DARK].trigger()
    assert calls == ["toggle_recording", "swap_speakers", "settings", "lock", "scheme:dark"]
    assert actions.schemes[ColourScheme.DARK].isChecked()


def test_menus_in_order_and_what_the_lock_and_help_take(qtbot: Any) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = build_window_menus(window, _targets([]))
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Session", "&View", "&Help"]
    texts = [a.text() for a in actions.in_menus]
    assert texts[0] == "New patient…"
    assert "Quit" in texts
    assert "Keyboard shortcuts…" in texts
    # The lock leaves Quit and Help usable, and guards everything that shows patient data.
    guarded = {a.text() for a in actions.guarded}
    assert "Quit" not in guarded
    assert "About Therapy Notes" not in guarded
    assert {"Record / Stop", "Export…", "Copy note", "Search transcripts and notes…"} <= guarded
    # Users is for administrators and voice enrollment needs a voice printer: both start off.
    assert not actions.users.isEnabled()
    assert not actions.enroll_voice.isEnabled()
    assert actions.record.shortcut() == QKeySequence("F9")
    keys = [a.shortcut().toString() for a in actions.in_menus if not a.shortcut().isEmpty()]
    assert len(keys) == len(set(keys)), keys
