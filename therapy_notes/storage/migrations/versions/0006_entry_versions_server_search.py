"""A clinic's shared database: note entries get a version, PostgreSQL gets full-text search.

`note_entries.version` starts at 1 and goes up by one on every edit: a save names the
version it was made from, so when two people edit the same draft entry the second save
finds a newer version and is refused instead of overwriting the first (compare-and-set).

Full-text search on PostgreSQL is the twin of the FTS5 tables migration 0001 made for
SQLite: a GIN index over `to_tsvector('english', text)` of segments and note entries (the
same Porter stemming FTS5 uses). It is an expression index, so the text is stored once and
no trigger keeps a copy in step; queries use the same expression and so the index. On
SQLite this part does nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

SEARCH_CONFIG = "english"
_SEARCH_INDEXES = {"segments": "ix_segments_text_search", "note_entries": "ix_note_entries_text_search"}


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("note_entries") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    if _is_postgresql():
        for table, index in _SEARCH_INDEXES.items():
            op.execute(
                f"CREATE INDEX {index} ON {table} "
                f"USING gin (to_tsvector('{SEARCH_CONFIG}', text))"
            )


def downgrade() -> None:
    if _is_postgresql():
        for index in _SEARCH_INDEXES.values():
            op.execute(f"DROP INDEX IF EXISTS {index}")
    with op.batch_alter_table("note_entries") as batch:
        batch.drop_column("version")
