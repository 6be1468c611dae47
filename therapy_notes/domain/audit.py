"""Audit trail records: who changed what, when, with the before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change; `before` and `after` are JSON text, or None for creations and deletions."""

    actor: str
    action: str
    entity: str
    entity_id: int | None
    at: datetime
    before: str | None = None
    after: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text search match in a transcript segment or a note entry."""

    session_id: int
    kind: str
    """"segment" or "note_entry"."""
    row_id: int
    snippet: str
