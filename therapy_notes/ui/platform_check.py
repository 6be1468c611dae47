"""Before Qt starts: can it open a window here? If not, say what to install.

When Qt cannot load its platform plugin it aborts the process with a line about
`xcb-cursor0` that most users never see. On Linux the X11 plugin (`xcb`) needs a set of
small X libraries that a fresh Debian or Ubuntu desktop may lack; this checks that each
one loads, before the `QApplication` is made, and names the packages that provide the
missing ones.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
"""What Qt 6's xcb plugin loads, and the Debian/Ubuntu package of each."""


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def uses_xcb(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt would start on X11 here (Linux, no other platform asked for)."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_xcb_packages(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian/Ubuntu packages whose libraries the xcb plugin needs and cannot load."""
    return sorted({package for lib, package in XCB_LIBRARIES.items() if not loads(lib)})


def xcb_problem(
    environ: dict[str, str] | None = None,
    platform: str | None = None,
    loads: Callable[[str], bool] = _loads,
) -> str:
    """What to tell the user before Qt would abort, or "" when the window can open."""
    if not uses_xcb(environ, platform):
        return ""
    missing = missing_xcb_packages(loads)
    if not missing:
        return ""
    return (
        "Therapy Notes cannot open its window: the Qt X11 platform plugin (xcb) needs "
        "system libraries that are not installed.\n"
        f"On Debian or Ubuntu install them with:\n\n    sudo apt install {' '.join(missing)}\n\n"
        "(On Fedora: sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms "
        "xcb-util-image xcb-util-renderutil libxkbcommon-x11.) Then start Therapy Notes again. "
        "The command line (therapy-notes --sample, transcribe, export) works without them.\n"
    )
