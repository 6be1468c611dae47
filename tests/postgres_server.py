"""A throwaway PostgreSQL cluster for the tests: real server, temporary folder, free port.

`initdb` refuses to run as root, so under root the cluster is made and run as an
unprivileged account (`nobody`, or THERAPY_NOTES_POSTGRES_USER) through `runuser`. The
server listens on 127.0.0.1 (password logins, as a clinic's desktops use) and on a Unix
socket inside the temporary folder (the tests' administrator, trusted). Every test gets a
fresh database copied from a migrated template, so tests never see each other's rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import ipaddress
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from psycopg import sql

REQUIRE_ENV = "THERAPY_NOTES_REQUIRE_POSTGRES"
"""Set to 1 (CI does) to turn "no PostgreSQL here" from a skip into a failure."""
RUN_AS_ENV = "THERAPY_NOTES_POSTGRES_USER"
BIN_ENV = "THERAPY_NOTES_POSTGRES_BIN"
"""A folder holding initdb and pg_ctl, to use instead of looking for them."""
APP_ROLE = "clinic_app"
TEMPLATE = "tn_template"


class PostgresUnavailableError(Exception):
    """No server could be started here; the message says why."""


def find_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl: $THERAPY_NOTES_POSTGRES_BIN, else PATH,
    /usr/local/bin, then Debian's layout (/usr/lib/postgresql/N/bin, newest first)."""
    chosen = os.environ.get(BIN_ENV)
    candidates = [Path(chosen)] if chosen else _default_bin_dirs()
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresUnavailableError(
        "initdb/pg_ctl not found (install PostgreSQL: apt-get install postgresql)"
    )


def _default_bin_dirs() -> list[Path]:
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    candidates.append(Path("/usr/local/bin"))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return candidates


def write_certificate(cert_path: Path, key_path: Path, common_name: str) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost, as a clinic's CA would issue."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running cluster; `database()` makes a fresh, migrated database for one test."""

    root: Path
    bin_dir: Path
    port: int
    run_as: str | None
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def ca_file(self) -> Path:
        """The certificate the server presents (self-signed: it is its own CA)."""
        return self.root / "server-ca.pem"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    def start(self, *, fsync: bool = False) -> None:
        """initdb and start; `fsync=False` for tests (the benchmark keeps it on)."""
        pwfile = self.root / "superuser.pw"
        pwfile.write_text(self.password + "\n")
        if self.run_as is not None:
            shutil.chown(pwfile, self.run_as)
        made = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
        )
        pwfile.unlink()
        if made.returncode != 0:
            raise PostgresUnavailableError(f"initdb failed: {made.stderr.strip()[-400:]}")
        # TLS as a clinic's server has it: clients may check it with sslmode=verify-full.
        cert, key = self.data_dir / "server.crt", self.data_dir / "server.key"
        write_certificate(cert, key, "clinic database test")
        shutil.copyfile(cert, self.ca_file)
        if self.run_as is not None:
            shutil.chown(cert, self.run_as)
            shutil.chown(key, self.run_as)
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            f"-c fsync={'on' if fsync else 'off'} -c max_connections=60 -c ssl=on"
        )
        started = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.root / "log"), "-w",
            "start",
        )  # fmt: skip
        if started.returncode != 0:
            log = (self.root / "log").read_text(errors="replace")[-400:]
            raise PostgresUnavailableError(f"pg_ctl start failed: {started.stderr.strip()} {log}")
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(APP_ROLE), sql.Literal(self.password)
                )
            )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    @contextlib.contextmanager
    def admin(self, dbname: str = "postgres") -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """A superuser connection over the Unix socket (autocommit, for DDL)."""
        conn = psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=dbname,
            autocommit=True,
        )  # fmt: skip
        try:
            yield conn
        finally:
            conn.close()

    def url(self, dbname: str, *, user: str = APP_ROLE) -> str:
        """The app's URL for `dbname`: TCP to 127.0.0.1, no password in it."""
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{dbname}"

    def empty_database(self, name: str | None = None) -> str:
        """A new database owned by the app role, with no tables; its name."""
        name = name or f"tn_{os.getpid()}_{next(self._counter)}"
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                    sql.Identifier(name), sql.Identifier(APP_ROLE)
                )
            )
        return name

    def migrated_database(self) -> str:
        """A new database at the newest schema (copied from a template migrated once)."""
        with self.admin() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)
            ).fetchone()
        if exists is None:
            from therapy_notes.storage.database import upgrade_server

            self.empty_database(TEMPLATE)
            upgrade_server(self.url(TEMPLATE), password=self.password)
        name = f"tn_{os.getpid()}_{next(self._counter)}"
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(APP_ROLE), sql.Identifier(TEMPLATE)
                )
            )
        return name

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _run_as() -> str | None:
    """Who runs the cluster: ourselves, or (under root) an unprivileged account."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd  # POSIX only, like running as root

    user = os.environ.get(RUN_AS_ENV, "nobody")
    try:
        pwd.getpwnam(user)
    except KeyError as exc:
        raise PostgresUnavailableError(f"running as root and there is no user {user!r}") from exc
    if shutil.which("runuser") is None:
        raise PostgresUnavailableError("running as root and runuser is missing")
    return user


def start_server(*, fsync: bool = False) -> PostgresServer:
    """A started cluster in a new temporary folder (raises `PostgresUnavailableError`)."""
    bin_dir = find_bin_dir()
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="tn-pg-"))
    if run_as is not None:
        shutil.chown(root, run_as)
    root.chmod(0o700)
    server = PostgresServer(root, bin_dir, free_port(), run_as)
    try:
        server.start(fsync=fsync)
    except BaseException:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


def remove_server(server: PostgresServer) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
