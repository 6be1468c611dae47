"""The Protocols services need; adapters implement them and the composition root wires them.

Storage methods are synchronous (SQLAlchemy sessions are per thread); services call them
through `asyncio.to_thread` so disk work never runs on the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from therapy_notes.domain.audit import AuditAnchor, AuditRecord, SearchHit
from therapy_notes.domain.events import LinkEvent, ToolResult
from therapy_notes.domain.key_record import KeyRecord
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.notes import (
    Addendum,
    Measurement,
    Note,
    NoteEntry,
    RiskFlag,
    Signature,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus, SpeakerRole
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.domain.users import User, VoicePrint

# --- audio -------------------------------------------------------------------------------


class AudioSource(Protocol):
    """Mono PCM16 little-endian audio at 24 kHz, in chunks of about `chunk_ms`."""

    def chunks(self) -> AsyncIterator[bytes]:
        """Yield chunks until the source ends (a file) or is stopped (a microphone)."""
        ...

    def stop(self) -> None:
        """End `chunks()` after the chunk in flight."""


# --- realtime link -----------------------------------------------------------------------


class SpeakerDiarizer(Protocol):
    """Tells a session's two voices apart from each turn's audio (24 kHz mono PCM16).

    Called on a worker thread, one call at a time: it does CPU work.
    """

    def assign(self, pcm16_24k: bytes) -> int | None:
        """The voice (0: whoever spoke first, 1: the other) of one turn; None if unclear."""
        ...

    def voices(self, pieces: Sequence[bytes]) -> list[int | None]:
        """Which voice each consecutive piece of one turn is (None: unclear), read only."""
        ...

    def settled(self) -> list[int | None]:
        """The current best voice of every turn assigned so far, in order."""
        ...

    def clinician_cluster(self) -> int | None:
        """The voice matching the clinician's enrollment, if there is one and it is clear."""
        ...


class RealtimeLink(Protocol):
    """One logical realtime session, kept alive across reconnects and rollovers."""

    async def start(self) -> None:
        """Connect and configure; raises AuthError or EngineUnavailableError."""

    async def send_audio(self, pcm16: bytes) -> None:
        """Append audio; kept for replay until its turn is committed."""

    def events(self) -> AsyncIterator[LinkEvent]:
        """Domain events, until the link is closed."""
        ...

    async def request_response(self, *, max_output_tokens: int | None = None) -> None:
        """Ask for a note update: `response.create` now, or once the active response is done.

        The link never asks on its own: the service decides (budget, batching, follow-ups)
        and calls this. Requests made while a response is active collapse into one.
        `max_output_tokens` overrides the session's allowance for this update.
        """

    def predicted_input_tokens(self) -> int:
        """Input tokens a note update asked for now would be billed for.

        What the conversation holds (instructions, tools, items), never below what the
        engine counts, so a budget checked against it is never crossed.
        """
        ...

    async def add_text_turn(self, replaces_item_id: str, text: str) -> str:
        """Hand a transcribed turn to the model as text ("Client: ...") in place of its audio.

        Returns the text item's id, which tool calls then cite.
        """

    async def submit_tool_outputs(self, results: Sequence[ToolResult]) -> None:
        """Send the outputs of the calls the last `ResponseCompleted` carried.

        The response stays active until then, so a held request waits for the outputs.
        """

    async def flush(self, *, timeout_s: float = 120.0) -> None:
        """Commit what is buffered, wait for every transcript, then emit `LinkFlushed`.

        Waits as long as the engine keeps answering; gives up only after `timeout_s` of
        silence from it, and `LinkFlushed.untranscribed` then says how many turns were lost.
        """

    async def wait_until_idle(self, *, timeout_s: float = 120.0) -> bool:
        """Wait for the note updates in flight, while the engine keeps answering."""
        ...

    @property
    def is_busy(self) -> bool:
        """A response is active or held."""
        ...

    async def close(self) -> None:
        """Close the connection and end `events()`."""


