"""A clinic's shared PostgreSQL database: the engine options and what its failures mean.

Every desktop of a clinic opens the same database through psycopg 3 with the same models
and migrations as the local SQLite file. What differs, and why:

- No pragmas: durability is the server's (its WAL and `synchronous_commit`), and foreign
  keys are always on.
- No SQLCipher, key files or file checks: the server encrypts at rest and the desktops
  keep no copy; backups are the administrator's `pg_dump`.
- Desktops never migrate it: a schema change on a shared database is the administrator's
  decision (`therapy-notes db upgrade`), so an older or newer schema is refused at open
  with what to run, instead of being changed under the other desktops.
- The password is handed to the driver (`password=`), never put into a URL that could be
  printed; `hide_parameters` keeps note text out of any SQL error.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import Connection

from therapy_notes.domain.database_url import (
    DatabaseUrlError,
    ServerDatabase,
    check_url,
    has_password,
    redacted,
    server_database,
)
from therapy_notes.errors import StorageError
from therapy_notes.storage.errors import DatabaseLocation, storage_errors

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
"""How long a desktop waits for an unreachable server before saying so."""
MIGRATION_LOCK_KEY = 0x7468_6E6F
"""Advisory lock held while migrating, so two administrators' upgrades never interleave."""


def server_location(url: str) -> tuple[ServerDatabase, DatabaseLocation]:
    """What the URL names, and the location messages use (never the URL or its password)."""
    try:
        server = server_database(check_url(url))
    except DatabaseUrlError as exc:
        raise StorageError(str(exc)) from exc
    return server, DatabaseLocation(None, server=server.label)


def create_server_engine(url: str, password: str | None = None) -> Engine:
    """A psycopg 3 engine for `url`; `password` is used when the URL carries none.

    Without either, libpq still reads `PGPASSWORD` and `~/.pgpass` itself. TLS settings in
    the URL's query (`sslmode=verify-full`, `sslrootcert=...`) pass through to libpq.
    """
    url = check_url(url)
    if has_password(url):
        logger.warning(
            "the database URL carries a password (%s); keep it in %s or the keyring instead",
            redacted(url),
            "THERAPY_NOTES_DATABASE_PASSWORD",
        )
    connect_args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "therapy-notes",
    }
    if password and not has_password(url):
        connect_args["password"] = password
    return create_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=True,  # a server restart or a dropped VPN costs one retry, not an error
        hide_parameters=True,
    )


def schema_revision(connection: Connection) -> str | None:
    """The database's migration revision; None when it has no Therapy Notes tables at all.

    Raises:
        StorageError: it holds tables of another program.
    """
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            raise StorageError(
                "The database holds tables that are not Therapy Notes', so it was left "
                "untouched. Give Therapy Notes a database of its own (CREATE DATABASE)."
            )
        return None
    version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(version) if version is not None else None


def require_current(engine: Engine, where: DatabaseLocation, head: str) -> None:
    """Refuse a shared database whose schema is not this version's, saying what to run."""
    with storage_errors(where), engine.connect() as connection:
        revision = schema_revision(connection)
    upgrade_hint = (
        "Ask your administrator to run `therapy-notes db upgrade --database-url ...` with "
        "this version once, then start again."
    )
    if revision is None:
        raise StorageError(
            f"The clinic database {where.file} has no Therapy Notes tables yet. {upgrade_hint}"
        )
    if revision > head:
        raise StorageError(
            f"The clinic database {where.file} was upgraded by a newer version of Therapy "
            f"Notes (revision {revision}; this one knows up to {head}). Install the newer "
            "version on this computer."
        )
    if revision < head:
        raise StorageError(
            f"The clinic database {where.file} is at revision {revision}, older than this "
            f"version needs ({head}). {upgrade_hint}"
        )


def lock_for_migration(connection: Connection) -> None:
    """Hold the migration lock until this transaction ends."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
