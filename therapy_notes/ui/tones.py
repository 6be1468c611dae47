"""The few colours the app sets itself, each as a foreground and background pair.

Everything else comes from the palette of the OS (light or dark). A tone always sets both
its text and its background, so it stays readable whichever palette is active; the tests
check each pair's contrast against WCAG's 4.5:1 for normal text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tone:
    """A text colour on a background colour, as `#rrggbb`."""

    foreground: str
    background: str

    def style(self, selector: str = "", extra: str = "") -> str:
        """A style sheet that paints the tone (on `selector`, or on the widget itself)."""
        body = f"color: {self.foreground}; background-color: {self.background}; {extra}".strip()
        return f"{selector} {{ {body} }}" if selector else body


DANGER = Tone("#ffffff", "#a3001b")
"""Something blocks the clinician: a risk to acknowledge, a signature that no longer
verifies, a device that failed."""
WARNING = Tone("#1f1600", "#f5c542")
"""Worth a second look, but nothing stops: an empty section, a budget nearly used."""
INFO = Tone("#0b2545", "#d6e6fb")
"""A neutral fact the clinician should notice (a precaution in the patient header)."""

TONES: dict[str, Tone] = {"danger": DANGER, "warning": WARNING, "info": INFO}


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of `#rrggbb`."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two `#rrggbb` colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


ERROR_TEXT_LIGHT = "#a3001b"
ERROR_TEXT_DARK = "#ff8a80"
"""Error text set on the window's own background: a dark red on light, a light red on dark."""

SERIES_LIGHT = ("#1f5fa8", "#b3261e", "#1e7b34", "#7b3fa8", "#a04d00", "#00707a")
SERIES_DARK = ("#7cb2ff", "#ff8a80", "#6fd08c", "#c9a0ff", "#ffb25e", "#4dd8e6")
"""Chart lines, distinct from each other and at least 3:1 against the chart's base."""


def error_text(is_dark: bool) -> str:
    """The error text colour for a light or a dark window."""
    return ERROR_TEXT_DARK if is_dark else ERROR_TEXT_LIGHT


def series_colours(is_dark: bool) -> tuple[str, ...]:
    """The chart's line colours for a light or a dark base."""
    return SERIES_DARK if is_dark else SERIES_LIGHT
