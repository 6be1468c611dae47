"""Domain events: what the realtime link reports, free of any SDK type.

The realtime adapter turns wire events into these; the recording service consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import UserFacingError


class LinkState(StrEnum):
    """State of the connection to the speech engine."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LinkStateChanged:
    """The connection changed state; `attempt` counts reconnect attempts, `reason` says why."""

    state: LinkState
    attempt: int = 0
    reason: str = ""
    error: UserFacingError | None = None
    """On `FAILED`, the error that ended the link (an `AuthError`, ...), so the window can
    name the cause and offer its fix instead of only showing `reason`."""


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began at `audio_start_ms` of session audio (prefix padding included)."""

    item_id: str
    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """Speech ended; the turn is committed next."""

    item_id: str
    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class TurnCommitted:
    """A turn became a conversation item; its transcript follows."""

    item_id: str
    previous_item_id: str | None


@dataclass(frozen=True, slots=True)
class TranscriptDelta:
    """Partial text of a turn still being spoken; replaced by the completed text.

    `delta` is append-only. `tentative` (the local engine sends it) is what follows the
    text so far but is not confirmed yet; each delta's `tentative` replaces the last one's.
    """

    item_id: str
    delta: str
    tentative: str = ""


@dataclass(frozen=True, slots=True)
class TranscriptCompleted:
    """Final text of a turn, with its start and end in session audio time."""

    item_id: str
    text: str
    start_ms: int
    end_ms: int
    usage: TokenUsage


@dataclass(frozen=True, slots=True)
class TranscriptFailed:
    """The engine could not transcribe a turn."""

    item_id: str
    message: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One function call of a response."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolResult:
    """The output sent back for a call; `is_error` when the tool failed or timed out."""

    call_id: str
    name: str
    output: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ResponseCompleted:
    """A response finished: its status, usage, and the tool calls it made.

    With calls, the response stays active on the link until the service has run them
    and submitted their outputs (`RealtimeLink.submit_tool_outputs`).
    """

    response_id: str
    status: str
    usage: TokenUsage
    calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ServerError:
    """An `error` event: the session usually stays open."""

    code: str
    message: str
    param: str | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class LinkFlushed:
    """Every turn sent before `flush()` has been transcribed and reported before this.

    `untranscribed` counts the turns the engine never finished (it stopped answering):
    zero unless speech was lost.
    """

    untranscribed: int = 0


@dataclass(frozen=True, slots=True)
class LinkDraining:
    """`flush()` is still waiting for turns the engine is transcribing."""

    turns_left: int


LinkEvent = (
    LinkStateChanged
    | LinkFlushed
    | LinkDraining
    | SpeechStarted
    | SpeechStopped
    | TurnCommitted
    | TranscriptDelta
    | TranscriptCompleted
    | TranscriptFailed
    | ResponseCompleted
    | ServerError
)
"""Everything the realtime link can report to the recording service."""
