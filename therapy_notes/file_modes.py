"""Private folders and files: the data folder 0700, every file the app writes 0600.

Sessions, keys, logs, backups and exports hold protected health information, so no other
account on the computer may read them, whatever the process umask is. Modes are set with
`os.open(..., 0o600)` when a file is created (so there is no moment when it is readable)
and with `chmod` on what already exists (a folder from an older version was 0755).

On Windows nothing is changed: the user's profile folder already restricts access to the
user, and POSIX modes do not map onto its access lists.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
HAS_POSIX_MODES = os.name == "posix"
"""False on Windows, where the profile folder's access list protects the data instead."""

_CREATE = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and any missing parents) as 0700, and tighten it if it exists.

    `Path.mkdir(parents=True, mode=...)` gives the parents the default mode, so each
    missing level is created here: every folder made for the app's data is private.
    """
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "a file is where the folder should be", str(folder))
    missing: list[Path] = []
    level = folder
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile: tightened below
            path.mkdir(mode=PRIVATE_FOLDER_MODE)
    make_private(folder, PRIVATE_FOLDER_MODE)


def make_private(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Set `path` to `mode` (0600 for a file) if it exists; a no-op on Windows."""
    if not HAS_POSIX_MODES:
        return
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)


def create_private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600 unless it exists; True when it was created.

    SQLite gives a database's -wal, -shm and journal files the database file's mode, so a
    database file made here keeps all of them private from their first byte.
    """
    try:
        fd = os.open(path, _CREATE | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    make_private(path)  # os.open's mode is filtered through the umask; this is not
    return True


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a 0600 file, through a sibling renamed into place.

    An export leaves the app's protection, so it at least starts readable only by its
    owner; a failed write never leaves half a file at `path`.

    Raises:
        OSError: the folder cannot be written (the caller says what to do).
    """
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, _CREATE | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as file:
            make_private(partial)  # an old partial keeps its mode through O_TRUNC
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def tighten_data_folder(folder: Path, prefix: str) -> None:
    """Make `folder` 0700 and the app's files in it (names starting with `prefix`) 0600.

    Only the app's own files are touched, and its `logs` folder: a data folder chosen with
    --data-dir may hold the user's other files, whose modes are theirs to choose.
    """
    if not HAS_POSIX_MODES or not folder.is_dir():
        return
    make_private(folder, PRIVATE_FOLDER_MODE)
    for path in folder.glob(prefix + "*"):
        if path.is_file():
            make_private(path)
    logs = folder / "logs"
    if logs.is_dir():
        make_private(logs, PRIVATE_FOLDER_MODE)
        for path in logs.iterdir():
            if path.is_file():
                make_private(path)
