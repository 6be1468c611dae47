"""The app's settings: non-secret values in an INI file, the API key in the OS keyring.

The INI file lives in the data folder (not the platform registry) so a clinic can copy a
configured machine and tests never touch a real user's settings. The API key never touches
a file: only the OS keyring holds it, and the window shows its last four characters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from therapy_notes.domain import defaults
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.domain.usage import Prices
from therapy_notes.errors import UserFacingError
from therapy_notes.system_keyring import KEYRING_SERVICE, SecretStoreError, SystemKeyring

_log = logging.getLogger(__name__)

KEYRING_USER = "openai-api-key"
KEYRING_ENGINE_TOKEN_USER = "engine-token"
"""The clinic engine's token: a secret like the API key, so it too lives in the keyring."""


@dataclass(frozen=True, slots=True)
class UiSettings:
    """Everything the Settings dialog edits, except the API key."""

    engine: EngineChoice = EngineChoice.LOCAL
    custom_url: str = ""
    engine_ca: str = ""
    """A PEM file of the clinic engine's certificate authority; "" trusts the system's."""
    model: str = defaults.CLOUD_MODEL
    reasoning_effort: str = defaults.REASONING_EFFORT
    max_output_tokens: int = defaults.MAX_OUTPUT_TOKENS
    token_cap: int = defaults.TOKEN_CAP
    prices: Prices = field(default_factory=Prices)
    input_device: str = ""
    """Device name; empty means the system default."""
    data_dir: str = ""
    database_url: str = ""
    """A clinic's shared PostgreSQL database (postgresql+psycopg://...); "" keeps this
    computer's encrypted file. Never its password: that is in the keyring or environment.
    Used from the next start; --database-url or THERAPY_NOTES_DATABASE_URL override it."""
    keep_audio: bool = False
    template: str = defaults.TEMPLATE
    lock_after_min: int = defaults.LOCK_AFTER_MIN
    """Minutes without keyboard or mouse input before the window locks."""

    def __post_init__(self) -> None:
        if not isinstance(self.engine, EngineChoice):
            raise ValueError(f"engine must be one of {', '.join(EngineChoice)}")
        if self.reasoning_effort not in defaults.REASONING_EFFORTS:
            efforts = ", ".join(defaults.REASONING_EFFORTS)
            raise ValueError(f"reasoning effort must be one of {efforts}")
        if self.lock_after_min <= 0:
            raise ValueError("the auto-lock time must be at least one minute")
        if self.max_output_tokens <= 0 or self.token_cap <= 0:
            raise ValueError("max output tokens and the token cap must be positive")

    @property
    def is_cloud(self) -> bool:
        return self.engine.is_cloud


class SettingsStore:
    """Reads and writes `UiSettings` and window layout in one INI file."""

    def __init__(self, ini_path: Path) -> None:
        self._settings = QSettings(str(ini_path), QSettings.Format.IniFormat)

    def load(self, defaults: UiSettings | None = None) -> UiSettings:
        """Stored values over `defaults`; a value that no longer parses falls back."""
        base = defaults or UiSettings()
        try:
            values: dict[str, Any] = {}
            for f in fields(UiSettings):
                if f.name == "prices":
                    continue
                raw = self._settings.value(f"settings/{f.name}")
                if raw is None:
                    continue
                values[f.name] = _coerce(raw, getattr(base, f.name))
            price_values: dict[str, Any] = {}
            for f in fields(Prices):
                raw = self._settings.value(f"prices/{f.name}")
                if raw is not None:
                    price_values[f.name] = _coerce(raw, getattr(base.prices, f.name))
            return replace(base, prices=replace(base.prices, **price_values), **values)
        except (TypeError, ValueError):
            _log.warning("stored settings were invalid; using defaults")
            return base

    def save(self, settings: UiSettings) -> None:
        for f in fields(UiSettings):
            if f.name != "prices":
                self._settings.setValue(f"settings/{f.name}", getattr(settings, f.name))
        for f in fields(Prices):
            self._settings.setValue(f"prices/{f.name}", getattr(settings.prices, f.name))
        self._settings.sync()

    def layout(self, key: str) -> QByteArray | None:
        """Saved window geometry or splitter state, if any."""
        value = self._settings.value(f"layout/{key}")
        return value if isinstance(value, QByteArray) else None

    def save_layout(self, key: str, state: QByteArray) -> None:
        self._settings.setValue(f"layout/{key}", state)
        self._settings.sync()

    def colour_scheme(self) -> str:
        """The chosen colour scheme: "system", "light" or "dark".

        Kept apart from `UiSettings`, whose saving restarts the engine.
        """
        value = self._settings.value("view/colour_scheme")
        return str(value) if value is not None else "system"

    def save_colour_scheme(self, scheme: str) -> None:
        self._settings.setValue("view/colour_scheme", scheme)
        self._settings.sync()


def _coerce(raw: object, like: object) -> object:
    """INI files store text; turn it back into the type of the default."""
    if isinstance(like, bool):
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
    if isinstance(like, EngineChoice):
        return EngineChoice(str(raw))  # ValueError for a choice that no longer exists
    if isinstance(like, int):
        return int(str(raw))
    if isinstance(like, float):
        return float(str(raw))
    return str(raw)


NO_KEYRING_MESSAGE = (
    "This computer has no usable password store (keyring), so the API key cannot be saved "
    "safely. On Linux, install and unlock a Secret Service provider such as GNOME Keyring "
    "or KWallet, then try again. The local engine works without a key."
)


class ApiKeyStore:
    """The cloud API key (or another secret) in the OS keyring, as the settings need it.

    On `system_keyring.SystemKeyring`, the one keyring adapter; here only what the
    Settings dialog adds: a blank key deletes the stored one, and a missing or refusing
    keyring becomes a message that says the local engine works without a key. Calls may
    block, so run them off the UI thread.
    """

    def __init__(self, service: str = KEYRING_SERVICE, username: str = KEYRING_USER) -> None:
        self._keyring = SystemKeyring(service)
        self._username = username

    def get(self) -> str | None:
        """The stored key, or None when there is none.

        Raises:
            UserFacingError: there is no usable keyring backend.
        """
        try:
            return self._keyring.get(self._username)
        except SecretStoreError as exc:
            raise _keyring_error(exc) from exc

    def set(self, key: str) -> None:
        """Store `key` (a blank key deletes the stored one)."""
        try:
            if key.strip():
                self._keyring.set(self._username, key.strip())
            else:
                self.clear()
        except SecretStoreError as exc:
            raise _keyring_error(exc) from exc

    def clear(self) -> None:
        try:
            self._keyring.delete(self._username)
        except SecretStoreError as exc:
            raise _keyring_error(exc) from exc


def masked(key: str | None) -> str:
    """How a stored key is shown: only its last four characters."""
    if not key:
        return ""
    return "•" * 8 + key[-4:]


def _keyring_error(exc: SecretStoreError) -> UserFacingError:
    _log.warning("keyring unavailable: %s", exc.reason)
    if exc.is_missing:
        return UserFacingError(NO_KEYRING_MESSAGE)
    return UserFacingError(
        "The password store (keyring) refused the request. Unlock it and try again; "
        "the local engine works without a key."
    )
