"""What the recording service tells its listeners (the window's controller, the command line)."""

from __future__ import annotations

from dataclasses import dataclass

from therapy_notes.domain.notes import Measurement, Note, NoteEntry, RiskFlag
from therapy_notes.domain.session import RecordingState, Segment
from therapy_notes.domain.usage import BudgetSnapshot


@dataclass(frozen=True, slots=True)
class SessionOpened:
    """The session row exists; everything from here on is saved under `session_id`."""

    session_id: int


@dataclass(frozen=True, slots=True)
class SessionDiscarded:
    """The session failed before any audio was recorded, so its row was removed.

    It is not kept as a failed session in the patient's record.
    """

    session_id: int


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The session moved to `state`; `message` says why when it matters to the user."""

    state: RecordingState
    message: str = ""
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class PartialTranscript:
    """The text so far of a turn still being spoken; replaced by `SegmentSaved`.

    `tentative` follows `text` but is not confirmed yet (show it as provisional); the next
    `PartialTranscript` of the turn replaces both.
    """

    item_id: str
    text: str
    tentative: str = ""


@dataclass(frozen=True, slots=True)
class SegmentSaved:
    """A final segment, already committed to the database."""

    segment: Segment


@dataclass(frozen=True, slots=True)
class Draining:
    """Stopping: the engine is still transcribing this many turns (progress, not a fault)."""

    turns_left: int


@dataclass(frozen=True, slots=True)
class SpeakersRelabelled:
    """Segments whose speaker changed (the guess settled, or the roles were swapped)."""

    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class NoteEntryAdded:
    """A note entry from a tool call, already committed."""

    entry: NoteEntry


@dataclass(frozen=True, slots=True)
class NoteRewritten:
    """The model's entries were removed to be written again: turns it had changed role.

    The clinician swapped the roles, or the diarizer settled differently on turns the
    note was already written from. `note` is what stays: entries the clinician wrote or
    edited, measurements and risks; the entries written afresh follow as `NoteEntryAdded`.
    """

    note: Note


@dataclass(frozen=True, slots=True)
class MeasurementRecorded:
    """A measurement from a tool call, already committed."""

    measurement: Measurement


@dataclass(frozen=True, slots=True)
class RiskFlagged:
    """A stated risk the clinician must acknowledge, already committed."""

    risk: RiskFlag


@dataclass(frozen=True, slots=True)
class BudgetUpdated:
    """Token use and cost after a usage record was saved."""

    budget: BudgetSnapshot


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should read; `is_error` for problems they may need to act on."""

    message: str
    is_error: bool = False


RecordingEvent = (
    SessionOpened
    | SessionDiscarded
    | StateChanged
    | PartialTranscript
    | SegmentSaved
    | SpeakersRelabelled
    | Draining
    | NoteEntryAdded
    | NoteRewritten
    | MeasurementRecorded
    | RiskFlagged
    | BudgetUpdated
    | Notice
)
