"""The clinic database's password: the environment first, then the keyring, per role."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backends.fail
import pytest

from tests.unlocked import MemoryKeyring
from therapy_notes.errors import UnlockError
from therapy_notes.services.database_password import database_password, store_database_password
from therapy_notes.system_keyring import SystemKeyring

CLINIC_URL = "postgresql+psycopg://notes@db.clinic.lan/therapy_notes"


def test_the_database_password_comes_from_the_environment_then_the_keyring() -> None:
    keys = MemoryKeyring()
    assert database_password(CLINIC_URL, from_env=None, keyring=keys) is None
    name = store_database_password(CLINIC_URL, "from-keyring", keyring=keys)
    assert name == "database:notes@db.clinic.lan/therapy_notes"
    assert database_password(CLINIC_URL, from_env=None, keyring=keys) == "from-keyring"
    assert database_password(CLINIC_URL, from_env="from-env", keyring=keys) == "from-env"
    other = "postgresql+psycopg://admin@db.clinic.lan/therapy_notes"
    assert database_password(other, from_env=None, keyring=keys) is None  # per role


def test_the_database_password_is_never_kept_in_an_insecure_store() -> None:
    class PlainFile(MemoryKeyring):
        def is_usable(self) -> bool:
            return False

    keys = PlainFile()
    with pytest.raises(UnlockError, match="THERAPY_NOTES_DATABASE_PASSWORD"):
        store_database_password(CLINIC_URL, "pw", keyring=keys)
    assert keys.values == {}


@pytest.fixture
def failing_keyring() -> Iterator[None]:
    """The `keyring` package's own "no backend" keyring: every call raises NoKeyringError."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.mark.expected_log(
    "therapy_notes.services.database_password",
    "WARNING",
    match=r"^keyring read failed: NoKeyringError$",
)
@pytest.mark.usefixtures("failing_keyring")
def test_a_keyring_that_cannot_be_read_counts_as_no_password() -> None:
    # None lets libpq fall back to PGPASSWORD and ~/.pgpass instead of failing the start.
    assert database_password(CLINIC_URL, from_env=None, keyring=SystemKeyring()) is None
    assert database_password(CLINIC_URL, from_env="from-env", keyring=SystemKeyring()) == (
        "from-env"
    )
