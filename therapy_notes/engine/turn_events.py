"""What a turn tracker tells its connection: speech started, words, stopped, committed, final.

The protocol's input-audio and transcription events in the engine's own terms; the
connection turns each into its server event (PROTOCOL.md sections 4 and 6).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """VAD heard speech; `audio_start_ms` includes the prefix padding."""

    item_id: str
    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class TurnPartial:
    """New text of a turn still being spoken (append-only: deltas concatenate).

    `tentative` is the rest of the latest hypothesis, which no second look has confirmed
    yet: it belongs after the confirmed text and is replaced by the next partial's.
    """

    item_id: str
    delta: str
    tentative: str = ""


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
    """The final transcript of a committed turn."""

    item_id: str
    transcript: str
    audio_seconds: float


@dataclass(frozen=True, slots=True)
class TurnFailed:
    """The final decode of a committed turn failed; `message` says why."""

    item_id: str
    message: str


TurnEvent = TurnStarted | TurnPartial | TurnStopped | TurnCommitted | TurnFinal | TurnFailed


class CommitTooShortError(ValueError):
    """A client commit of less than 100 ms of audio."""

    def __init__(self, buffered_ms: float) -> None:
        super().__init__(f"{buffered_ms:.0f} ms buffered")
        self.buffered_ms = buffered_ms
