"""Opening the database: engine, connection pragmas, schema upgrade, unit-of-work factory.

SQLite settings are per connection, so they are applied in a `connect` listener and hold on
every pooled connection. They are guarded by dialect: the same models and migrations serve a
clinic's PostgreSQL server, where none of this applies.

The app's file is encrypted with SQLCipher: `open_database(path, key)` keys every pooled
connection before the pragmas run (see `encryption`). A plain file (`key=None`) is for tests
and for reading a database written before encryption existed.

A clinic's PostgreSQL database opens with `open_url(url, password=...)`; it is checked to be
at this version's schema but never migrated by a desktop (`upgrade_server` does that, for
`therapy-notes db upgrade`; see `postgres` for why).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from therapy_notes.domain.database_url import is_server_url
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import StorageError
from therapy_notes.file_modes import create_private_file, make_private_folder, tighten_data_folder
from therapy_notes.storage import encryption, postgres
from therapy_notes.storage.backup import damaged_message
from therapy_notes.storage.encrypt_in_place import encrypt_in_place
from therapy_notes.storage.errors import DatabaseLocation, message_for, storage_errors, translate
from therapy_notes.storage.leases import RecordingLeases
from therapy_notes.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another writer (another window, a checkpoint) before failing."""

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL syncs the WAL on every commit: a committed segment survives a power cut.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


class Database:
    """An open database: hands out units of work until `close()`."""

    def __init__(self, engine: Engine, where: DatabaseLocation) -> None:
        self.engine = engine
        self.where = where
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._leases = RecordingLeases(engine) if engine.dialect.name == "postgresql" else None
        """Whose recordings are alive, on a shared database (see `leases`)."""

    @property
    def is_server(self) -> bool:
        """True for a clinic's shared PostgreSQL database."""
        return self.engine.dialect.name == "postgresql"

    def uow_factory(self) -> SqlUnitOfWork:
        """A new unit of work with a fresh Session: one per transaction, never shared."""
        return SqlUnitOfWork(self._new_session, self.where, self._leases)

    def _new_session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        """Close every pooled connection; the last one checkpoints the WAL into the file.

        On a shared database this also lets go of this desktop's recording leases.
        """
        if self._leases is not None:
            with storage_errors(self.where):
                self._leases.close()
        self.engine.dispose()


def _apply_sqlite_settings(engine: Engine) -> None:
    """Pragmas on every new connection, and real transactions (BEGIN IMMEDIATE).

    The sqlite3 driver's legacy mode skips BEGIN before SELECTs, so a unit of work would
    not read a consistent snapshot. Taking the write lock at BEGIN also means two threads
    writing at once wait on `busy_timeout` instead of failing on a stale snapshot.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_database_engine(url: str) -> Engine:
    """An engine for `url`, with the SQLite settings when it is SQLite."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _apply_sqlite_settings(engine)
    return engine


def head_revision() -> str:
    """The newest migration, from the file names (`versions/NNNN_*.py`).

    Knowing it without Alembic lets a current database open without importing Alembic,
    a quarter of a second of start-up; a test checks it against Alembic's own head.
    """
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py"))


def _is_current(connection: Connection) -> bool:
    if "alembic_version" not in inspect(connection).get_table_names():
        return False
    version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return version == head_revision()


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _check_is_ours(connection: Connection, where: DatabaseLocation) -> None:
    """Refuse a database that belongs to another program rather than add tables to it."""
    tables = set(inspect(connection).get_table_names())
    if tables and "alembic_version" not in tables:
        raise StorageError(message_for("SQLITE_NOTADB", where))


def upgrade(engine: Engine, where: DatabaseLocation) -> None:
    """Bring the schema to the newest migration (a no-op when it is current)."""
    with storage_errors(where), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            postgres.lock_for_migration(connection)
        _check_is_ours(connection, where)
        if _is_current(connection):
            return
        from alembic import command
        from alembic.util.exc import CommandError

        try:
            command.upgrade(_alembic_config(connection), "head")
        except CommandError as exc:
            logger.warning("schema upgrade refused: %s", type(exc).__name__)
            raise StorageError(
                f"The database {where.file} was written by a newer version of Therapy Notes. "
                "Install the newer version to open it; the file has not been changed."
            ) from exc


