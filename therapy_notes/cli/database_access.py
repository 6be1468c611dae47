"""How a command gets the database key: the OS keyring, else a passphrase at the terminal.

Opening the database itself is `bootstrap`, shared with the window. Storage is imported
only when a command runs, so `--help` and the window's start stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from therapy_notes.cli_prompt import TerminalPrompt
from therapy_notes.config import AppConfig
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.services.keys import KeyService
from therapy_notes.system_keyring import SystemKeyring

if TYPE_CHECKING:
    pass


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
