"""Turns database failures into `StorageError`s that tell the clinician what to do.

Services never see SQLAlchemy or sqlite3 exceptions: every way into the database (opening,
each repository call, each commit) passes through `storage_errors`.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    ProgrammingError,
    StatementError,
)

from therapy_notes.errors import StorageError

logger = logging.getLogger(__name__)

_SAFE = "Everything saved before this point is safe."


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """Where the database lives, for messages: a file path, or a server's label.

    A server is named by `ServerDatabase.label` ("therapy_notes on db.clinic.lan"), never
    by its URL, so no message can carry a password.
    """

    path: Path | None
    server: str = ""

    @property
    def is_server(self) -> bool:
        return self.path is None

    @property
    def folder(self) -> str:
        if self.path is not None:
            return str(self.path.parent)
        return f"the clinic database {self.server}" if self.server else "the database server"

    @property
    def file(self) -> str:
        if self.path is not None:
            return str(self.path)
        return self.server or "the database"


def _sqlite_kind(exc: BaseException) -> str:
    """The SQLite primary error name (`SQLITE_FULL`, ...), from the code or the message."""
    name = getattr(exc, "sqlite_errorname", "")
    if isinstance(name, str) and name.startswith("SQLITE_"):
        return "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    text = str(exc).lower()
    for needle, kind in (
        ("database or disk is full", "SQLITE_FULL"),
        ("disk i/o error", "SQLITE_IOERR"),
        ("file is not a database", "SQLITE_NOTADB"),
        ("malformed", "SQLITE_CORRUPT"),
        ("readonly database", "SQLITE_READONLY"),
        ("unable to open database file", "SQLITE_CANTOPEN"),
        ("database is locked", "SQLITE_BUSY"),
    ):
        if needle in text:
            return kind
    return ""


def message_for(kind: str, where: DatabaseLocation) -> str:
    """The user-facing message for an SQLite error kind (`SQLITE_FULL`, ...)."""
    if kind == "SQLITE_FULL":
        return (
            f"The disk holding {where.folder} is full. Free some space on it, then try again. "
            f"{_SAFE}"
        )
    if kind == "SQLITE_IOERR":
        return (
            f"The database in {where.folder} could not be read or written (a disk I/O error). "
            f"Check that the drive is connected and working, then try again. {_SAFE}"
        )
    if kind in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return (
            f"{where.file} is not a Therapy Notes database or is damaged, so it was left "
            "untouched. Restore it from a backup, or choose another data folder "
            "(--data-dir or THERAPY_NOTES_DATA_DIR)."
        )
    if kind in ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"):
        return (
            f"The folder {where.folder} is read-only or cannot be opened. Make it writable, "
            "or choose another data folder (--data-dir or THERAPY_NOTES_DATA_DIR)."
        )
    if kind in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return (
            f"The database in {where.folder} is busy: another Therapy Notes window or program "
            f"is using it. Close it, then try again. {_SAFE}"
        )
    return (
        f"The database in {where.folder} could not be used. Try again; if it keeps "
        f"happening, restart Therapy Notes. {_SAFE}"
    )


_SERVER_STATES = {
    "28P01": "PG_AUTH",  # invalid_password
    "28000": "PG_AUTH",  # invalid_authorization_specification (pg_hba refused the role)
    "3D000": "PG_NO_DATABASE",  # invalid_catalog_name
    "42501": "PG_PERMISSION",  # insufficient_privilege
    "53100": "SQLITE_FULL",  # disk_full, on the server
    "53300": "PG_BUSY",  # too_many_connections
    "40001": "PG_BUSY",  # serialization_failure
    "40P01": "PG_BUSY",  # deadlock_detected
    "55P03": "PG_BUSY",  # lock_not_available
    "57P01": "PG_GONE",  # admin_shutdown
    "57P02": "PG_GONE",  # crash_shutdown
    "57P03": "PG_GONE",  # cannot_connect_now (starting up)
}


def _server_kind(exc: BaseException) -> str:
    """The kind of a psycopg failure: from its SQLSTATE, else from libpq's message."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        if state in _SERVER_STATES:
            return _SERVER_STATES[state]
        if state.startswith("08"):
            return "PG_GONE"
    text = str(exc).lower()
    for needle, kind in (
        ("password authentication failed", "PG_AUTH"),
        ("no password supplied", "PG_AUTH"),
        ("no pg_hba.conf entry", "PG_AUTH"),
        ("certificate", "PG_TLS"),  # before "does not exist": a missing CA file says that
        ("ssl", "PG_TLS"),
        ('database "', "PG_NO_DATABASE"),  # database "x" does not exist
        ("could not translate host name", "PG_UNREACHABLE"),
        ("name or service not known", "PG_UNREACHABLE"),
        ("connection refused", "PG_UNREACHABLE"),
        ("timeout expired", "PG_UNREACHABLE"),
        ("no such file or directory", "PG_UNREACHABLE"),
        ("server closed the connection", "PG_GONE"),
        ("connection is closed", "PG_GONE"),
    ):
        if needle in text:
            return kind
    return "PG_UNREACHABLE" if "connection" in text and "failed" in text else ""


