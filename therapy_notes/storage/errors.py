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
    """Where the database lives, for messages: a file path, or None for a server URL."""

    path: Path | None

    @property
    def folder(self) -> str:
        return str(self.path.parent) if self.path is not None else "the database server"

    @property
    def file(self) -> str:
        return str(self.path) if self.path is not None else "the database"


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


def translate(exc: BaseException, where: DatabaseLocation) -> StorageError:
    """A `StorageError` for a driver or OS failure (the caller chains the original)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
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
        if isinstance(exc, IntegrityError | ProgrammingError | InterfaceError):
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
