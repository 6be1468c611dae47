"""A database file's neighbours: its WAL sidecars, work-in-progress siblings, durable renames.

The migration, the backup and the restore each replace a database by renaming a finished
sibling over it; these are the file steps they share.
"""

from __future__ import annotations

import os
from pathlib import Path

SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


def fsync_file(path: Path) -> None:
    """Flush a finished copy to the disk before it is trusted or renamed."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_with_sidecars(path: Path) -> None:
    """Delete a database file with its -wal, -shm and -journal files, if present."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDECAR_SUFFIXES)):
        candidate.unlink(missing_ok=True)


def sibling(path: Path, suffix: str) -> Path:
    """A file beside `path` for work in progress (same folder, so a rename is atomic)."""
    return path.with_name(path.name + suffix)