def _is_server_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "psycopg"


def _server_message(kind: str, where: DatabaseLocation) -> str | None:
    """What to tell the clinician about a failure of the clinic's database server."""
    name = where.file
    if kind == "PG_AUTH":
        return (
            f"The clinic database {name} refused the user name or password. Check the user "
            "in the database URL and the password (THERAPY_NOTES_DATABASE_PASSWORD, "
            "PGPASSWORD, or `therapy-notes db password` for the keyring), then try again."
        )
    if kind == "PG_UNREACHABLE":
        return (
            f"The clinic database server for {name} cannot be reached. Check the network "
            "connection and the host and port in the database URL, or ask your "
            f"administrator whether the server is running. {_SAFE}"
        )
    if kind == "PG_TLS":
        return (
            f"The secure connection to the clinic database {name} failed: the server's "
            "certificate was not trusted or does not match its name. Check sslrootcert and "
            "the host name in the database URL with your administrator."
        )
    if kind == "PG_NO_DATABASE":
        return (
            f"The clinic database {name} does not exist on that server. Check the database "
            "name in the URL, or ask your administrator to create it (see the README, "
            '"Running a clinic").'
        )
    if kind == "PG_PERMISSION":
        return (
            f"The database user may not do this in the clinic database {name}. Ask your "
            "administrator to grant the Therapy Notes role its privileges (README, "
            f'"Running a clinic"). {_SAFE}'
        )
    if kind == "PG_BUSY":
        return (
            f"The clinic database {name} is busy with another desktop's change to the same "
            f"records. Try again in a moment. {_SAFE}"
        )
    if kind == "PG_GONE":
        return (
            f"The connection to the clinic database {name} was lost (the server restarted "
            f"or the network dropped). Try again in a moment. {_SAFE}"
        )
    return None


def translate(exc: BaseException, where: DatabaseLocation) -> StorageError:
    """A `StorageError` for a driver or OS failure (the caller chains the original)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if orig is not None and _is_server_error(orig):
        kind = _server_kind(orig)
        logger.warning(
            "database server failure %s (%s, %s)",
            kind or "unknown",
            type(orig).__name__,
            getattr(orig, "sqlstate", None),
        )
        message = _server_message(kind, where)
        return StorageError(message if message is not None else message_for(kind, where))
    if isinstance(orig, OSError):
        by_errno = {
            errno.ENOSPC: "SQLITE_FULL",
            errno.EACCES: "SQLITE_READONLY",
            errno.EPERM: "SQLITE_READONLY",
            errno.EROFS: "SQLITE_READONLY",
            errno.EEXIST: "SQLITE_CANTOPEN",  # a file where the folder should be
            errno.ENOTDIR: "SQLITE_CANTOPEN",
            errno.EISDIR: "SQLITE_CANTOPEN",
        }
        kind = by_errno.get(orig.errno or 0, "SQLITE_IOERR")
    else:
        kind = _sqlite_kind(orig) if orig is not None else ""
    logger.warning("database failure %s (%s)", kind or "unknown", type(orig).__name__)
    return StorageError(message_for(kind, where))


@contextmanager
def storage_errors(where: DatabaseLocation) -> Iterator[None]:
    """Raise `StorageError` for operational/database failures inside the block.

    A value the column types reject (a naive datetime) is a caller bug, so it surfaces as
    the `ValueError`/`TypeError` it is rather than as SQLAlchemy's wrapper.
    """
    try:
        yield
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError | ProgrammingError | InterfaceError) and not (
            getattr(exc.orig, "sqlstate", None) == "42501"  # a role without privileges
        ):
            raise  # our bug, not the environment's: keep the traceback honest
        raise translate(exc, where) from exc
    except StatementError as exc:
        if isinstance(exc.orig, ValueError | TypeError):
            raise exc.orig from None
        raise
    except OSError as exc:
        raise translate(exc, where) from exc


class HasLocation(Protocol):
    """A repository: it knows where its database lives, for error messages."""

    @property
    def where(self) -> DatabaseLocation: ...


_R = TypeVar("_R", bound=HasLocation)
_P = ParamSpec("_P")
_T = TypeVar("_T")


def translated(
    method: Callable[Concatenate[_R, _P], _T],
) -> Callable[Concatenate[_R, _P], _T]:
    """Decorate a repository method so its database failures become `StorageError`s."""

    @wraps(method)
    def wrapper(self: _R, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        with storage_errors(self.where):
            return method(self, *args, **kwargs)

    return wrapper
