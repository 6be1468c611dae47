"""Where the app's assets are: the top-level `resources/` folder, wherever it was installed.

One module answers for every way the app runs: from a source tree or an editable
install (`resources/` beside the `therapy_notes` package), and from a PyInstaller bundle
(`resources/` unpacked at the bundle's root, `sys._MEIPASS`). Everything that needs an
icon or another asset asks here instead of building paths of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ID = "therapy-notes"
"""The icon's and desktop entry's file name (reverse-DNS is not needed on Linux here)."""


def resources_dir() -> Path:
    """The `resources/` folder of this installation.

    Raises:
        FileNotFoundError: no `resources/` folder was installed (a broken install).
    """
    candidates: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "The app's resources folder is missing (looked in: "
        + ", ".join(str(c) for c in candidates)
        + "). Reinstall Therapy Notes."
    )


def icon_path(size_px: int | None = None) -> Path:
    """The app icon: the SVG source, or the generated PNG of `size_px` pixels."""
    icons = resources_dir() / "icons"
    if size_px is None:
        return icons / f"{APP_ID}.svg"
    return icons / "png" / f"{APP_ID}-{size_px}.png"


ICON_SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
"""The PNG sizes `scripts/make_icons.py` writes (the .ico and .icns are built from them)."""
