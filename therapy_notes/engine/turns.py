"""Turn tracking for one connection: VAD turns, partial and final recognition.

INTERFACE STUB: the events and the public methods of `TurnTracker` are fixed; the body is
to be written (see the engine's README section in the issue). The server depends only on
this surface.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VadSettings:
    """server_vad parameters from `session.update` (`audio.input.turn_detection`)."""

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500


@dataclass(frozen=True, slots=True)
class TurnStarted:
    item_id: str
    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class TurnPartial:
    """New text of a turn still being spoken (append-only: deltas concatenate)."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class TurnStopped:
    """VAD saw the end of speech; the turn is committed right after this."""

    item_id: str
    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class TurnCommitted:
    """The buffer became a conversation item (auto by VAD, or by a client commit)."""

    item_id: str
    audio_start_ms: int
    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class TurnFinal:
    item_id: str
    transcript: str
    audio_seconds: float


@dataclass(frozen=True, slots=True)
class TurnFailed:
    item_id: str
    message: str


TurnEvent = TurnStarted | TurnPartial | TurnStopped | TurnCommitted | TurnFinal | TurnFailed


class CommitTooShortError(ValueError):
    """A client commit of less than 100 ms of audio."""

    def __init__(self, buffered_ms: float) -> None:
        super().__init__(f"{buffered_ms:.0f} ms buffered")
        self.buffered_ms = buffered_ms
