"""Data-folder keys in tests: a folder's key from the test passphrase, and two keyrings."""

from __future__ import annotations

from pathlib import Path

from therapy_notes.domain.key_wrap import PASSPHRASE_ENV
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.services.keys import KeyService, NoPrompt
from therapy_notes.storage.database import Database, open_database
from therapy_notes.storage.key_file import KeyFile

TEST_PASSPHRASE = "correct horse battery staple"
"""Every test runs with this in THERAPY_NOTES_PASSPHRASE and no OS keyring (conftest)."""


class NoKeyring:
    """A computer without a usable password store."""

    def is_usable(self) -> bool:
        return False

    def get(self, name: str) -> str | None:
        raise AssertionError("an unusable keyring is never read")

    def set(self, name: str, value: str) -> None:
        raise AssertionError("an unusable keyring is never written")


class MemoryKeyring:
    """A working OS keyring that forgets everything after the test."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def is_usable(self) -> bool:
        return True

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


def folder_key(db_path: Path, passphrase: str = TEST_PASSPHRASE) -> DatabaseKey:
    """The key of a data folder set up in passphrase mode."""
    service = KeyService(
        db_path,
        key_file=KeyFile(db_path),
        keyring=NoKeyring(),
        prompt=NoPrompt(),
        env={PASSPHRASE_ENV: passphrase},
    )
    return service.unlock().key


def open_unlocked(db_path: Path) -> Database:
    """Open the encrypted database the command line wrote at `db_path`."""
    return open_database(db_path, folder_key(db_path))
