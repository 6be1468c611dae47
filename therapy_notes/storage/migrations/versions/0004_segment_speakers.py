"""Who said what: each transcript segment carries its speaker's role.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("segments") as batch:
        batch.add_column(
            sa.Column("speaker", sa.String(length=16), nullable=False, server_default="unknown")
        )


def downgrade() -> None:
    with op.batch_alter_table("segments") as batch:
        batch.drop_column("speaker")
