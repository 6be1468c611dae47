"""Tamper evidence: the audit trail becomes a hash chain, signatures and addenda get MACs.

Existing audit records are chained here, in id order, with the same canonical form (version
1 of `domain.audit`) new records use, so the same database always gives the same chain.
Existing signatures and addenda keep their unkeyed SHA-256 and get no MAC: the migration has
no key, and a MAC made now would vouch for content nobody checked at signing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from therapy_notes.domain.audit import GENESIS_HASH, AuditRecord, record_hash
from therapy_notes.storage.orm import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.Integer()),
    sa.column("before", sa.Text()),
    sa.column("after", sa.Text()),
    sa.column("at", UtcDateTime()),
    sa.column("prev_hash", sa.String()),
    sa.column("record_hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("record_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("manifest", sa.Text(), nullable=True))
    with op.batch_alter_table("addenda") as batch:
        batch.add_column(sa.Column("previous_mac", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    _chain_existing_records()


def _chain_existing_records() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_audit_log).order_by(_audit_log.c.id)).all()
    prev_hash = GENESIS_HASH
    for row in rows:
        record = AuditRecord(row.actor, row.action, row.entity, row.entity_id, row.at,
                             before=row.before, after=row.after)
        digest = record_hash(record, row.id, prev_hash)
        connection.execute(
            _audit_log.update()
            .where(_audit_log.c.id == row.id)
            .values(prev_hash=prev_hash, record_hash=digest)
        )
        prev_hash = digest


def downgrade() -> None:
    with op.batch_alter_table("addenda") as batch:
        batch.drop_column("mac")
        batch.drop_column("previous_mac")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("manifest")
        batch.drop_column("mac")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("record_hash")
        batch.drop_column("prev_hash")
