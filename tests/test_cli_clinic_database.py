"""The command line on a clinic's PostgreSQL database: upgrade, open, and every bad input.

Each failure must say what happened and what to do, and no password may reach a message
or the log, whether it came from the environment or was typed into the URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import keyring.backend
import pytest

from tests.fakes.keyring_backend import MemoryKeyringBackend
from tests.postgres_server import PostgresServer, free_port, write_certificate
from therapy_notes.cli import main
from therapy_notes.domain.database_url import server_database
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.patients import Patient
from therapy_notes.storage.database import head_revision, open_url
from therapy_notes.storage.signatures import CLINIC_SECRET_FILE

WRONG = "Wr0ng-s3cret-x"


@pytest.fixture
def empty_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.empty_database()
    yield postgres_server.url(name)
    postgres_server.drop(name)


@pytest.fixture
def password(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("THERAPY_NOTES_DATABASE_PASSWORD", postgres_server.password)
    return postgres_server.password


def _log_text(data_dir: Path) -> str:
    logs = data_dir / "logs"
    return (
        "".join(p.read_text(errors="replace") for p in logs.glob("*.log*")) if logs.exists() else ""
    )


def test_db_upgrade_migrates_once_and_makes_the_signing_secret(
    empty_url: str, password: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data_dir), "db", "upgrade", "--database-url", empty_url]) == 0
    err = capsys.readouterr().err
    assert f"upgraded from empty to revision {head_revision()}" in err
    assert CLINIC_SECRET_FILE in err
    secret = data_dir / CLINIC_SECRET_FILE
    assert secret.stat().st_mode & 0o777 == 0o600
    first_secret = secret.read_bytes()
    # Again: nothing to do, the same secret.
    assert main(["--database-url", empty_url, "--data-dir", str(data_dir), "db", "upgrade"]) == 0
    err = capsys.readouterr().err
    assert f"already at revision {head_revision()}" in err
    assert CLINIC_SECRET_FILE not in err
    assert secret.read_bytes() == first_secret
    assert password not in _log_text(data_dir)


def test_a_desktop_refuses_a_database_that_was_never_migrated(
    empty_url: str, password: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", empty_url]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "has no Therapy Notes tables yet" in err
    assert "therapy-notes db upgrade --database-url" in err


def test_a_desktop_refuses_an_older_schema_and_names_both_revisions(
    empty_url: str, postgres_server: PostgresServer, password: str
) -> None:
    from alembic import command

    from therapy_notes.errors import StorageError
    from therapy_notes.storage.database import _alembic_config
    from therapy_notes.storage.postgres import create_server_engine

    engine = create_server_engine(empty_url, password)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0005")
    engine.dispose()
    with pytest.raises(StorageError, match="is at revision 0005, older") as err:
        open_url(empty_url, password=password)
    assert head_revision() in str(err.value)


def test_export_from_the_clinic_database_named_by_the_environment(
    postgres_url: str,
    password: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = open_url(postgres_url, password=password)
    try:
        with database.uow_factory() as uow:
            patient = uow.patients.add(Patient("Noor Haddad", identifier="MRN-12"))
            assert patient.id is not None
            session = uow.sessions.start(patient.id, "soap", "local", datetime.now(UTC))
            uow.notes.add_entry(
                session.id, NoteEntry("subjective", "Reports less pain.", EntrySource.MODEL)
            )
    finally:
        database.close()
    monkeypatch.setenv("THERAPY_NOTES_DATABASE_URL", postgres_url)
    # Without the clinic signing secret a desktop says where to get it.
    args = ["--data-dir", str(data_dir), "export", str(session.id), "--format", "fhir", "-o", "-"]
    assert main(args) == 1
    assert "no clinic signing secret" in capsys.readouterr().err
    assert not (data_dir / "therapy_notes.db").exists()  # and made no local database
    assert main(["--data-dir", str(data_dir), "db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["resourceType"] == "DocumentReference"
    assert not (data_dir / "therapy_notes.db").exists()


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_AUTH "
)
def test_a_wrong_password_is_said_and_never_shown(
    postgres_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("THERAPY_NOTES_DATABASE_PASSWORD", WRONG)
    code = main(
        ["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", postgres_url]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "refused the user name or password" in err
    assert WRONG not in err
    assert WRONG not in _log_text(data_dir)


@pytest.mark.expected_log(
    "therapy_notes.storage.postgres",
    "WARNING",
    match=r"^the database URL carries a password \(postgresql\+psycopg://clinic_app:\*\*\*@",
)
@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_AUTH "
)
def test_a_password_typed_into_the_url_is_redacted_everywhere(
    postgres_url: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres_url.replace("clinic_app@", f"clinic_app:{WRONG}@")
    code = main(
        ["--data-dir", str(data_dir), "--verbose", "export", "1", "-o", "-", "--database-url", url]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "refused the user name or password" in captured.err
    assert WRONG not in captured.err + captured.out
    log = _log_text(data_dir)
    assert "carries a password" in log
    assert WRONG not in log


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_UNREACHABLE "
)
def test_an_unreachable_server_is_said(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://clinic_app@127.0.0.1:{free_port()}/therapy_notes"
    code = main(["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot be reached" in err
    assert "host and port" in err


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_TLS "
)
def test_tls_settings_in_the_url_reach_the_driver(
    postgres_url: str, password: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # verify-full with a CA file that is not there fails as a certificate problem, which
    # only happens if sslmode/sslrootcert reached libpq.
    url = f"{postgres_url}?sslmode=verify-full&sslrootcert={data_dir / 'missing-ca.pem'}"
    code = main(["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert "secure connection" in err
    assert "certificate" in err


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_NO_DATABASE "
)
def test_a_database_that_does_not_exist_is_said(
    postgres_server: PostgresServer,
    password: str,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = postgres_server.url("no_such_database")
    code = main(["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert "does not exist on that server" in err


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://clinic_app@db/notes",
        "postgres://clinic_app@db/notes",
        "mysql://clinic_app@db/notes",
        "postgresql+psycopg://clinic_app@db",
    ],
)
def test_a_url_this_app_cannot_open_is_a_usage_error(
    url: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", url]) == 2
    assert "postgresql+psycopg://" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["backup", "copy.tnbak"], ["restore", "copy.tnbak"], ["encrypt"]]
)
def test_file_commands_point_to_pg_dump_on_a_clinic_database(
    command: list[str], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://clinic_app@db.clinic.lan/therapy_notes"
    assert main(["--data-dir", str(data_dir), "--database-url", url, *command]) == 1
    assert "pg_dump" in capsys.readouterr().err
    assert list(data_dir.iterdir()) in ([], [data_dir / "logs"])


def test_verify_full_against_the_clinic_ca_connects_over_tls(
    postgres_url: str, postgres_server: PostgresServer, password: str
) -> None:
    url = f"{postgres_url}?sslmode=verify-full&sslrootcert={postgres_server.ca_file}"
    database = open_url(url, password=password)
    try:
        with database.engine.connect() as connection:
            is_tls = connection.exec_driver_sql(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            ).scalar_one()
    finally:
        database.close()
    assert is_tls is True


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_TLS "
)
def test_a_server_certificate_from_another_ca_is_refused(
    postgres_url: str, password: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_ca = data_dir / "other-ca.pem"
    write_certificate(other_ca, data_dir / "other-ca.key", "someone else")
    url = f"{postgres_url}?sslmode=verify-full&sslrootcert={other_ca}"
    code = main(["--data-dir", str(data_dir), "export", "1", "-o", "-", "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert "certificate was not trusted" in err


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_PERMISSION "
)
def test_a_role_without_privileges_is_told_to_ask_for_them(
    postgres_url: str, postgres_server: PostgresServer
) -> None:
    from psycopg import sql

    from therapy_notes.errors import StorageError

    with postgres_server.admin() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier("front_desk"), sql.Literal("fd-pass-123")
            )
        )
    try:
        url = postgres_url.replace("clinic_app@", "front_desk@")
        with pytest.raises(StorageError, match="grant the Therapy Notes role its privileges"):
            open_url(url, password="fd-pass-123")
    finally:
        with postgres_server.admin() as conn:
            conn.execute("DROP ROLE front_desk")


@pytest.mark.expected_log(
    "therapy_notes.storage.errors", "WARNING", match=r"^database server failure PG_GONE "
)
def test_a_dropped_connection_is_said_and_the_next_unit_of_work_reconnects(
    postgres_url: str, postgres_server: PostgresServer, password: str
) -> None:
    from therapy_notes.errors import StorageError

    database = open_url(postgres_url, password=password)
    try:
        with (  # noqa: PT012 - the failure is the statement after the drop
            pytest.raises(StorageError, match="was lost") as err,
            database.uow_factory() as uow,
        ):
            uow.patients.list()
            with postgres_server.admin() as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE usename = 'clinic_app'"
                )
            uow.patients.add(Patient("Ivy Chen"))
        assert "Everything saved before this point is safe." in str(err.value)
        with database.uow_factory() as uow:  # the pool replaces the dead connection
            assert uow.patients.list() == []
    finally:
        database.close()


def test_db_password_keeps_it_in_the_keyring_and_commands_then_use_it(
    empty_url: str,
    postgres_server: PostgresServer,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend = MemoryKeyringBackend()
    keyring.set_keyring(backend)  # the autouse fixture puts the previous one back
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": postgres_server.password)
    args = ["--data-dir", str(data_dir), "--database-url", empty_url]
    assert main([*args, "db", "password"]) == 0
    name = server_database(empty_url).keyring_name  # database:clinic_app@127.0.0.1:PORT/DB
    assert backend.passwords == {("TherapyNotes", name): postgres_server.password}
    assert postgres_server.password not in capsys.readouterr().err
    # No password in the environment: the keyring's is used.
    assert main([*args, "db", "upgrade"]) == 0
    assert "upgraded from empty" in capsys.readouterr().err


def test_db_password_without_a_secure_keyring_says_what_to_use_instead(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": "typed-secret-1")
    url = "postgresql+psycopg://clinic_app@db.clinic.lan/therapy_notes"
    assert main(["--data-dir", str(data_dir), "--database-url", url, "db", "password"]) == 1
    err = capsys.readouterr().err
    assert "THERAPY_NOTES_DATABASE_PASSWORD" in err
    assert "typed-secret-1" not in err


def test_db_upgrade_without_a_url_upgrades_this_computers_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data_dir), "db", "upgrade"]) == 0
    assert "is up to date" in capsys.readouterr().err
    assert (data_dir / "therapy_notes.db").is_file()
    assert not (data_dir / CLINIC_SECRET_FILE).exists()
