"""The OS keyring (macOS Keychain, Windows Credential Locker, Secret Service).

This is the one module that uses the `keyring` package. Every secret the app keeps
outside its files lives here under one service name, each under its own entry: the
database key, a clinic database's password (through `services.ports.SecretStore`), the
cloud API key and the clinic engine token (through `ui.settings_store.ApiKeyStore`).
Backends that only obfuscate a file (keyrings.alt) or store nothing (fail, null) are
not usable, so a secret is never left somewhere that merely looks safe. The package's
exceptions become `SecretStoreError` here, so no caller sees a library type. `keyring`
is imported on first use: the command line shows its splash before it loads.
"""

from __future__ import annotations

import logging
from typing import Any

from therapy_notes.errors import UserFacingError

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "TherapyNotes"
"""The service name every entry of the app is kept under."""

_INSECURE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class SecretStoreError(UserFacingError):
    """The keyring could not be read or written: none is installed, it is locked, or refused."""

    def __init__(self, message: str, *, reason: str, is_missing: bool) -> None:
        super().__init__(message)
        self.reason = reason
        """The keyring package's exception class name (safe to log: it holds no secret)."""
        self.is_missing = is_missing
        """True when there is no keyring backend at all (rather than one that refused)."""


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
    """Named secrets in the OS keyring; calls may block (a locked keyring prompts)."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    def is_usable(self) -> bool:
        """True only for a backend that really protects secrets (see `is_secure_backend`)."""
        import keyring

        try:
            return is_secure_backend(keyring.get_keyring())
        except Exception as exc:  # noqa: BLE001  # a broken backend is no backend
            logger.warning("keyring unavailable: %s", type(exc).__name__)
            return False

    def get(self, name: str) -> str | None:
        """The secret stored as `name`, or None when there is none.

        Raises:
            SecretStoreError: the keyring could not be read.
        """
        import keyring
        import keyring.errors

        try:
            return keyring.get_password(self._service, name)
        except keyring.errors.KeyringError as exc:
            raise _store_error(exc) from exc

    def set(self, name: str, value: str) -> None:
        """Store `value` as `name`, replacing what was there.

        Raises:
            SecretStoreError: the keyring refused to store it.
        """
        import keyring
        import keyring.errors

        try:
            keyring.set_password(self._service, name, value)
        except keyring.errors.KeyringError as exc:
            raise _store_error(exc) from exc

    def delete(self, name: str) -> None:
        """Forget the secret stored as `name`; nothing to do when there is none.

        Raises:
            SecretStoreError: the keyring could not be changed.
        """
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(self._service, name)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise _store_error(exc) from exc


def _store_error(exc: Exception) -> SecretStoreError:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        return SecretStoreError(
            "This computer has no usable password store (keyring).",
            reason=type(exc).__name__,
            is_missing=True,
        )
    return SecretStoreError(
        "The password store (keyring) refused the request. Unlock it and try again.",
        reason=type(exc).__name__,
        is_missing=False,
    )
