"""Where the app's assets are: the top-level `resources/` folder, wherever it was installed.

One module answers for every way the app runs. `resources/` is installed as the package
`therapy_notes.resources` (see `setup.py`), so a wheel (`pip install .`) and an editable
install both find it through the import system; a PyInstaller bundle unpacks it at the
bundle's root (`sys._MEIPASS`). Everything that needs an icon, a template, the speaker
model or the sample recording asks here instead of building paths of its own.
"""

from __future__ import annotations

import contextlib
import sys
from functools import cache
from importlib import resources
from pathlib import Path

APP_ID = "therapy-notes"
"""The icon's and desktop entry's file name (reverse-DNS is not needed on Linux here)."""

_PACKAGE = "therapy_notes.resources"


@cache
def resources_dir() -> Path:
    """The `resources/` folder of this installation.

    Raises:
        FileNotFoundError: no `resources/` folder was installed (a broken install).
    """
    candidates: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        candidates.append(Path(bundle) / "resources")
    # Not installed as a package (a bare source tree on sys.path): only the fallback below.
    with contextlib.suppress(ModuleNotFoundError):
        candidates.append(Path(str(resources.files(_PACKAGE))))
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    for candidate in candidates:
        if (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError(
        "The app's resources folder is missing (looked in: "
        + ", ".join(str(c) for c in candidates)
        + "). Reinstall Therapy Notes."
    )


def resource_path(*parts: str) -> Path:
    """A file or folder inside `resources/`, e.g. `resource_path("templates", "soap.json")`."""
    return resources_dir().joinpath(*parts)


def icon_path(size_px: int | None = None) -> Path:
    """The app icon: the SVG source, or the generated PNG of `size_px` pixels."""
    if size_px is None:
        return resource_path("icons", f"{APP_ID}.svg")
    return resource_path("icons", "png", f"{APP_ID}-{size_px}.png")


ICON_SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
"""The PNG sizes `scripts/make_icons.py` writes (the .ico and .icns are built from them)."""
