"""The one keyring adapter, on the `keyring` package's own backends and a small real one.

What it must get right: a backend that only pretends (fail, null, keyrings.alt) is not
usable, so no secret is left there; the package's errors come out as `SecretStoreError`
that says whether there is no keyring at all or one that refused; and every entry is
kept under the app's one service name, for the database key as for the API key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from tests.fakes.keyring_backend import MemoryKeyringBackend
from tests.unlocked import TEST_PASSPHRASE
from therapy_notes.domain.key_record import KeyMode
from therapy_notes.domain.key_wrap import PASSPHRASE_ENV
from therapy_notes.errors import UnlockError
from therapy_notes.services.keys import KeyService, NoPrompt
from therapy_notes.storage.key_file import KeyFile
from therapy_notes.system_keyring import (
    KEYRING_SERVICE,
    SecretStoreError,
    SystemKeyring,
    is_secure_backend,
)


class LockedBackend(MemoryKeyringBackend):
    """A keyring that is there but locked (the user dismissed its unlock prompt)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def use_backend() -> Iterator[Callable[[Any], Any]]:
    previous = keyring.get_keyring()

    def use(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(previous)


def test_obfuscating_keyring_backends_count_as_none() -> None:
    assert not is_secure_backend(keyring.backends.fail.Keyring())
    assert not is_secure_backend(keyring.backends.null.Keyring())

    class Chainer:
        backends = (keyring.backends.null.Keyring(),)

    Chainer.__name__ = "ChainerBackend"
    assert not is_secure_backend(Chainer())

    class SecretService:
        priority = 5

    assert is_secure_backend(SecretService())


def test_entries_round_trip_under_the_app_service_name(use_backend: Callable[[Any], Any]) -> None:
    backend = use_backend(MemoryKeyringBackend())
    store = SystemKeyring()
    assert store.is_usable()
    assert store.get("openai-api-key") is None
    store.set("openai-api-key", "sk-test-1234")
    store.set("openai-api-key", "sk-test-5678")  # replaced, not added
    assert store.get("openai-api-key") == "sk-test-5678"
    assert backend.passwords == {(KEYRING_SERVICE, "openai-api-key"): "sk-test-5678"}
    store.delete("openai-api-key")
    store.delete("openai-api-key")  # nothing left to delete is not an error
    assert store.get("openai-api-key") is None
    assert backend.passwords == {}


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()], ids=str
)
def test_a_backend_that_only_pretends_is_not_usable(
    backend: keyring.backend.KeyringBackend, use_backend: Callable[[Any], Any]
) -> None:
    use_backend(backend)
    assert not SystemKeyring().is_usable()


def test_no_keyring_at_all_is_an_error_that_says_so(use_backend: Callable[[Any], Any]) -> None:
    use_backend(keyring.backends.fail.Keyring())
    store = SystemKeyring()
    for call in (lambda: store.get("x"), lambda: store.set("x", "secret-value")):
        with pytest.raises(SecretStoreError) as caught:
            call()
        assert caught.value.is_missing
        assert caught.value.reason == "NoKeyringError"
        assert "no usable password store" in str(caught.value)
        assert "secret-value" not in str(caught.value)
        assert isinstance(caught.value.__cause__, keyring.errors.NoKeyringError)


def test_a_locked_keyring_is_a_refusal_not_a_missing_keyring(
    use_backend: Callable[[Any], Any],
) -> None:
    use_backend(LockedBackend())
    store = SystemKeyring()
    assert store.is_usable()  # it is a real keyring, only locked right now
    with pytest.raises(SecretStoreError) as caught:
        store.set("openai-api-key", "sk-test-1234")
    assert not caught.value.is_missing
    assert caught.value.reason == "KeyringLocked"
    assert "Unlock it and try again" in str(caught.value)


def test_the_key_service_keeps_the_database_key_in_the_same_keyring(
    use_backend: Callable[[Any], Any], tmp_path: Path
) -> None:
    backend = use_backend(MemoryKeyringBackend())
    db_path = tmp_path / "therapy_notes.db"

    class Shown(NoPrompt):
        def show_recovery_key(self, recovery_key: str) -> None:
            pass

    def service() -> KeyService:
        return KeyService(
            db_path,
            key_file=KeyFile(db_path),
            keyring=SystemKeyring(),
            prompt=Shown(),
            env={PASSPHRASE_ENV: TEST_PASSPHRASE},  # not used: the keyring is usable
            scrypt_n=2**10,
        )

    made = service().unlock()
    assert made.mode is KeyMode.KEYRING
    ((service_name, entry), stored) = next(iter(backend.passwords.items()))
    assert service_name == KEYRING_SERVICE
    assert entry.startswith("database-key-")
    assert stored == made.key.raw.hex()
    assert service().unlock().key == made.key


@pytest.mark.expected_log(
    "therapy_notes.services.keys", "WARNING", match=r"^keyring write failed: KeyringLocked$"
)
def test_a_refused_database_key_leaves_no_key_file_and_says_unlock_it(
    use_backend: Callable[[Any], Any], tmp_path: Path
) -> None:
    use_backend(LockedBackend())
    db_path = tmp_path / "therapy_notes.db"
    service = KeyService(
        db_path, key_file=KeyFile(db_path), keyring=SystemKeyring(), prompt=NoPrompt(), env={}
    )
    with pytest.raises(UnlockError, match="refused to save the database key"):
        service.unlock()
    assert not KeyFile(db_path).exists()
