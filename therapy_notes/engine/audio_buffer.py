"""The input audio buffer of one connection, at the models' 16 kHz.

Addressed by the sample's index in the whole session, so a turn's start and end stay
valid while the audio before the last commit is dropped.
"""

from __future__ import annotations

import numpy as np

from therapy_notes.pcm import MODEL_RATE_HZ


class AudioBuffer:
    """16 kHz audio since the last commit or clear, addressed by session sample index."""

    def __init__(self) -> None:
        self._data = np.zeros(MODEL_RATE_HZ * 4, dtype=np.float32)
        self._length = 0
        self.start = 0

    @property
    def end(self) -> int:
        return self.start + self._length

    def append(self, audio: np.ndarray) -> None:
        needed = self._length + audio.shape[0]
        if needed > self._data.shape[0]:
            grown = np.zeros(max(needed, 2 * self._data.shape[0]), dtype=np.float32)
            grown[: self._length] = self._data[: self._length]
            self._data = grown
        self._data[self._length : needed] = audio
        self._length = needed

    def slice(self, start: int, end: int) -> np.ndarray:
        """A copy, so a decode thread never sees the buffer move under it."""
        lo = max(start, self.start) - self.start
        hi = min(end, self.end) - self.start
        return self._data[lo:hi].copy()

    def drop_before(self, index: int) -> None:
        cut = min(max(index, self.start), self.end) - self.start
        if cut == 0:
            return
        remaining = self._length - cut
        self._data[:remaining] = self._data[cut : self._length]
        self._length = remaining
        self.start += cut