def open_url(
    url: str, where: DatabaseLocation | None = None, *, password: str | None = None
) -> Database:
    """Open the database at an SQLAlchemy URL: an SQLite file, or a clinic's PostgreSQL.

    An SQLite file is upgraded to the newest schema. A PostgreSQL database must already be
    at it (`upgrade_server`); `password` is used when the URL carries none.

    Raises:
        StorageError: the server cannot be reached, refuses the login, or its schema is
            not this version's; the message says which and what to do.
    """
    if not is_server_url(url):
        return _open_engine(create_database_engine(url), where or DatabaseLocation(None))
    _server, location = postgres.server_location(url)
    engine = postgres.create_server_engine(url, password)
    try:
        postgres.require_current(engine, location, head_revision())
    except BaseException:
        engine.dispose()
        raise
    logger.info("database open (postgresql)")
    return Database(engine, location)


def upgrade_server(url: str, *, password: str | None = None) -> tuple[str | None, str]:
    """Migrate a clinic's PostgreSQL database to this version: (revision before, after).

    Safe to run again (a no-op when current) and from two places at once (an advisory
    lock orders them). A database upgraded by a newer version is refused, unchanged.
    """
    _server, location = postgres.server_location(url)
    engine = postgres.create_server_engine(url, password)
    try:
        with storage_errors(location), engine.connect() as connection:
            before = postgres.schema_revision(connection)
        upgrade(engine, location)
    finally:
        engine.dispose()
    return before, head_revision()


def _open_engine(engine: Engine, where: DatabaseLocation) -> Database:
    try:
        upgrade(engine, where)
    except BaseException:
        engine.dispose()
        raise
    logger.info("database open (%s)", engine.dialect.name)
    return Database(engine, where)


def open_database(path: Path, key: DatabaseKey | None = None) -> Database:
    """Open the SQLite database at `path`, creating its folder and schema as needed.

    With `key` (the app and the command line always pass one) the file is SQLCipher-encrypted:
    a new file is created encrypted, and a plain file from before encryption is first
    encrypted in place (`encrypt_in_place`). `key=None` opens a plain file, for
    tests and tools.

    Raises:
        UnlockError: `key` does not open the existing file (it is then left untouched).
        StorageError: the folder cannot be created or written, the disk is full, or the
            file is not a Therapy Notes database (it is then left untouched).
    """
    where = DatabaseLocation(path)
    damaged = damaged_message(path)
    with storage_errors(where):
        make_private_folder(path.parent)
        tighten_data_folder(path.parent, path.stem)  # a folder an older version left 0755
    # Checked before anything writes: an empty or damaged file is refused, never replaced.
    state = encryption.file_state(path)
    if state is encryption.FileState.PLAINTEXT or (
        key is None and path.exists() and state is encryption.FileState.MISSING
    ):
        encryption.check_database(path, None, where, damaged)
    elif key is not None:
        encryption.check_database(path, key, where, damaged)
    with storage_errors(where):
        create_private_file(path)  # 0600 before SQLite writes; its -wal and -shm follow it
    if key is None:
        _probe_sqlite_file(path, where)  # an encrypted file reads as "not a database" here
        database = open_url(f"sqlite:///{path}", where)
    else:
        encrypt_in_place(path, key)
        _probe_encrypted_file(path, key, where)
        engine = create_engine(
            f"sqlite:///{path}",
            module=encryption.dbapi,
            creator=lambda: encryption.connect(path, key, where),
        )
        _apply_sqlite_settings(engine)
        database = _open_engine(engine, where)
        encryption.remember_salt(path)  # a new file's too: its header can be told apart later
    try:
        with storage_errors(where):
            tighten_data_folder(path.parent, path.stem)  # -wal/-shm of a file made elsewhere
    except BaseException:
        database.close()
        raise
    return database


def _probe_encrypted_file(path: Path, key: DatabaseKey, where: DatabaseLocation) -> None:
    """Check the key and that the file is ours, with reads only, before any write."""
    if encryption.file_state(path) is encryption.FileState.MISSING:
        return
    connection = encryption.connect(path, key, where)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {str(name) for (name,) in rows}
    except encryption.dbapi.Error as exc:
        raise translate(exc, where) from exc
    finally:
        connection.close()
    if tables and "alembic_version" not in tables:
        raise StorageError(message_for("SQLITE_NOTADB", where))


def _probe_sqlite_file(path: Path, where: DatabaseLocation) -> None:
    """Look at an existing file before the engine switches it to WAL (a write).

    Plain reads change nothing, so a file that is damaged or belongs to another program
    is refused exactly as it was found.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {str(name) for (name,) in rows}
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise translate(exc, where) from exc
    if tables and "alembic_version" not in tables:
        raise StorageError(message_for("SQLITE_NOTADB", where))
