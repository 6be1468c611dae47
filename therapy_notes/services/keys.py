"""Where the database key comes from: the OS keyring, a passphrase, or the recovery key.

The database key is always 32 random bytes. It is kept in one of two ways:

- **keyring**: the OS password store (macOS Keychain, Windows Credential Locker, Secret
  Service) holds it. Backends that only obfuscate a file count as no keyring.
- **passphrase**: a key file beside the database holds it wrapped by a key derived from the
  passphrase with scrypt (n=2**15, r=8, p=1, a fresh salt per wrap). The passphrase comes
  from `THERAPY_NOTES_PASSPHRASE` (unattended use, as restic and borg do) or is asked for.

The key file exists in both modes: it says which mode the folder uses and carries a check
value (an HMAC of a constant under the key) so a wrong key or passphrase is refused before
the database file is opened. It holds nothing that helps an attacker.

At setup the recovery key is shown once, after the key is stored: the database key in
base32 with a checksum. It opens the database when the keyring is lost, the passphrase
forgotten or the key file lost or damaged, and every backup. A recovery key is checked
against the database itself (read only; the key file's check when there is no database
yet) before anything is written, so a wrong one changes nothing and the right one always
rewrites the key file. Setting up holds a lock in the data folder, so two first starts
make one key.
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TextIO

from therapy_notes.domain.database_url import DATABASE_PASSWORD_ENV, server_database
from therapy_notes.domain.keys import KEY_BYTES, DatabaseKey
from therapy_notes.errors import UnlockError

logger = logging.getLogger(__name__)

PASSPHRASE_ENV = "THERAPY_NOTES_PASSPHRASE"
RECOVERY_KEY_ENV = "THERAPY_NOTES_RECOVERY_KEY"
KEY_FILE_NAME = "therapy_notes.key"
SETUP_LOCK_NAME = "therapy_notes.key.lock"
KEYRING_SERVICE = "TherapyNotes"
MIN_PASSPHRASE_CHARS = 8
NEW_PASSPHRASE_TRIES = 3

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_SCRYPT_MAX_N = 2**20
_FORMAT = 1
_CHECK_LABEL = b"therapy-notes database key check v1"
_RECOVERY_CHECKSUM_BYTES = 3
_SQLITE_HEADER = b"SQLite format 3\x00"


class KeyMode(StrEnum):
    """How a data folder keeps its database key."""

    KEYRING = "keyring"
    PASSPHRASE = "passphrase"


# --- ports -------------------------------------------------------------------------------


class SecretStore(Protocol):
    """The OS keyring, as far as the key needs it (tests use an in-memory one)."""

    def is_usable(self) -> bool:
        """True only for a store that really protects secrets (not a plain or obfuscated file)."""
        ...

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...


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


# --- the OS keyring ----------------------------------------------------------------------

_INSECURE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def is_secure_backend(backend: Any) -> bool:
    """True for a keyring backend that protects secrets; False for fail/null/keyrings.alt.

    A chainer is as good as the best backend it chains.
    """
    chained = getattr(backend, "backends", None)
    if type(backend).__name__ == "ChainerBackend" and chained is not None:
        return any(is_secure_backend(b) for b in chained)
    module = type(backend).__module__
    if module.startswith(_INSECURE_BACKENDS):
        return False
    try:
        return float(getattr(backend, "priority", 0)) > 0
    except Exception:  # noqa: BLE001  # a backend whose priority probe fails is not usable
        return False


class SystemKeyring:
    """`SecretStore` on the `keyring` package; its errors become "no keyring"."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    def is_usable(self) -> bool:
        import keyring

        try:
            return is_secure_backend(keyring.get_keyring())
        except Exception as exc:  # noqa: BLE001  # a broken backend is no backend
            logger.warning("keyring unavailable: %s", type(exc).__name__)
            return False

    def get(self, name: str) -> str | None:
        import keyring
        import keyring.errors

        try:
            return keyring.get_password(self._service, name)
        except keyring.errors.KeyringError as exc:
            logger.warning("keyring read failed: %s", type(exc).__name__)
            return None

    def set(self, name: str, value: str) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.set_password(self._service, name, value)
        except keyring.errors.KeyringError as exc:
            logger.warning("keyring write failed: %s", type(exc).__name__)
            raise UnlockError(
                "The password store (keyring) refused to save the database "
                "key. Unlock it and try again."
            ) from exc


