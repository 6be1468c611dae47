"""Alembic environment: runs on the connection `open_database` hands over.

There is no alembic.ini to read: the composition root configures Alembic in code, so the
installed app and the tests upgrade exactly the same way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from therapy_notes.storage.orm import Base, include_in_autogenerate


def run_migrations(connection: Connection) -> None:
    """Upgrade on `connection`, in batch mode because SQLite cannot ALTER most things."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        include_name=include_in_autogenerate,
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("migrations run through therapy_notes.storage.database, with a connection")
run_migrations(_connection)
