"""A real `keyring` backend that keeps its entries in a dict, for tests.

The app's keyring adapter is exercised through the `keyring` package itself, so tests set
this backend instead of faking our own code; it forgets everything when the test ends.
"""

from __future__ import annotations

import keyring.backend
import keyring.errors


class MemoryKeyringBackend(keyring.backend.KeyringBackend):
    """Entries in a dict; deleting one that is not there fails as a real keyring does."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")
