"""Auto-lock: after a stretch without keyboard or mouse input, the window locks.

An event filter on the whole application notes every input event; a timer compares the
time since the last one with the idle limit. The clock is injectable so tests move time
instead of waiting minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_log = logging.getLogger(__name__)

DEFAULT_LOCK_AFTER_S = 5 * 60
CHECK_INTERVAL_MS = 1000
"""How often idleness is checked: a lock a second late is harmless, polling is cheap."""

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)


class IdleLock(QObject):
    """Locks after `lock_after_s` of no input; unlocking is the window's sign-in.

    Install it with `QApplication.instance().installEventFilter(lock)`; `start()` begins
    watching (after sign-in), `stop()` ends it.

    Signals:
        locked: the idle limit passed; hide every patient detail ().
        unlocked: a user signed in again; content may show ().
    """

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        lock_after_s: float = DEFAULT_LOCK_AFTER_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        check_interval_ms: int = CHECK_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._lock_after_s = lock_after_s
        self._clock = clock
        self._last_input = clock()
        self._is_locked = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_interval_ms)
        self._timer.timeout.connect(self.check)

    @property
    def is_locked(self) -> bool:
        return self._is_locked

    @property
    def lock_after_s(self) -> float:
        return self._lock_after_s

    def set_lock_after(self, seconds: float) -> None:
        """A new idle limit (from Settings); counted from the last input."""
        self._lock_after_s = max(1.0, seconds)

    def start(self) -> None:
        self._last_input = self._clock()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def note_input(self) -> None:
        """Count now as activity (the event filter calls this on every input)."""
        self._last_input = self._clock()

    def lock(self) -> None:
        """Lock now (idle limit reached, or the user asked)."""
        if not self._is_locked:
            self._is_locked = True
            _log.info("window locked")
            self.locked.emit()

    def unlock(self) -> None:
        """Called once a password was verified; restarts the idle clock."""
        self._last_input = self._clock()
        if self._is_locked:
            self._is_locked = False
            _log.info("window unlocked")
            self.unlocked.emit()

    def check(self) -> None:
        """Lock if the idle limit has passed (the timer calls this every second)."""
        if not self._is_locked and self._clock() - self._last_input >= self._lock_after_s:
            self.lock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Notes input anywhere in the app; never consumes an event."""
        if event.type() in _INPUT_EVENTS and not self._is_locked:
            self._last_input = self._clock()
        return False