LinkFactory = Callable[[LinkSettings], RealtimeLink]
"""Builds the link for one session. It only reports (events) and carries out what it is
told; tools, usage and the budget are the service's, so nothing is passed in to call back."""


# --- storage -----------------------------------------------------------------------------


class PatientRepository(Protocol):
    """Patients of the local registry."""

    def add(self, patient: Patient) -> Patient: ...
    def get(self, patient_id: int) -> Patient: ...
    def update(self, patient: Patient) -> None: ...
    def list(self, search: str = "") -> list[Patient]: ...


class SessionRepository(Protocol):
    """Recording sessions and their status."""

    def start(
        self, patient_id: int | None, template: str, engine: str, started_at: datetime
    ) -> SessionRecord: ...
    def get(self, session_id: int) -> SessionRecord: ...
    def hold(self, session_id: int) -> SessionRecord:
        """The session, its note held against other writers until the unit of work ends."""
        ...

    def set_status(
        self, session_id: int, status: SessionStatus, ended_at: datetime | None = None
    ) -> None: ...
    def for_patient(self, patient_id: int) -> list[SessionRecord]: ...
    def with_status(self, status: SessionStatus) -> list[SessionRecord]: ...
    def interrupted(self) -> list[SessionRecord]:
        """Sessions still "recording" that nobody records any more.

        Another desktop's live recording on a shared database is not one.
        """
        ...

    def delete(self, session_id: int) -> None:
        """Remove an unsigned session with everything under it (a signed one is refused)."""
        ...


class SegmentRepository(Protocol):
    """Final transcript segments; adding a known item id returns the stored one."""

    def add(self, session_id: int, segment: Segment) -> Segment: ...
    def set_speakers(self, session_id: int, speakers: dict[int, SpeakerRole]) -> None: ...
    def for_session(self, session_id: int) -> list[Segment]: ...


class NoteRepository(Protocol):
    """Note entries, measurements and risk flags of a session's note."""

    def add_entry(self, session_id: int, entry: NoteEntry) -> NoteEntry: ...
    def update_entry(
        self, entry_id: int, text: str, source: str, expected_version: int | None = None
    ) -> NoteEntry:
        """Raises `EditConflictError` when the entry is no longer at `expected_version`."""
        ...

    def add_measurement(self, session_id: int, measurement: Measurement) -> Measurement: ...
    def add_risk(self, session_id: int, risk: RiskFlag) -> RiskFlag: ...
    def acknowledge_risk(self, risk_id: int, at: datetime) -> None: ...
    def load(self, session_id: int) -> Note: ...
    def delete_entry(self, entry_id: int) -> None: ...


class UsageRepository(Protocol):
    """Token usage records and their cost."""

    def add(
        self, session_id: int, kind: str, usage: TokenUsage, cost_usd: float, at: datetime
    ) -> None: ...
    def total(self, session_id: int) -> TokenUsage: ...
    def cost_usd(self, session_id: int) -> float: ...


class AudioRepository(Protocol):
    """Kept session audio (opt-in), one chunk of mono PCM16 24 kHz at a time."""

    def add(self, session_id: int, start_ms: int, pcm16: bytes) -> None: ...
    def duration_ms(self, session_id: int) -> int: ...
    def read(self, session_id: int) -> bytes: ...


class AuditRepository(Protocol):
    """The append-only audit trail."""

    def record(self, entry: AuditRecord) -> None: ...
    def for_entity(self, entity: str, entity_id: int) -> list[AuditRecord]: ...


class SearchRepository(Protocol):
    """Full-text search over transcripts and notes."""

    def search(self, query: str, limit: int = 50) -> list[SearchHit]: ...


