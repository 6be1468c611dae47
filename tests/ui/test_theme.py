"""Light and dark: every colour the app relies on is readable in both palettes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from therapy_notes.ui.theme import ColourScheme, apply_colour_scheme, dark_palette, is_dark
from therapy_notes.ui.tones import TONES, contrast_ratio, error_text, series_colours

TEXT_AA = 4.5
GRAPHICS_AA = 3.0


def _hex(palette: QPalette, role: QPalette.ColorRole) -> str:
    return str(palette.color(role).name())


@pytest.fixture
def palettes(qapp: QApplication) -> Iterator[dict[str, QPalette]]:
    apply_colour_scheme(ColourScheme.LIGHT)
    light = QPalette(qapp.palette())
    apply_colour_scheme(ColourScheme.DARK)
    dark = QPalette(qapp.palette())
    yield {"light": light, "dark": dark}
    apply_colour_scheme(ColourScheme.LIGHT)


def test_asking_for_dark_gives_dark_and_light_gives_light(palettes: dict[str, QPalette]) -> None:
    assert is_dark(palettes["dark"])
    assert not is_dark(palettes["light"])
    assert is_dark(dark_palette())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_links_and_hints_are_readable(palettes: dict[str, QPalette], scheme: str) -> None:
    p = palettes[scheme]
    role = QPalette.ColorRole
    pairs = {
        "text on base": (role.Text, role.Base),
        "window text": (role.WindowText, role.Window),
        "clinician rows (link) on base": (role.Link, role.Base),
        "empty-state hints (placeholder) on base": (role.PlaceholderText, role.Base),
        "selected text": (role.HighlightedText, role.Highlight),
        "button text": (role.ButtonText, role.Button),
    }
    for what, (fg, bg) in pairs.items():
        ratio = contrast_ratio(_hex(p, fg), _hex(p, bg))
        assert ratio >= TEXT_AA, f"{scheme}: {what} is {ratio:.2f}:1"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_custom_colours_are_readable(palettes: dict[str, QPalette], scheme: str) -> None:
    p = palettes[scheme]
    window = _hex(p, QPalette.ColorRole.Window)
    base = _hex(p, QPalette.ColorRole.Base)
    dark = scheme == "dark"
    assert contrast_ratio(error_text(dark), window) >= TEXT_AA
    for colour in series_colours(dark):
        assert contrast_ratio(colour, base) >= GRAPHICS_AA, f"{scheme}: chart line {colour}"
    for name, tone in TONES.items():  # banners set their own text and background
        assert contrast_ratio(tone.foreground, tone.background) >= TEXT_AA, name
