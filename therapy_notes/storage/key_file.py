"""The key file beside the database, and the lock that lets one start set a folder up.

The file is small JSON (`domain.key_record.KeyRecord`: mode, key check, wrapped key). It
is read strictly, so a truncated, foreign or future file is reported as damaged (the
recovery key then rewrites it) and never half-trusted, and it is replaced atomically
and owner-only, so a crash leaves the old file or the new one. The key service reaches
all of this through `services.ports.KeyFileStore`; it never touches the folder itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from therapy_notes.domain.key_record import (
    CHECK_HEX_CHARS,
    KEY_FILE_NAME,
    KeyMode,
    KeyRecord,
    damaged_key_file,
)
from therapy_notes.storage.encryption import FileState, file_state

logger = logging.getLogger(__name__)

SETUP_LOCK_NAME = "therapy_notes.key.lock"
KEY_FILE_FORMAT = 1


class KeyFile:
    """`KeyFileStore` for the data folder that holds `db_path`."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._path = db_path.with_name(KEY_FILE_NAME)
        self._lock_path = db_path.with_name(SETUP_LOCK_NAME)

    @property
    def path(self) -> Path:
        return self._path

    def exists(self) -> bool:
        return self._path.exists()

    def has_encrypted_database(self) -> bool:
        """True for a non-empty database file that is not plain SQLite (already encrypted)."""
        return file_state(self._db_path) is FileState.ENCRYPTED

    def read(self) -> KeyRecord | None:
        """The key file's record, or None when there is none.

        Raises:
            KeyFileDamagedError: the file is truncated, not a key file, of an unknown
                format version, or lacks what its mode needs. The file is left as it is.
        """
        try:
            data = json.loads(self._path.read_text(encoding="ascii"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise damaged_key_file() from exc
        if not isinstance(data, dict):
            raise damaged_key_file()
        if data.get("format") != KEY_FILE_FORMAT:
            raise damaged_key_file("was written by another version of Therapy Notes, or is damaged")
        try:
            mode = KeyMode(str(data.get("mode")))
        except ValueError as exc:
            raise damaged_key_file() from exc
        check, wrap = data.get("check"), data.get("wrap")
        if (
            not _is_hex(check, CHECK_HEX_CHARS)
            or not (wrap is None or isinstance(wrap, dict))
            or (mode is KeyMode.PASSPHRASE and wrap is None)
        ):
            raise damaged_key_file()
        return KeyRecord(mode, str(check), wrap)

    def write(self, record: KeyRecord) -> None:
        """Replace the file atomically: a crash leaves the old one or the new one.

        The new file is written beside the old one (owner-only from its first byte),
        flushed to disk and renamed over it; the folder is synced so the rename lasts.
        """
        data: dict[str, Any] = {
            "format": KEY_FILE_FORMAT,
            "mode": record.mode.value,
            "check": record.check,
        }
        if record.wrap is not None:
            data["wrap"] = dict(record.wrap)
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self._path.with_name(self._path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="ascii") as file:
            with contextlib.suppress(OSError):
                os.chmod(fd, 0o600)  # a partial file left by a crash keeps its old mode
            json.dump(data, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self._path)
        _fsync_folder(self._path.parent)

    def remove(self) -> None:
        self._path.unlink(missing_ok=True)

    def setup_lock(self) -> contextlib.AbstractContextManager[None]:
        """The folder's set-up lock (see `exclusive_setup`)."""
        return exclusive_setup(self._lock_path)


def _is_hex(text: object, length: int) -> bool:
    return (
        isinstance(text, str) and len(text) == length and all(c in "0123456789abcdef" for c in text)
    )


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no directory handles)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_setup(lock_path: Path) -> Iterator[None]:
    """Hold the data folder's set-up lock; another process waits here until it is free.

    An OS lock on an open file (flock, or msvcrt on Windows) is released by the kernel
    when its holder exits or crashes, so a lock is never left stale. The lock file itself
    stays (empty): removing it would let a waiter lock a file nobody else can see.
    """
    lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after 10 tries a second apart
                    logger.info("waiting for another start to finish setting up")
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