class UnitOfWork(Protocol):
    """One transaction: commits on a clean exit, rolls back on an exception.

    The repositories are read-only properties so an implementation may expose its own
    concrete repository types (plain attributes satisfy them too).
    """

    @property
    def patients(self) -> PatientRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def segments(self) -> SegmentRepository: ...
    @property
    def notes(self) -> NoteRepository: ...
    @property
    def usage(self) -> UsageRepository: ...
    @property
    def audio(self) -> AudioRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def search(self) -> SearchRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class CachedProfiles(Protocol):
    """The patient profiles tool calls read, kept for a while (`storage.ProfileCache`).

    Told when a patient's stored profile changes, so the next session reads the edit
    instead of what was cached before it.
    """

    def invalidate(self, patient_id: int) -> None: ...


# --- review, signing and accounts ----------------------------------------------------------


class ReviewNoteRepository(NoteRepository, Protocol):
    """A note repository that also finds and deletes single entries (for review).

    Every change to a signed session's note raises `NoteLockedError`.
    """

    def get_entry(self, entry_id: int) -> tuple[int, NoteEntry]:
        """(session id, entry)."""
        ...


class SignatureRepository(Protocol):
    """Signatures and addenda: inserted and read, never updated or deleted."""

    def add_signature(self, signature: Signature) -> Signature: ...
    def signatures_for(self, session_id: int) -> list[Signature]: ...
    def add_addendum(self, addendum: Addendum) -> Addendum: ...
    def addenda_for(self, session_id: int) -> list[Addendum]: ...


class ChainedAuditRepository(AuditRepository, Protocol):
    """The audit trail as a hash chain: its head (what a signature anchors) and all of it."""

    def head(self) -> AuditAnchor | None: ...
    def chain(self) -> list[AuditRecord]: ...


class UserRepository(Protocol):
    """Local accounts; the password hash is only read to verify a password."""

    def add(self, user: User, password_hash: str) -> User: ...
    def get(self, username: str) -> User: ...
    def password_hash(self, username: str) -> str | None: ...
    def set_password_hash(self, username: str, password_hash: str) -> None: ...
    def list(self) -> list[User]: ...
    def voice_print(self, username: str) -> VoicePrint | None: ...
    def set_voice_print(self, username: str, voice: VoicePrint | None) -> None: ...


class NotesUnitOfWork(UnitOfWork, Protocol):
    """A unit of work with what note review, signing and accounts need as well."""

    @property
    def notes(self) -> ReviewNoteRepository: ...
    @property
    def audit(self) -> ChainedAuditRepository: ...
    @property
    def signatures(self) -> SignatureRepository: ...
    @property
    def users(self) -> UserRepository: ...


NotesUnitOfWorkFactory = Callable[[], NotesUnitOfWork]


# --- the database key and other secrets ----------------------------------------------------


class SecretStore(Protocol):
    """Named secrets in the OS keyring (`system_keyring.SystemKeyring`; tests keep a dict)."""

    def is_usable(self) -> bool:
        """True only for a store that really protects secrets (not a plain or obfuscated file)."""
        ...

    def get(self, name: str) -> str | None:
        """The secret, or None when there is none.

        Raises:
            UserFacingError: the store could not be read.
        """
        ...

    def set(self, name: str, value: str) -> None:
        """Keep `value` as `name`.

        Raises:
            UserFacingError: the store refused it.
        """
        ...


class KeyFileStore(Protocol):
    """A data folder's key file and set-up lock (`storage.key_file.KeyFile`)."""

    @property
    def path(self) -> Path: ...

    def exists(self) -> bool: ...

    def has_encrypted_database(self) -> bool:
        """True when the folder already holds an encrypted database file."""
        ...

    def read(self) -> KeyRecord | None:
        """The record, or None when there is no key file.

        Raises:
            KeyFileDamagedError: the file is there but cannot be used (it is left alone).
        """
        ...

    def write(self, record: KeyRecord) -> None:
        """Replace the key file atomically, readable by its owner only."""
        ...

    def remove(self) -> None: ...

    def setup_lock(self) -> AbstractContextManager[None]:
        """Held while a key is made, so two first starts make one key."""
        ...
