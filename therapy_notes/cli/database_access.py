"""How a command reaches the database: its key, the clinic server's password, the store.

Every command that reads or writes notes (transcribe, export, db, backup...) opens the
database the same way; this is that one way, with storage imported only when a command
runs, so `--help` and the window's start stay light.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from therapy_notes.cli_prompt import TerminalPrompt
from therapy_notes.config import AppConfig
from therapy_notes.domain.database_url import DATABASE_PASSWORD_ENV
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.services.database_password import database_password
from therapy_notes.services.keys import KeyService
from therapy_notes.system_keyring import SystemKeyring

if TYPE_CHECKING:
    from therapy_notes.domain.signing import SigningKey
    from therapy_notes.storage.database import Database


def key_service(config: AppConfig) -> KeyService:
    """The data folder's key source: the OS keyring, else a passphrase.

    The passphrase comes from THERAPY_NOTES_PASSPHRASE or is typed at a terminal; on the
    first run a new key is made and its recovery key goes to stderr, once.
    """
    from therapy_notes.storage.backup import opens_with
    from therapy_notes.storage.key_file import KeyFile

    return KeyService(
        config.db_path,
        key_file=KeyFile(config.db_path),
        keyring=SystemKeyring(),
        prompt=TerminalPrompt(),
        opens_database=lambda key: opens_with(config.db_path, key),
    )


def unlock_key(config: AppConfig) -> DatabaseKey | None:
    """The key `open_database` needs (raises UnlockError, a UserFacingError, if none).

    None for a clinic's shared database: the server encrypts at rest, no file is here.
    """
    if config.is_shared_database:
        return None
    return key_service(config).unlock().key


def server_password(url: str) -> str | None:
    """The clinic database's password: THERAPY_NOTES_DATABASE_PASSWORD, else the keyring."""
    return database_password(
        url, from_env=os.environ.get(DATABASE_PASSWORD_ENV), keyring=SystemKeyring()
    )


def open_store(config: AppConfig, db_key: DatabaseKey | None) -> Database:
    """The configured database: the clinic's PostgreSQL server, or the file in the data folder.

    Blocking: call it through `asyncio.to_thread`.
    """
    from therapy_notes.storage.database import open_database, open_url

    if config.database_url is not None and config.is_shared_database:
        return open_url(config.database_url, password=server_password(config.database_url))
    return open_database(config.db_path, db_key)


def signing_key(config: AppConfig, db_key: DatabaseKey | None) -> SigningKey:
    """What signatures are keyed by: the clinic's shared secret, or this folder's key."""
    from therapy_notes.storage.signatures import clinic_signing_key, signing_key_for

    if config.is_shared_database:
        return clinic_signing_key(config.data_dir)
    return signing_key_for(config.db_path, db_key)
