"""What the window and the command line open the same way: the database and its signing key.

A clinic's PostgreSQL server (its password from THERAPY_NOTES_DATABASE_PASSWORD or the OS
keyring) or this computer's encrypted file; signatures keyed by the clinic's shared secret
or by this folder's key. One definition, so `therapy-notes export` verifies a note with
the key the window signed it with. Storage is imported only when asked for, so the
command line's `--help` and the window's first pixels stay light. Blocking: call these
through `asyncio.to_thread`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from therapy_notes.config import AppConfig
from therapy_notes.domain.database_url import DATABASE_PASSWORD_ENV
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.services.database_password import database_password
from therapy_notes.system_keyring import SystemKeyring

if TYPE_CHECKING:
    from therapy_notes.domain.signing import SigningKey
    from therapy_notes.storage.database import Database


def server_password(url: str) -> str | None:
    """The clinic database's password: THERAPY_NOTES_DATABASE_PASSWORD, else the keyring."""
    return database_password(
        url, from_env=os.environ.get(DATABASE_PASSWORD_ENV), keyring=SystemKeyring()
    )


def open_configured_database(config: AppConfig, db_key: DatabaseKey | None) -> Database:
    """The clinic's PostgreSQL database when one is configured, else this computer's file."""
    from therapy_notes.storage.database import open_database, open_url

    if config.database_url is not None and config.is_shared_database:
        return open_url(config.database_url, password=server_password(config.database_url))
    return open_database(config.db_path, db_key)


def configured_signing_key(config: AppConfig, db_key: DatabaseKey | None) -> SigningKey:
    """What signatures are keyed by: the clinic's shared secret, or this folder's key."""
    from therapy_notes.storage.signatures import clinic_signing_key, signing_key_for

    if config.is_shared_database:
        return clinic_signing_key(config.data_dir)
    return signing_key_for(config.db_path, db_key)
