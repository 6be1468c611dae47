"""The append-only audit trail, each record chained to the one before by its hash."""

from __future__ import annotations

from sqlalchemy import select, text

from therapy_notes.domain.audit import GENESIS_HASH, AuditAnchor, AuditRecord, record_hash
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import (
    AuditRow,
)
from therapy_notes.storage.repository import Repository

AUDIT_CHAIN_LOCK_KEY = 0x7468_6E61
"""PostgreSQL advisory lock that orders appends to the audit chain across desktops."""


def _audit(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        at=row.at,
        before=row.before,
        after=row.after,
        id=row.id,
        prev_hash=row.prev_hash,
        record_hash=row.record_hash,
    )


class SqlAuditRepository(Repository):
    """The append-only audit trail (`AuditRepository`): no update, no delete.

    Each record is chained to the one before it (`domain.audit`): its id is the next after
    the current head, taken inside the unit of work's write transaction (SQLite's BEGIN
    IMMEDIATE; on PostgreSQL an advisory lock held to the commit), so two writers never
    chain to the same head.
    """

    def _lock_chain(self) -> None:
        """On PostgreSQL, hold the chain until the commit: two desktops never share a head."""
        if self._is_server:
            self._session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY}
            )

    @translated
    def record(self, entry: AuditRecord) -> None:
        self._lock_chain()
        head = self._head_row()
        record_id = 1 if head is None else head.id + 1
        prev_hash = GENESIS_HASH if head is None else head.record_hash or ""
        self._session.add(
            AuditRow(
                id=record_id,
                actor=entry.actor,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                before=entry.before,
                after=entry.after,
                at=entry.at,
                prev_hash=prev_hash,
                record_hash=record_hash(entry, record_id, prev_hash),
            )
        )
        self._session.flush()

    def _head_row(self) -> AuditRow | None:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(1)
        return self._session.scalars(query).first()

    @translated
    def head(self) -> AuditAnchor | None:
        """The newest record's id and hash (what a signature anchors), None when empty."""
        self._lock_chain()
        row = self._head_row()
        return None if row is None else AuditAnchor(row.id, row.record_hash or "")

    @translated
    def chain(self) -> list[AuditRecord]:
        """The whole trail in chain (id) order, for checking it."""
        query = select(AuditRow).order_by(AuditRow.id)
        return [_audit(row) for row in self._session.scalars(query)]

    @translated
    def for_entity(self, entity: str, entity_id: int) -> list[AuditRecord]:
        """Changes to one entity, oldest first (it may since have been deleted)."""
        query = (
            select(AuditRow)
            .where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
            .order_by(AuditRow.at, AuditRow.id)
        )
        return [_audit(row) for row in self._session.scalars(query)]
