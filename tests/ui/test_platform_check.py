"""Before Qt starts on X11: missing libraries are named with the packages to install."""

from __future__ import annotations

from therapy_notes.ui.platform_check import XCB_LIBRARIES, uses_xcb, xcb_problem

X11 = {"DISPLAY": ":0"}


def test_a_missing_xcb_cursor_names_the_package_to_install() -> None:
    message = xcb_problem(X11, "linux", loads=lambda lib: lib != "libxcb-cursor.so.0")
    assert "sudo apt install libxcb-cursor0" in message
    assert "libxcb-icccm4" not in message


def test_every_missing_library_is_listed_once() -> None:
    message = xcb_problem(X11, "linux", loads=lambda lib: False)
    for package in set(XCB_LIBRARIES.values()):
        assert message.count(f" {package}") == 1, package


def test_nothing_to_say_when_all_load_or_x11_is_not_used() -> None:
    assert xcb_problem(X11, "linux", loads=lambda lib: True) == ""
    assert xcb_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", loads=lambda lib: False) == ""
    assert xcb_problem(X11, "darwin", loads=lambda lib: False) == ""
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
