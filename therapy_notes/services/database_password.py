"""The password of a clinic's shared PostgreSQL database: the environment, else the keyring.

A role's password never goes into the database URL or a settings file: the composition
root reads THERAPY_NOTES_DATABASE_PASSWORD, and `therapy-notes db password` keeps it in
the OS keyring (`SecretStore`), one entry per role, server and database. It is a use case
of its own, beside the database key's (`services.keys`), on the same keyring port.
"""

from __future__ import annotations

import logging

from therapy_notes.domain.database_url import DATABASE_PASSWORD_ENV, server_database
from therapy_notes.errors import UnlockError, UserFacingError
from therapy_notes.services.ports import SecretStore

logger = logging.getLogger(__name__)


def database_password(url: str, *, from_env: str | None, keyring: SecretStore) -> str | None:
    """The password for a clinic's PostgreSQL URL: the environment, else the OS keyring.

    `from_env` is THERAPY_NOTES_DATABASE_PASSWORD as the composition root read it. None
    means neither has one: libpq then still reads PGPASSWORD and ~/.pgpass itself, and a
    URL that carries its own password uses that. A keyring that cannot be read counts as
    one without the password.
    """
    if from_env:
        return from_env
    try:
        return keyring.get(server_database(url).keyring_name) or None
    except UserFacingError as exc:
        logger.warning("keyring read failed: %s", type(exc.__cause__ or exc).__name__)
        return None


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
    try:
        keyring.set(name, password)
    except UserFacingError as exc:
        logger.warning("keyring write failed: %s", type(exc.__cause__ or exc).__name__)
        raise UnlockError(
            "The password store (keyring) refused to save the database "
            "key. Unlock it and try again."
        ) from exc
    return name