# --- recovery key ------------------------------------------------------------------------


def encode_recovery_key(key: DatabaseKey) -> str:
    """The key as base32 in groups of five, with a checksum that catches typing mistakes."""
    checksum = hashlib.sha256(key.raw).digest()[:_RECOVERY_CHECKSUM_BYTES]
    text = base64.b32encode(key.raw + checksum).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def decode_recovery_key(text: str) -> DatabaseKey:
    """Read a recovery key as typed: case, spaces and dashes do not matter.

    Raises:
        UnlockError: it is not a recovery key, or a character is wrong.
    """
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        data = base64.b32decode(padded)
    except ValueError:
        data = b""
    raw, checksum = data[:KEY_BYTES], data[KEY_BYTES:]
    if (
        len(data) != KEY_BYTES + _RECOVERY_CHECKSUM_BYTES
        or hashlib.sha256(raw).digest()[:_RECOVERY_CHECKSUM_BYTES] != checksum
    ):
        raise UnlockError(
            "That is not a valid recovery key: check each group of five "
            "characters against the printed copy and try again."
        )
    return DatabaseKey(raw)


# --- key file ----------------------------------------------------------------------------


def key_check(key: DatabaseKey) -> str:
    """A value that identifies the key without revealing it (an HMAC of a constant)."""
    return hmac.new(key.raw, _CHECK_LABEL, hashlib.sha256).hexdigest()


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """(keystream, MAC key) from the passphrase: scrypt output split in two."""
    material = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * r * n + 2**20,
        dklen=2 * KEY_BYTES,
    )
    return material[:KEY_BYTES], material[KEY_BYTES:]


def _wrap_header(salt: bytes, n: int, r: int, p: int) -> bytes:
    return json.dumps(
        {"v": _FORMAT, "kdf": "scrypt", "salt": salt.hex(), "n": n, "r": r, "p": p}, sort_keys=True
    ).encode("ascii")


