"""Where the database key comes from: the OS keyring, a passphrase, or the recovery key.

This is the use case (unlock, first set-up, recovery, the keys for a restore); what it
reads and writes is behind ports that the composition roots (app.py, the cli package) wire in:
the key file and set-up lock (`KeyFileStore`: `storage.key_file`), the OS keyring
(`SecretStore`: `system_keyring`) and the person at the computer (`KeyPrompt`: the
terminal, a dialog, or nobody). The values and the crypto are in the domain
(`key_record`, `key_wrap`, `recovery_key`).

The database key is always 32 random bytes, kept in the OS keyring (a backend that only
obfuscates a file counts as none) or, without one, in the key file wrapped by a
passphrase from `THERAPY_NOTES_PASSPHRASE` (unattended use, as restic and borg do) or
asked for. The key file exists in both modes and carries a check value, so a wrong key
or passphrase is refused before the database file is opened.

At setup the recovery key is shown once, after the key is stored. It opens the database
when the keyring is lost, the passphrase forgotten or the key file lost or damaged, and
every backup. A recovery key is checked against the database itself (read only; the key
file's check when there is no database yet) before anything is written, so a wrong one
changes nothing and the right one always rewrites the key file. Setting up holds a lock
in the data folder, so two first starts make one key.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from therapy_notes.domain.key_record import (
    KeyFileDamagedError,
    KeyMode,
    KeyRecord,
    damaged_key_file,
    key_check,
)
from therapy_notes.domain.key_wrap import (
    MIN_PASSPHRASE_CHARS,
    PASSPHRASE_ENV,
    SCRYPT_N,
    WrongPassphraseError,
    unwrap_key,
    wrap_key,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.recovery_key import (
    RECOVERY_KEY_ENV,
    decode_recovery_key,
    encode_recovery_key,
)
from therapy_notes.errors import UnlockError, UserFacingError
from therapy_notes.services.ports import KeyFileStore, SecretStore

logger = logging.getLogger(__name__)


class KeyPrompt(Protocol):
    """Asks the person at the computer; each method returns None when nobody can answer."""

    def passphrase(self, *, is_new: bool) -> str | None:
        """The passphrase.

        A new one is asked twice, and again while it is shorter than
        MIN_PASSPHRASE_CHARS or the two differ (the service refuses a short one).
        """
        ...

    def recovery_key(self) -> str | None: ...

    def show_recovery_key(self, recovery_key: str) -> None:
        """Show the recovery key once, with the advice to print it or store it safely."""
        ...


class NoPrompt:
    """For unattended runs: nobody to ask, and the recovery key goes to the log's owner."""

    def passphrase(self, *, is_new: bool) -> str | None:
        return None

    def recovery_key(self) -> str | None:
        return None

    def show_recovery_key(self, recovery_key: str) -> None:
        raise UnlockError(
            "A new database key was made but there is nowhere to show its "
            "recovery key; run Therapy Notes once from a terminal or the window."
        )


@dataclass(frozen=True, slots=True)
class Unlocked:
    """The key for a data folder and how it is kept."""

    key: DatabaseKey
    mode: KeyMode
    is_new: bool = False
    """True when this call made the key (and showed its recovery key)."""


@dataclass(frozen=True, slots=True)
class RestoreKeys:
    """Keys for a restore: the one that opens the backup, and the folder's own."""

    backup_key: DatabaseKey = field(repr=False)
    folder_key: DatabaseKey = field(repr=False)
    needs_setup: bool
    """True when the folder has no key yet: store `folder_key` after the restore."""


def _backup_key_error() -> UnlockError:
    return UnlockError(
        "The key does not open that backup: it was made from another data folder, or the "
        f"recovery key is wrong. Set {RECOVERY_KEY_ENV} to the recovery key of the database "
        "the backup came from. Nothing was changed."
    )


def _key_from_hex(text: str | None) -> DatabaseKey | None:
    try:
        return DatabaseKey(bytes.fromhex(text)) if text is not None else None
    except ValueError:
        return None


def _read_secret(store: SecretStore, name: str) -> str | None:
    """The stored secret; a keyring that cannot be read counts as not having it."""
    try:
        return store.get(name)
    except UserFacingError as exc:
        logger.warning("keyring read failed: %s", type(exc.__cause__ or exc).__name__)
        return None


def _write_secret(store: SecretStore, name: str, value: str) -> None:
    try:
        store.set(name, value)
    except UserFacingError as exc:
        logger.warning("keyring write failed: %s", type(exc.__cause__ or exc).__name__)
        raise UnlockError(
            "The password store (keyring) refused to save the database "
            "key. Unlock it and try again."
        ) from exc


