"""The launcher: Qt's messages reach the app's log, the icon has its sizes."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import qInstallMessageHandler, qWarning

from therapy_notes.resource_paths import ICON_SIZES_PX
from therapy_notes.ui.launch import app_icon, route_qt_messages


@pytest.mark.expected_log("therapy_notes.qt", "WARNING", match=r"^a Qt warning for the log$")
def test_qt_warnings_are_logged_under_the_qt_logger(qapp: Any) -> None:
    previous = route_qt_messages()
    try:
        qWarning("a Qt warning for the log")
    finally:
        qInstallMessageHandler(previous)  # type: ignore[arg-type]


def test_the_icon_carries_the_generated_sizes(qapp: Any) -> None:
    sizes = {size.width() for size in app_icon().availableSizes()}
    assert set(ICON_SIZES_PX) <= sizes
