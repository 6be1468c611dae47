"""The main window's menus and shortcuts: which actions exist, their keys and their order.

Built apart from the window so the menu bar reads as one list, and so Help > Keyboard
shortcuts and the lock (which disables every guarded action) take their lists from the
same place the menus do. The window passes what each action does (`MenuTargets`); nothing
here knows what a session or a note is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from therapy_notes.ui.theme import SCHEME_TITLES, ColourScheme


def settings_shortcuts() -> list[QKeySequence]:
    """Ctrl+, everywhere (the README's key), plus the platform's own if it has another."""
    keys = [QKeySequence("Ctrl+,")]
    native = QKeySequence(QKeySequence.StandardKey.Preferences)
    if not native.isEmpty() and native != keys[0]:
        keys.append(native)
    return keys


@dataclass(frozen=True, slots=True)
class MenuTargets:
    """What each menu entry does, supplied by the window."""

    toggle_recording: Callable[[], object]
    swap_speakers: Callable[[], object]
    search: Callable[[], object]
    settings: Callable[[], object]
    new_patient: Callable[[], object]
    export: Callable[[], object]
    copy_note: Callable[[], object]
    users: Callable[[], object]
    enroll_voice: Callable[[], object]
    can_enroll_voice: bool
    review: Callable[[], object]
    progress: Callable[[], object]
    lock: Callable[[], object]
    quit: Callable[[], object]
    shortcuts: Callable[[], object]
    data_protection: Callable[[], object]
    about: Callable[[], object]
    colour_scheme: Callable[[ColourScheme], object]


@dataclass(frozen=True, slots=True)
class WindowActions:
    """The actions the window (and its tests) reach by name, and the lists built from them."""

    record: QAction
    swap_speakers: QAction
    search: QAction
    settings: QAction
    new_patient: QAction
    export: QAction
    copy_note: QAction
    users: QAction
    enroll_voice: QAction
    review: QAction
    progress: QAction
    lock: QAction
    shortcuts: QAction
    data_protection: QAction
    about: QAction
    schemes: dict[ColourScheme, QAction]
    in_menus: list[QAction]
    """Every action in File, Session and Help: what Keyboard shortcuts lists."""
    guarded: tuple[QAction, ...]
    """What the lock disables: every action that would show or change patient data."""


def _action(
    window: QMainWindow,
    text: str,
    triggered: Callable[[], object],
    key: QKeySequence | QKeySequence.StandardKey | str | None = None,
) -> QAction:
    action = QAction(text, window)
    if key is not None:
        action.setShortcut(QKeySequence(key))
    action.triggered.connect(lambda _checked=False: triggered())
    return action


def build_window_menus(window: QMainWindow, to: MenuTargets) -> WindowActions:
    """Add File, Session, View and Help to `window`'s menu bar; return their actions."""
    record = _action(window, "Record / Stop", to.toggle_recording, QKeySequence(Qt.Key.Key_F9))
    record.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    search = _action(
        window, "Search transcripts and notes…", to.search, QKeySequence.StandardKey.Find
    )
    settings = _action(window, "Settings…", to.settings)
    settings.setShortcuts(settings_shortcuts())
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    new_patient = _action(window, "New patient…", to.new_patient, QKeySequence.StandardKey.New)
    export = _action(window, "Export…", to.export, "Ctrl+E")
    copy_note = _action(window, "Copy note", to.copy_note, "Ctrl+Shift+C")
    users = _action(window, "Users…", to.users)
    users.setEnabled(False)
    enroll_voice = _action(window, "Enroll my voice…", to.enroll_voice)
    enroll_voice.setToolTip("Read a short passage once so sessions know which voice is yours")
    enroll_voice.setEnabled(to.can_enroll_voice)
    review = _action(window, "Review and sign", to.review, "Ctrl+R")
    swap_speakers = _action(window, "Swap clinician and client", to.swap_speakers, "Ctrl+Shift+W")
    swap_speakers.setToolTip(
        "The voices were told apart but the roles are the wrong way round: swap them "
        "for this session."
    )
    progress = _action(window, "Progress over time…", to.progress)
    lock = _action(window, "Lock now", to.lock, "Ctrl+L")
    quit_action = _action(window, "Quit", to.quit, QKeySequence.StandardKey.Quit)

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([new_patient, export, copy_note])
    file_menu.addSeparator()
    file_menu.addActions([settings, users, enroll_voice, lock])
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    session_menu = bar.addMenu("&Session")
    session_menu.addActions([record, swap_speakers, search, review, progress])

    shortcuts = _action(window, "Keyboard shortcuts…", to.shortcuts, "F1")
    data_protection = _action(window, "Your data and how it is protected…", to.data_protection)
    about = _action(window, "About Therapy Notes", to.about)
    about.setMenuRole(QAction.MenuRole.AboutRole)

    appearance = bar.addMenu("&View").addMenu("Appearance")
    schemes: dict[ColourScheme, QAction] = {}
    group = QActionGroup(window)
    group.setExclusive(True)
    for scheme in ColourScheme:
        action = QAction(SCHEME_TITLES[scheme], window)
        action.setCheckable(True)
        action.triggered.connect(lambda _c=False, s=scheme: to.colour_scheme(s))
        group.addAction(action)
        appearance.addAction(action)
        schemes[scheme] = action

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(shortcuts)
    help_menu.addAction(data_protection)
    help_menu.addSeparator()
    help_menu.addAction(about)

    in_menus = [
        a for m in (file_menu, session_menu, help_menu) for a in m.actions() if not a.isSeparator()
    ]
    guarded = (
        record,
        swap_speakers,
        search,
        settings,
        new_patient,
        export,
        copy_note,
        review,
        progress,
        lock,
    )
    return WindowActions(
        record=record,
        swap_speakers=swap_speakers,
        search=search,
        settings=settings,
        new_patient=new_patient,
        export=export,
        copy_note=copy_note,
        users=users,
        enroll_voice=enroll_voice,
        review=review,
        progress=progress,
        lock=lock,
        shortcuts=shortcuts,
        data_protection=data_protection,
        about=about,
        schemes=schemes,
        in_menus=in_menus,
        guarded=guarded,
    )