def wrap_key(key: DatabaseKey, passphrase: str, *, n: int = SCRYPT_N) -> dict[str, Any]:
    """The key encrypted under the passphrase: XOR with a one-use scrypt keystream + HMAC.

    The salt is fresh for every wrap, so a keystream never encrypts two keys; the MAC
    covers the KDF parameters and the wrapped key, so a wrong passphrase (or an edited
    file) is detected before the key is used.
    """
    salt = secrets.token_bytes(16)
    stream, mac_key = _derive(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    wrapped = bytes(a ^ b for a, b in zip(key.raw, stream, strict=True))
    mac = hmac.new(
        mac_key, _wrap_header(salt, n, SCRYPT_R, SCRYPT_P) + wrapped, hashlib.sha256
    ).hexdigest()
    return {
        "kdf": "scrypt",
        "salt": salt.hex(),
        "n": n,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "wrapped_key": wrapped.hex(),
        "mac": mac,
    }


def unwrap_key(wrap: Mapping[str, Any], passphrase: str) -> DatabaseKey:
    """The key from `wrap_key`'s record.

    Raises:
        UnlockError: the passphrase is wrong, or the record is damaged.
    """
    try:
        salt = bytes.fromhex(str(wrap["salt"]))
        n, r, p = int(wrap["n"]), int(wrap["r"]), int(wrap["p"])
        wrapped = bytes.fromhex(str(wrap["wrapped_key"]))
        mac = bytes.fromhex(str(wrap["mac"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise _damaged_key_file() from exc
    if wrap.get("kdf") != "scrypt" or not (2 <= n <= _SCRYPT_MAX_N) or len(wrapped) != KEY_BYTES:
        raise _damaged_key_file()
    stream, mac_key = _derive(passphrase, salt, n, r, p)
    expected = hmac.new(mac_key, _wrap_header(salt, n, r, p) + wrapped, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        logger.warning("passphrase rejected")
        raise UnlockError(
            "The passphrase is wrong; the database was not opened or changed. Check "
            f"{PASSPHRASE_ENV} or type it again. If it is lost, start with your recovery key "
            f"in {RECOVERY_KEY_ENV} to choose a new one."
        )
    return DatabaseKey(bytes(a ^ b for a, b in zip(wrapped, stream, strict=True)))


class KeyFileDamagedError(UnlockError):
    """The key file cannot be used; the recovery key opens the database and rewrites it."""


def _damaged_key_file(what: str = "is damaged") -> KeyFileDamagedError:
    return KeyFileDamagedError(
        f"The key file ({KEY_FILE_NAME}) in the data folder {what}. Start with your "
        f"recovery key in {RECOVERY_KEY_ENV}, or type it when asked, to write a new one; "
        "nothing was changed."
    )


def _is_hex(text: object, length: int) -> bool:
    return (
        isinstance(text, str) and len(text) == length and all(c in "0123456789abcdef" for c in text)
    )


@dataclass(frozen=True, slots=True)
class KeyFile:
    """The small JSON file beside the database: mode, key check, and the wrapped key."""

    mode: KeyMode
    check: str
    wrap: Mapping[str, Any] | None = None

    @classmethod
    def read(cls, path: Path) -> KeyFile | None:
        """The key file at `path`, or None when there is none.

        Raises:
            KeyFileDamagedError: the file is truncated, not a key file, of an unknown
                format version, or lacks what its mode needs.
        """
        try:
            data = json.loads(path.read_text(encoding="ascii"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise _damaged_key_file() from exc
        if not isinstance(data, dict):
            raise _damaged_key_file()
        if data.get("format") != _FORMAT:
            raise _damaged_key_file(
                "was written by another version of Therapy Notes, or is damaged"
            )
        try:
            mode = KeyMode(str(data.get("mode")))
        except ValueError as exc:
            raise _damaged_key_file() from exc
        check, wrap = data.get("check"), data.get("wrap")
        if (
            not _is_hex(check, 2 * hashlib.sha256().digest_size)
            or not (wrap is None or isinstance(wrap, dict))
            or (mode is KeyMode.PASSPHRASE and wrap is None)
        ):
            raise _damaged_key_file()
        return cls(mode, str(check), wrap)

    def write(self, path: Path) -> None:
        """Replace the file atomically: a crash leaves the old one or the new one.

        The new file is written beside the old one (owner-only from its first byte),
        flushed to disk and renamed over it; the folder is synced so the rename lasts.
        """
        data: dict[str, Any] = {"format": _FORMAT, "mode": self.mode.value, "check": self.check}
        if self.wrap is not None:
            data["wrap"] = dict(self.wrap)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="ascii") as file:
            with contextlib.suppress(OSError):
                os.chmod(fd, 0o600)  # a partial file left by a crash keeps its old mode
            json.dump(data, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
        _fsync_folder(path.parent)


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


# --- unlocking ---------------------------------------------------------------------------


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


def database_exists(db_path: Path) -> bool:
    """True for a non-empty file that is not plain SQLite (i.e. already encrypted)."""
    try:
        with db_path.open("rb") as file:
            head = file.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return False
    return bool(head) and head != _SQLITE_HEADER


class KeyService:
    """Finds, makes and re-stores the database key of one data folder.

    Reads only the key file, the keyring, the environment and the prompt: it never opens
    the database, so nothing here can damage it.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        keyring: SecretStore,
        prompt: KeyPrompt,
        env: Mapping[str, str] | None = None,
        scrypt_n: int = SCRYPT_N,
        opens_database: Callable[[DatabaseKey], bool] | None = None,
    ) -> None:
        """Set up the key source of the data folder that holds `db_path`.

        Args:
            db_path: the database file; the key file sits beside it.
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
        self._key_path = db_path.with_name(KEY_FILE_NAME)
        self._lock_path = db_path.with_name(SETUP_LOCK_NAME)
        self._keyring = keyring
        self._prompt = prompt
        self._env = os.environ if env is None else env
        self._scrypt_n = scrypt_n

    @property
    def key_path(self) -> Path:
        return self._key_path

    def is_set_up(self) -> bool:
        """True when this folder has a key (file) or an encrypted database."""
        return self._key_path.exists() or database_exists(self._db_path)

    def unlock(self) -> Unlocked:
        """The key: from the keyring or passphrase, else the recovery key; new on first run.

        Raises:
            UnlockError: the key cannot be had (no keyring and no passphrase, a wrong
                passphrase or recovery key); nothing was written.
        """
        return self._unlock(use_recovery_env=True)

    def _unlock(self, *, use_recovery_env: bool) -> Unlocked:
        try:
            key_file = KeyFile.read(self._key_path)
        except KeyFileDamagedError as damaged:
            logger.warning("key file unusable; asking for the recovery key")
            return self._recover(None, without_key=damaged)
        if key_file is None:
            if database_exists(self._db_path):
                return self._recover(None)
            with exclusive_setup(self._lock_path):
                if not self.is_set_up():
                    return self._set_up(None)
            logger.info("another start set this folder up meanwhile; using its key")
            return self._unlock(use_recovery_env=use_recovery_env)
        if use_recovery_env and self._env.get(RECOVERY_KEY_ENV):
            return self._recover(key_file)
        if key_file.mode is KeyMode.PASSPHRASE:
            try:
                if key_file.wrap is None:
                    raise _damaged_key_file()
                key = unwrap_key(key_file.wrap, self._passphrase(is_new=False))
            except KeyFileDamagedError as damaged:
                logger.warning("wrapped key unusable; asking for the recovery key")
                return self._recover(None, without_key=damaged)
            self._require_check(key, key_file)
            return Unlocked(key, KeyMode.PASSPHRASE)
        stored = (
            self._keyring.get(self._keyring_name(key_file.check))
            if self._keyring.is_usable()
            else None
        )
        from_keyring = _key_from_hex(stored)
        if from_keyring is not None and hmac.compare_digest(
            key_check(from_keyring), key_file.check
        ):
            return Unlocked(from_keyring, KeyMode.KEYRING)
        logger.warning("database key not in the keyring; asking for the recovery key")
        return self._recover(key_file)

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
        if self._key_path.exists():
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
        with exclusive_setup(self._lock_path):
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
                self._key_path.unlink(missing_ok=True)
                raise
        logger.info("database key set up (%s)", mode.value)
        return Unlocked(key, mode, is_new=is_new)

    def _recover(
        self, key_file: KeyFile | None, *, without_key: UnlockError | None = None
    ) -> Unlocked:
        """The recovery key, checked, then stored again (keyring, key file).

        Args:
            key_file: the folder's readable key file, if any.
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
        self._require_recovery_key(key, key_file)
        mode = self._store(key, self._new_passphrase_unless_keyring())
        logger.info("database key restored from the recovery key (%s)", mode.value)
        return Unlocked(key, mode)

    def _require_recovery_key(self, key: DatabaseKey, key_file: KeyFile | None) -> None:
        """Refuse a recovery key that is not this folder's, before anything is written.

        The database decides when there is one: the key file may be missing, or be the
        wrong folder's, and must not make the right key look wrong (or a wrong key look
        right). Without a database (or a way to open it), the key file's check decides.
        """
        if self._opens_database is not None and database_exists(self._db_path):
            if self._opens_database(key):
                return
            logger.warning("recovery key does not open the database")
            raise UnlockError(
                f"That recovery key does not open {self._db_path}: it belongs to another "
                "data folder, or a character is wrong. Nothing was changed. Use the recovery "
                "key printed when this data folder was set up."
            )
        if key_file is None:
            raise UnlockError(
                f"There is no database and no readable key file in {self._db_path.parent} "
                "to check that recovery key against; nothing was changed. Check that this "
                "is the right data folder (--data-dir or THERAPY_NOTES_DATA_DIR)."
            )
        self._require_check(key, key_file)

    def _require_check(self, key: DatabaseKey, key_file: KeyFile) -> None:
        if not hmac.compare_digest(key_check(key), key_file.check):
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
            self._keyring.set(self._keyring_name(check), key.raw.hex())
            KeyFile(KeyMode.KEYRING, check).write(self._key_path)
            return KeyMode.KEYRING
        KeyFile(KeyMode.PASSPHRASE, check, wrap_key(key, passphrase, n=self._scrypt_n)).write(
            self._key_path
        )
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


# --- the terminal ------------------------------------------------------------------------


class TerminalPrompt:
    """`KeyPrompt` for the command line: asks only when stdin is a terminal."""

    def __init__(
        self,
        *,
        stdin: TextIO | None = None,
        stderr: TextIO | None = None,
        ask: Callable[[str], str] = getpass.getpass,
    ) -> None:
        self._stdin = stdin or sys.stdin
        self._stderr = stderr or sys.stderr
        self._ask = ask

    def _is_interactive(self) -> bool:
        try:
            return self._stdin.isatty()
        except (ValueError, AttributeError):
            return False

    def passphrase(self, *, is_new: bool) -> str | None:
        """The passphrase; a new one is asked again until it is long enough and repeated.

        A new one is checked here, before any key exists, so a refused passphrase never
        costs a recovery key that was already shown.
        """
        if not self._is_interactive():
            return None
        try:
            if not is_new:
                return self._ask("Therapy Notes passphrase: ")
            return self._new_passphrase()
        except EOFError:  # Ctrl-D: nobody answers
            return None

    def _new_passphrase(self) -> str:
        for _ in range(NEW_PASSPHRASE_TRIES):
            first = self._ask(
                "Choose a passphrase for the Therapy Notes database (at least "
                f"{MIN_PASSPHRASE_CHARS} characters): "
            )
            if len(first) < MIN_PASSPHRASE_CHARS:
                self._say(
                    f"That passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} "
                    "characters (a few unrelated words are easy to remember and hard "
                    "to guess). Try again."
                )
                continue
            if self._ask("Type it again: ") != first:
                self._say("The two passphrases differ. Try again.")
                continue
            return first
        raise UnlockError(
            f"No passphrase was chosen in {NEW_PASSPHRASE_TRIES} tries (too short, or the two "
            "passphrases differ); no key was made and nothing was saved. Start Therapy Notes "
            "again to choose one."
        )

    def _say(self, text: str) -> None:
        self._stderr.write(text + "\n")
        self._stderr.flush()

    def recovery_key(self) -> str | None:
        if not self._is_interactive():
            return None
        return self._ask("Recovery key (printed when the data folder was set up): ")

    def show_recovery_key(self, recovery_key: str) -> None:
        self._stderr.write(
            "\nTherapy Notes made a new encryption key for its database.\n"
            "RECOVERY KEY (shown only this once; print it or store it safely, away from this "
            "computer):\n\n"
            f"    {recovery_key}\n\n"
            "It opens the database and its backups if the password store or passphrase is "
            f"lost: set {RECOVERY_KEY_ENV} to it, or type it when asked.\n\n"
        )
        self._stderr.flush()


# --- the clinic database's password --------------------------------------------------------


def database_password(url: str, *, from_env: str | None, keyring: SecretStore) -> str | None:
    """The password for a clinic's PostgreSQL URL: the environment, else the OS keyring.

    `from_env` is THERAPY_NOTES_DATABASE_PASSWORD as the composition root read it. None
    means neither has one: libpq then still reads PGPASSWORD and ~/.pgpass itself, and a
    URL that carries its own password uses that.
    """
    if from_env:
        return from_env
    return keyring.get(server_database(url).keyring_name) or None


def store_database_password(url: str, password: str, *, keyring: SecretStore) -> str:
    """Keep the role's password in the OS keyring for this URL; the entry's name.

    Raises:
        UnlockError: there is no secure keyring on this computer, or it refused.
    """
    if not keyring.is_usable():
        raise UnlockError(
            "This computer has no secure password store (keyring), so the database "
            f"password cannot be kept. Set {DATABASE_PASSWORD_ENV} or PGPASSWORD instead."
        )
    name = server_database(url).keyring_name
    keyring.set(name, password)
    return name
