"""Recording sessions, their states and transcript segments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RecordingState(StrEnum):
    """States of one live session, drawn by the UI and the command line."""

    IDLE = "idle"
    CONNECTING = "connecting"
    RECORDING = "recording"
    RECONNECTING = "reconnecting"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class SpeakerRole(StrEnum):
    """Who spoke a segment: the clinician, the client, or not yet known."""

    CLINICIAN = "clinician"
    CLIENT = "client"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """How a transcript or a note names the speaker ("Clinician", "Client", "Speaker")."""
        return {"clinician": "Clinician", "client": "Client"}.get(self.value, "Speaker")


class SessionStatus(StrEnum):
    """Lifecycle of a stored session."""

    RECORDING = "recording"
    DRAFT = "draft"
    SIGNED = "signed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Segment:
    """A final transcript segment: one committed turn of speech.

    Times are milliseconds from the start of the session's audio.
    """

    item_id: str
    start_ms: int
    end_ms: int
    text: str
    id: int | None = None
    speaker: SpeakerRole = SpeakerRole.UNKNOWN


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored session, as listed for a patient."""

    id: int
    patient_id: int | None
    template: str
    engine: str
    status: SessionStatus
    started_at: datetime
    ended_at: datetime | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class InterruptedSession:
    """A session left in "recording", with what it saved before it stopped."""

    session_id: int
    patient_id: int | None
    template: str
    started_at: datetime
    segment_count: int
