"""Which audio a new connection must be sent again, and the turns it holds (no I/O).

Every byte sent is kept until each turn it belongs to has its transcript, so a reconnect
replays exactly the audio whose speech has not come back yet: none lost, none transcribed
twice. Times are session milliseconds (since the first byte). A connection counts its own
times from the first byte it was sent, which is where the kept audio began when it opened,
so the engine's times are shifted by that much.

`AudioReplay` only keeps state and answers questions; the connection sends the bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, KeysView
from dataclasses import dataclass

from therapy_notes.domain.audio_format import BYTES_PER_MS

REPLAY_CHUNK_BYTES = 48_000
"""A replay is sent one second per `input_audio_buffer.append`."""
PACE_TURNS_AHEAD = 4
"""A file is streamed only this many finished turns ahead of their transcripts."""


@dataclass(slots=True)
class _Turn:
    """A speech turn whose transcript has not come back yet; times in session ms."""

    start_ms: int
    end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """Where a turn lies in the session, in session milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def seconds(self) -> float:
        return max(self.end_ms - self.start_ms, 0) / 1000


class AudioReplay:
    """The audio kept for replay and the turns still waiting for their transcripts."""

    def __init__(self) -> None:
        self._total_bytes = 0
        self._kept = bytearray()
        self._kept_start_ms = 0
        """Session time of the first kept byte."""
        self._conn_base_ms = 0
        """Session time of the first byte the current connection was sent."""
        self._turns: dict[str, _Turn] = {}
        self._completed_end_ms = 0
        """The latest end of a transcribed turn: nothing before it is needed again."""

    # -- audio --------------------------------------------------------------------------

    def append(self, pcm16: bytes) -> None:
        """Keep audio that is about to be sent (or would have been, with the link down)."""
        self._kept.extend(pcm16)
        self._total_bytes += len(pcm16)

    @property
    def session_audio_ms(self) -> int:
        return self._total_bytes // BYTES_PER_MS

    @property
    def kept_start_ms(self) -> int:
        return self._kept_start_ms

    @property
    def kept_bytes(self) -> int:
        return len(self._kept)

    def start_connection(self) -> None:
        """A new connection: its times count from the kept audio, and it knows no turns."""
        self._conn_base_ms = self._kept_start_ms
        self._turns.clear()

    def chunks(self) -> Iterator[bytes]:
        """The kept audio, for the new connection, in `REPLAY_CHUNK_BYTES` pieces."""
        for start in range(0, len(self._kept), REPLAY_CHUNK_BYTES):
            yield bytes(self._kept[start : start + REPLAY_CHUNK_BYTES])

    # -- turns, from the server's events ------------------------------------------------

    def speech_started(self, item_id: str, audio_start_ms: int) -> int:
        """A turn began at the connection's `audio_start_ms`; returns its session time."""
        start = self._conn_base_ms + audio_start_ms
        self._turns[item_id] = _Turn(start)
        return start

    def speech_stopped(self, item_id: str, audio_end_ms: int) -> int:
        """A turn ended at the connection's `audio_end_ms`; returns its session time."""
        end = self._conn_base_ms + audio_end_ms
        self._turns.setdefault(item_id, _Turn(self._completed_end_ms)).end_ms = end
        return end

    def committed(self, item_id: str) -> TurnSpan:
        """A turn was committed; one still being spoken ends with the audio sent so far."""
        turn = self._turns.setdefault(item_id, _Turn(self._completed_end_ms))
        if turn.end_ms is None:
            turn.end_ms = self.session_audio_ms
        return TurnSpan(turn.start_ms, turn.end_ms)

    def transcribed(self, item_id: str) -> TurnSpan:
        """A turn's transcript came back: where it lay; its audio is no longer needed.

        A turn this connection never reported spans from the last transcribed turn to now.
        """
        turn = self._turns.get(item_id) or _Turn(self._completed_end_ms, self.session_audio_ms)
        end = turn.end_ms if turn.end_ms is not None else self.session_audio_ms
        self.forget(item_id)
        return TurnSpan(turn.start_ms, end)

    def forget(self, item_id: str) -> None:
        """Forget a turn (transcribed, or failed) and the audio no unfinished turn needs."""
        turn = self._turns.pop(item_id, None)
        if turn is not None and turn.end_ms is not None:
            self._completed_end_ms = max(self._completed_end_ms, turn.end_ms)
        keep_from = min([t.start_ms for t in self._turns.values()] + [self._completed_end_ms])
        drop_ms = keep_from - self._kept_start_ms
        if drop_ms > 0:
            del self._kept[: drop_ms * BYTES_PER_MS]
            self._kept_start_ms = keep_from

    # -- questions ----------------------------------------------------------------------

    @property
    def untranscribed_ids(self) -> KeysView[str]:
        """The turns (their item ids) still waiting for a transcript."""
        return self._turns.keys()

    @property
    def untranscribed(self) -> int:
        return len(self._turns)

    @property
    def speaking(self) -> int:
        """Turns not ended yet (the engine has not heard their end)."""
        return sum(1 for t in self._turns.values() if t.end_ms is None)

    @property
    def ended(self) -> int:
        """Ended turns still waiting for a transcript: lost if the link ended now."""
        return sum(1 for t in self._turns.values() if t.end_ms is not None)

    @property
    def is_ahead(self) -> bool:
        """The audio is `PACE_TURNS_AHEAD` or more ended turns ahead of the transcripts."""
        return self.ended >= PACE_TURNS_AHEAD