class KeyService:
    """Finds, makes and re-stores the database key of one data folder.

    Reads only the key file, the keyring, the environment and the prompt: it never opens
    the database, so nothing here can damage it.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        key_file: KeyFileStore,
        keyring: SecretStore,
        prompt: KeyPrompt,
        env: Mapping[str, str] | None = None,
        scrypt_n: int = SCRYPT_N,
        opens_database: Callable[[DatabaseKey], bool] | None = None,
    ) -> None:
        """Set up the key source of the data folder that holds `db_path`.

        Args:
            db_path: the database file (named in messages).
            key_file: the key file beside it, and the folder's set-up lock.
            keyring: the OS password store.
            prompt: who to ask (terminal, dialog, or nobody).
            env: the environment (passphrase and recovery key variables).
            scrypt_n: scrypt cost of a new wrap (tests lower it).
            opens_database: True when a key opens the database at `db_path` (reading
                only). A recovery key is checked with it before anything is written, so
                a key for another folder can never replace the right one. Without it a
                recovery key is accepted only when the key file vouches for it.
        """
        self._db_path = db_path
        self._opens_database = opens_database
        self._key_file = key_file
        self._keyring = keyring
        self._prompt = prompt
        self._env = os.environ if env is None else env
        self._scrypt_n = scrypt_n

    @property
    def key_path(self) -> Path:
        return self._key_file.path

    def is_set_up(self) -> bool:
        """True when this folder has a key (file) or an encrypted database."""
        return self._key_file.exists() or self._key_file.has_encrypted_database()

    def unlock(self) -> Unlocked:
        """The key: from the keyring or passphrase, else the recovery key; new on first run.

        Raises:
            UnlockError: the key cannot be had (no keyring and no passphrase, a wrong
                passphrase or recovery key); nothing was written.
        """
        return self._unlock(use_recovery_env=True)

    def _unlock(self, *, use_recovery_env: bool) -> Unlocked:
        try:
            record = self._key_file.read()
        except KeyFileDamagedError as damaged:
            logger.warning("key file unusable; asking for the recovery key")
            return self._recover(None, without_key=damaged)
        if record is None:
            if self._key_file.has_encrypted_database():
                return self._recover(None)
            with self._key_file.setup_lock():
                if not self.is_set_up():
                    return self._set_up(None)
            logger.info("another start set this folder up meanwhile; using its key")
            return self._unlock(use_recovery_env=use_recovery_env)
        if use_recovery_env and self._env.get(RECOVERY_KEY_ENV):
            return self._recover(record)
        if record.mode is KeyMode.PASSPHRASE:
            try:
                if record.wrap is None:
                    raise damaged_key_file()
                key = unwrap_key(record.wrap, self._passphrase(is_new=False))
            except KeyFileDamagedError as damaged:
                logger.warning("wrapped key unusable; asking for the recovery key")
                return self._recover(None, without_key=damaged)
            except WrongPassphraseError:
                logger.warning("passphrase rejected")
                raise
            self._require_check(key, record)
            return Unlocked(key, KeyMode.PASSPHRASE)
        stored = (
            _read_secret(self._keyring, self._keyring_name(record.check))
            if self._keyring.is_usable()
            else None
        )
        from_keyring = _key_from_hex(stored)
        if from_keyring is not None and hmac.compare_digest(key_check(from_keyring), record.check):
            return Unlocked(from_keyring, KeyMode.KEYRING)
        logger.warning("database key not in the keyring; asking for the recovery key")
        return self._recover(record)

    def keys_for_restore(self, opens_backup: Callable[[DatabaseKey], bool]) -> RestoreKeys:
        """The keys to restore a backup into this folder, checked against the backup.

        A folder that has a key keeps it (the backup is re-encrypted with it); its key opens
        backups made here, and the recovery key (`THERAPY_NOTES_RECOVERY_KEY` or asked)
        opens any other. A new folder adopts the backup's key from its recovery key, so
        the recovery key the clinic already keeps stays valid; call `set_up(key)` once the
        restore has succeeded.

        Raises:
            UnlockError: no key that opens the backup could be had; nothing was written.
        """
        given = self._env.get(RECOVERY_KEY_ENV)
        if self._key_file.exists():
            folder_key = self._unlock(use_recovery_env=False).key
            backup_key = decode_recovery_key(given) if given else folder_key
            if not opens_backup(backup_key) and not given:
                asked = self._prompt.recovery_key()
                backup_key = decode_recovery_key(asked) if asked else backup_key
            if not opens_backup(backup_key):
                raise _backup_key_error()
            return RestoreKeys(backup_key, folder_key, needs_setup=False)
        text = given or self._prompt.recovery_key()
        if not text:
            raise UnlockError(
                "Restoring into a new data folder needs the recovery key that was shown when "
                f"the backed-up database was set up: set {RECOVERY_KEY_ENV} to it, or run "
                "the restore from a terminal to type it. Nothing was changed."
            )
        backup_key = decode_recovery_key(text)
        if not opens_backup(backup_key):
            raise _backup_key_error()
        return RestoreKeys(backup_key, backup_key, needs_setup=True)

    def set_up(self, key: DatabaseKey | None = None) -> Unlocked:
        """Make (or adopt, e.g. a backup's) key, store it, and show a new recovery key once.

        Setting up holds the folder's lock, so two first starts make one key: the one
        that waited then reads the other's key file.
        """
        with self._key_file.setup_lock():
            return self._set_up(key)

    def _set_up(self, key: DatabaseKey | None) -> Unlocked:
        """Choose the protection, then make and store the key, then show its recovery key.

        In that order: a recovery key is shown only for a key that is stored, so the one
        written down is the one that opens the database. If it cannot be shown, the new
        key file is removed again and the folder is as it was.
        """
        passphrase = self._new_passphrase_unless_keyring()
        is_new = key is None
        key = key or DatabaseKey.generate()
        mode = self._store(key, passphrase)
        if is_new:
            try:
                self._prompt.show_recovery_key(encode_recovery_key(key))
            except BaseException:
                self._key_file.remove()
                raise
        logger.info("database key set up (%s)", mode.value)
        return Unlocked(key, mode, is_new=is_new)

    def _recover(
        self, record: KeyRecord | None, *, without_key: UnlockError | None = None
    ) -> Unlocked:
        """The recovery key, checked, then stored again (keyring, key file).

        Args:
            record: the folder's readable key file, if any.
            without_key: what to say when no recovery key is given (e.g. the key file
                is damaged); by default, that the keyring lacks the key.
        """
        text = self._env.get(RECOVERY_KEY_ENV) or self._prompt.recovery_key()
        if not text and without_key is not None:
            raise without_key
        if not text:
            raise UnlockError(
                f"The database key for {self._db_path} is not in this computer's password "
                f"store (keyring). Enter your recovery key, or set {RECOVERY_KEY_ENV} to it; "
                "nothing was changed."
            )
        key = decode_recovery_key(text)
        self._require_recovery_key(key, record)
        mode = self._store(key, self._new_passphrase_unless_keyring())
        logger.info("database key restored from the recovery key (%s)", mode.value)
        return Unlocked(key, mode)

    def _require_recovery_key(self, key: DatabaseKey, record: KeyRecord | None) -> None:
        """Refuse a recovery key that is not this folder's, before anything is written.

        The database decides when there is one: the key file may be missing, or be the
        wrong folder's, and must not make the right key look wrong (or a wrong key look
        right). Without a database (or a way to open it), the key file's check decides.
        """
        if self._opens_database is not None and self._key_file.has_encrypted_database():
            if self._opens_database(key):
                return
            logger.warning("recovery key does not open the database")
            raise UnlockError(
                f"That recovery key does not open {self._db_path}: it belongs to another "
                "data folder, or a character is wrong. Nothing was changed. Use the recovery "
                "key printed when this data folder was set up."
            )
        if record is None:
            raise UnlockError(
                f"There is no database and no readable key file in {self._db_path.parent} "
                "to check that recovery key against; nothing was changed. Check that this "
                "is the right data folder (--data-dir or THERAPY_NOTES_DATA_DIR)."
            )
        self._require_check(key, record)

    def _require_check(self, key: DatabaseKey, record: KeyRecord) -> None:
        if not hmac.compare_digest(key_check(key), record.check):
            logger.warning("key does not match the key file")
            raise UnlockError(
                f"That key is for another database, not {self._db_path}; nothing was changed. "
                "Use the recovery key printed when this data folder was set up."
            )

    def _new_passphrase_unless_keyring(self) -> str | None:
        """None when the keyring will keep the key, else a new (checked) passphrase."""
        return None if self._keyring.is_usable() else self._passphrase(is_new=True)

    def _store(self, key: DatabaseKey, passphrase: str | None) -> KeyMode:
        """Keep `key` in the keyring (`passphrase` None) or wrapped by `passphrase`."""
        check = key_check(key)
        if passphrase is None:
            _write_secret(self._keyring, self._keyring_name(check), key.raw.hex())
            self._key_file.write(KeyRecord(KeyMode.KEYRING, check))
            return KeyMode.KEYRING
        wrap = wrap_key(key, passphrase, n=self._scrypt_n)
        self._key_file.write(KeyRecord(KeyMode.PASSPHRASE, check, wrap))
        return KeyMode.PASSPHRASE

    def _passphrase(self, *, is_new: bool) -> str:
        passphrase = self._env.get(PASSPHRASE_ENV) or self._prompt.passphrase(is_new=is_new)
        if not passphrase:
            raise UnlockError(
                "This computer has no password store (keyring) for the database key, so a "
                f"passphrase protects it. Set {PASSPHRASE_ENV}, or run Therapy Notes from a "
                "terminal to type it."
            )
        if is_new and len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise UnlockError(
                f"The passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters "
                "(a few unrelated words are easy to remember and hard to guess). No key was "
                "made and nothing was saved."
            )
        return passphrase

    @staticmethod
    def _keyring_name(check: str) -> str:
        return f"database-key-{check[:16]}"
