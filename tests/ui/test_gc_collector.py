"""Garbage collection runs on the GUI thread only, from a timer."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from therapy_notes.ui.gc_collector import GuiThreadCollector


@pytest.fixture
def collector(qapp: QApplication) -> Iterator[GuiThreadCollector]:
    collector = GuiThreadCollector(interval_ms=10)
    yield collector
    collector.stop()


def test_automatic_collection_is_off_and_the_timer_collects(
    collector: GuiThreadCollector,
    qtbot: object,
) -> None:
    collector.start()
    assert not gc.isenabled()

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    for _ in range(2000):  # enough allocations to pass the first threshold
        cycle = Cycle()
    ref = weakref.ref(cycle)
    del cycle
    assert ref() is not None  # a cycle: only the collector frees it
    qtbot.waitUntil(lambda: ref() is None, timeout=2000)  # type: ignore[attr-defined]
    collector.stop()
    assert gc.isenabled()
