"""Light, dark, or whatever the operating system uses: the window's colour scheme.

Qt's style hints carry the OS colour scheme (`QStyleHints.colorScheme`) and, from Qt 6.8,
accept a request for one (`setColorScheme`), which the Windows, macOS and GNOME/KDE
platform themes honour. Where nothing honours it (a bare X server, the offscreen platform
of the tests) the palette is set as well, so asking for dark always gives dark. Colours
the app draws itself come from the palette or from `tones`, so both schemes stay readable;
`tests/ui/test_theme.py` checks their contrast in each.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


class ColourScheme(StrEnum):
    """What the clinician chose in View > Appearance."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


SCHEME_TITLES = {
    ColourScheme.SYSTEM: "Follow the system",
    ColourScheme.LIGHT: "Light",
    ColourScheme.DARK: "Dark",
}

_DARK = {
    QPalette.ColorRole.Window: "#2b2d30",
    QPalette.ColorRole.WindowText: "#e8e8e8",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#27292c",
    QPalette.ColorRole.ToolTipBase: "#3c3f41",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#a0a4a8",
    QPalette.ColorRole.Text: "#e8e8e8",
    QPalette.ColorRole.Button: "#393b40",
    QPalette.ColorRole.ButtonText: "#e8e8e8",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#4a4d52",
    QPalette.ColorRole.Midlight: "#414448",
    QPalette.ColorRole.Mid: "#5a5d62",
    QPalette.ColorRole.Dark: "#18191b",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#2f65ca",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.LinkVisited: "#c58af9",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#8a8d91",
    QPalette.ColorRole.Text: "#8a8d91",
    QPalette.ColorRole.ButtonText: "#8a8d91",
    QPalette.ColorRole.PlaceholderText: "#70757a",
}
_LIGHT_FIXES = {
    QPalette.ColorRole.PlaceholderText: "#5f6368",
    QPalette.ColorRole.Link: "#0b57d0",
    QPalette.ColorRole.Highlight: "#1f5fa8",
}
"""Fusion's light placeholder grey is too faint to read the empty-state hints by, and
white on its selection blue is below 4.5:1."""


def dark_palette() -> QPalette:
    """A dark palette whose text, link and placeholder colours pass WCAG AA on its bases."""
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def light_palette(base: QPalette) -> QPalette:
    """The style's own light palette, with readable placeholder and link colours."""
    palette = QPalette(base)
    for role, colour in _LIGHT_FIXES.items():
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, role, QColor(colour))
    return palette


def is_dark(palette: QPalette) -> bool:
    """Whether `palette` is a dark one (by its window colour)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def wanted_dark(scheme: ColourScheme) -> bool:
    """Whether `scheme` means dark now (System asks the OS through the style hints)."""
    if scheme is ColourScheme.SYSTEM:
        return QGuiApplication.styleHints().colorScheme() is Qt.ColorScheme.Dark
    return scheme is ColourScheme.DARK


_state = {"scheme": ColourScheme.SYSTEM, "is_following": False}


def follow_system_scheme() -> None:
    """While the choice is System, follow the OS when it switches (connected once)."""
    if _state["is_following"]:
        return
    _state["is_following"] = True
    QGuiApplication.styleHints().colorSchemeChanged.connect(_on_system_scheme_changed)


def _on_system_scheme_changed(_scheme: object) -> None:
    if _state["scheme"] is ColourScheme.SYSTEM:
        apply_colour_scheme(ColourScheme.SYSTEM)


def apply_colour_scheme(scheme: ColourScheme) -> None:
    """Ask the platform for `scheme`, and set the palette where the platform did not."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    _state["scheme"] = scheme
    hints = app.styleHints()
    requested = {
        ColourScheme.SYSTEM: Qt.ColorScheme.Unknown,
        ColourScheme.LIGHT: Qt.ColorScheme.Light,
        ColourScheme.DARK: Qt.ColorScheme.Dark,
    }[scheme]
    if hasattr(hints, "setColorScheme"):  # Qt 6.8 and later
        hints.setColorScheme(requested)
    dark = wanted_dark(scheme)
    standard = app.style().standardPalette()
    app.setPalette(dark_palette() if dark else light_palette(standard))
