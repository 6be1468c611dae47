"""The commands that look after the database itself, not the notes in it.

`db upgrade`, `db password`, `backup`, `restore` and `encrypt` are run now and then by
whoever keeps a desktop or a clinic's server, not during a session, so they sit apart from
the commands that make and export notes.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from therapy_notes.bootstrap import server_password
from therapy_notes.cli.database_access import key_service, unlock_key
from therapy_notes.cli.exit_codes import EXIT_OK
from therapy_notes.config import AppConfig
from therapy_notes.domain.database_url import DATABASE_URL_ENV, redacted
from therapy_notes.errors import UserFacingError
from therapy_notes.services.database_password import store_database_password
from therapy_notes.system_keyring import SystemKeyring


def run_db_command(command: str, config: AppConfig) -> int:
    """`db upgrade` (migrate; the clinic signing secret) and `db password` (keyring)."""
    from therapy_notes.storage.database import open_database, upgrade_server
    from therapy_notes.storage.signatures import CLINIC_SECRET_FILE, clinic_signing_key

    url = config.database_url
    if command == "password":
        if url is None or not config.is_shared_database:
            raise UserFacingError(
                "`db password` is for a clinic's PostgreSQL database: give its "
                f"--database-url (or set {DATABASE_URL_ENV})."
            )
        typed = getpass.getpass(f"Password for {redacted(url)}: ")
        if not typed:
            raise UserFacingError("No password was typed; nothing was stored.")
        name = store_database_password(url, typed, keyring=SystemKeyring())
        sys.stderr.write(f"The password is in this computer's keyring ({name}).\n")
        return EXIT_OK
    if url is None or not config.is_shared_database:
        open_database(config.db_path, unlock_key(config)).close()  # upgrades the file
        sys.stderr.write(f"The database {config.db_path} is up to date.\n")
        return EXIT_OK
    before, after = upgrade_server(url, password=server_password(url))
    secret = config.data_dir / CLINIC_SECRET_FILE
    had_secret = secret.is_file()
    clinic_signing_key(config.data_dir, create=True)
    if before == after:
        sys.stderr.write(f"The clinic database is already at revision {after}.\n")
    else:
        sys.stderr.write(
            f"The clinic database was upgraded from {before or 'empty'} to revision {after}.\n"
        )
    if not had_secret:
        sys.stderr.write(
            f"Made the clinic signing secret {secret}. Copy it into the data folder of every "
            "desktop that uses this database (owner-only); without it a desktop cannot sign "
            "or check signed notes.\n"
        )
    return EXIT_OK


def run_database_command(command: str, config: AppConfig, file: Path | None) -> int:
    """`backup FILE`, `restore FILE` and `encrypt`, on this computer's database file."""
    from therapy_notes.storage.backup import backup_database, opens_with, restore_database
    from therapy_notes.storage.database import open_database

    if config.is_shared_database:
        raise UserFacingError(
            f"`{command}` works on this computer's database file; the clinic's database "
            "lives on its PostgreSQL server, which encrypts it at rest. Back it up there "
            'with pg_dump (README, "Running a clinic").'
        )
    service = key_service(config)
    if command == "restore" and file is not None:
        keys = service.keys_for_restore(lambda key: opens_with(file, key))
        report = restore_database(file, keys.backup_key, config.db_path, keys.folder_key)
        if keys.needs_setup:
            service.set_up(keys.folder_key)
        open_database(config.db_path, keys.folder_key).close()  # newer schema if need be
        sys.stderr.write(
            f"Restored {report.rows} rows in {report.tables} tables into {config.db_path}.\n"
        )
        return EXIT_OK
    if command == "backup" and not config.db_path.is_file():
        raise UserFacingError(f"There is no database at {config.db_path} to back up.")
    key = service.unlock().key
    open_database(config.db_path, key).close()  # encrypts a plain database in place
    if command == "backup" and file is not None:
        report = backup_database(config.db_path, key, file)
        sys.stderr.write(
            f"Backup of {report.rows} rows in {report.tables} tables written to "
            f"{file}; it opens with this data folder's key or its recovery "
            "key.\n"
        )
    else:
        sys.stderr.write(f"The database {config.db_path} is encrypted.\n")
    return EXIT_OK
