"""ORM rows: the database shape of the domain objects, and the column types they need.

Rows stay inside storage; repositories turn them into domain dataclasses, so nothing
outside this package ever holds a live SQLAlchemy object.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant.

    SQLite has no time zones, so a naive value would be ambiguous forever after: it is
    rejected on write, stored as UTC, and comes back with UTC attached.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: storage needs an aware datetime (use UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JsonTuple(TypeDecorator[tuple[Any, ...]]):
    """A short list (diagnoses, segment ids) kept as JSON text, read back as a tuple."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[Any, ...] | None, dialect: Dialect) -> str:
        return json.dumps(list(value or ()))

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[Any, ...]:
        return tuple(json.loads(value)) if value else ()


def utc_now() -> datetime:
    """Now, as an aware UTC datetime (the only kind the database accepts)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Metadata shared by every row; Alembic compares migrations against it."""


class PatientRow(Base):
    """A patient of the local registry; list fields are JSON text."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(100), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    diagnoses: Mapped[tuple[str, ...]] = mapped_column(JsonTuple, default=())
    goals: Mapped[tuple[str, ...]] = mapped_column(JsonTuple, default=())
    precautions: Mapped[tuple[str, ...]] = mapped_column(JsonTuple, default=())
    preferred_template: Mapped[str] = mapped_column(String(50), default="soap")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (Index("ix_patients_name", "name"),)


class SessionRow(Base):
    """A recording session; `patient_id` is empty for a dictation without a patient."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    template: Mapped[str] = mapped_column(String(50))
    engine: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    title: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_sessions_patient_id", "patient_id"),
        Index("ix_sessions_status", "status"),
    )


class SegmentRow(Base):
    """A final transcript turn; (session, item id) is unique so a replay stores nothing."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (UniqueConstraint("session_id", "item_id", name="uq_segments_session_item"),)


class NoteEntryRow(Base):
    """One line of a note, with the segments it came from."""

    __tablename__ = "note_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    segment_ids: Mapped[tuple[int, ...]] = mapped_column(JsonTuple, default=())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """Up by one on every edit; a save naming an older version is a conflict, not a write."""

    __table_args__ = (Index("ix_note_entries_session_id", "session_id"),)


class MeasurementRow(Base):
    """A measured value stated in a session."""

    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(50), default="")
    body_part: Mapped[str] = mapped_column(String(100), default="")
    side: Mapped[str] = mapped_column(String(20), default="")
    segment_ids: Mapped[tuple[int, ...]] = mapped_column(JsonTuple, default=())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (Index("ix_measurements_session_id", "session_id"),)


class RiskFlagRow(Base):
    """A stated risk, until and after the clinician acknowledges it."""

    __tablename__ = "risk_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    evidence: Mapped[str] = mapped_column(Text)
    segment_ids: Mapped[tuple[int, ...]] = mapped_column(JsonTuple, default=())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_risk_flags_session_id", "session_id"),)


class UsageRow(Base):
    """Tokens and cost of one transcription or response."""

    __tablename__ = "usage_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    input_text_tokens: Mapped[int] = mapped_column(Integer, default=0)
    input_audio_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_text_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_audio_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_text_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_audio_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_usage_records_session_id", "session_id"),)


class AudioChunkRow(Base):
    """About a second of kept session audio (mono PCM16, 24 kHz), encrypted with the rest."""

    __tablename__ = "audio_chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    start_ms: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    pcm16: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("session_id", "start_ms", name="uq_audio_chunks_session_start"),
    )


class AuditRow(Base):
    """One change in the append-only audit trail; before/after are JSON text.

    `prev_hash`/`record_hash` chain every record to the one before (see `domain.audit`);
    they are empty only on a database a migration has not chained, which fails the check.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    record_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class UserRow(Base):
    """A local account; the password is kept only as an Argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (UniqueConstraint("username", name="uq_users_username"),)


class VoicePrintRow(Base):
    """A clinician's enrolled voice: a 256-number summary of it, not audio.

    It is personal data like the rest, so it lives in the same encrypted database and goes
    with the account (deleted with it).
    """

    __tablename__ = "voice_prints"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    voice_print: Mapped[bytes] = mapped_column(LargeBinary)
    speech_seconds: Mapped[float] = mapped_column(Float)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class SignatureRow(Base):
    """A sign-off or co-signature: the keyed MAC of its manifest, and the v1 SHA-256.

    `mac` and `manifest` are empty on signatures made before signatures were keyed.
    """

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))
    manifest: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("session_id", "role", "username", name="uq_signatures_session_role_user"),
        Index("ix_signatures_session_id", "session_id"),
    )


class AddendumRow(Base):
    """A later change to a signed note, kept beside it, never instead of it."""

    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    previous_mac: Mapped[str | None] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_addenda_session_id", "session_id"),)


FTS_TABLES = ("segments_fts", "note_entries_fts")
"""SQLite FTS5 indexes, created by migration only: the ORM never maps them."""
SEARCH_INDEXES = ("ix_segments_text_search", "ix_note_entries_text_search")
"""PostgreSQL's twin of `FTS_TABLES`: GIN expression indexes, also made by migration only."""


def is_fts_table(name: str) -> bool:
    """True for an FTS5 virtual table or one of its shadow tables (`*_fts_data`, ...)."""
    return any(name == t or name.startswith(f"{t}_") for t in FTS_TABLES)


def include_in_autogenerate(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: compare everything but the full-text search indexes."""
    if type_ == "index" and name in SEARCH_INDEXES:
        return False
    return not (type_ == "table" and name is not None and is_fts_table(name))
