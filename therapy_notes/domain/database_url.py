"""Database URLs: which kind of database a URL names, and how to show one without its secret.

A clinic points every desktop at one PostgreSQL server with a URL such as
`postgresql+psycopg://notes@db.clinic.lan/therapy_notes?sslmode=verify-full`. The password
belongs in the environment or the OS keyring, but a URL may still carry one
(`user:secret@host`), so every place that prints, logs or raises a URL shows `redacted()`
instead: the password (and any `password=` query value) becomes `***`. Parsing uses
`urllib.parse`, so this stays pure and the window can check a URL typed in Settings
without loading a database driver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

DATABASE_URL_ENV = "THERAPY_NOTES_DATABASE_URL"
DATABASE_PASSWORD_ENV = "THERAPY_NOTES_DATABASE_PASSWORD"
POSTGRES_SCHEME = "postgresql+psycopg"
HIDDEN = "***"
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s'\"<>]+", re.IGNORECASE)


class DatabaseUrlError(ValueError):
    """A database URL this app cannot use; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class ServerDatabase:
    """The parts of a PostgreSQL URL that name the database, without any secret."""

    user: str
    host: str
    port: int | None
    database: str

    @property
    def keyring_name(self) -> str:
        """The OS keyring entry holding this role's password: one per role, server, database."""
        port = f":{self.port}" if self.port else ""
        return f"database:{self.user}@{self.host}{port}/{self.database}"

    @property
    def label(self) -> str:
        """How messages name it: "therapy_notes on db.clinic.lan:5432"."""
        port = f":{self.port}" if self.port else ""
        return f"{self.database} on {self.host or 'the local socket'}{port}"


def is_server_url(url: str) -> bool:
    """True for a PostgreSQL URL (a clinic's shared database), False for SQLite."""
    return urlsplit(url.strip()).scheme.lower().startswith("postgresql")


def check_url(url: str) -> str:
    """`url` stripped, if it is one this app opens; otherwise a `DatabaseUrlError` saying why.

    Only psycopg 3 is installed, so a bare `postgresql://` or `postgres://` URL (which
    SQLAlchemy would hand to psycopg2) is refused with the spelling that works.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme.startswith("sqlite"):
        return url
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        raise DatabaseUrlError(
            f"The database URL {redacted(url)} must start with {POSTGRES_SCHEME}:// "
            "(PostgreSQL through psycopg 3), e.g. "
            f"{POSTGRES_SCHEME}://notes@db.clinic.lan/therapy_notes?sslmode=verify-full."
        )
    if scheme != POSTGRES_SCHEME:
        raise DatabaseUrlError(
            f"The database URL {redacted(url)} is not a PostgreSQL URL. Use "
            f"{POSTGRES_SCHEME}://USER@HOST/DATABASE, or leave it out to keep the local database."
        )
    if not parts.path.strip("/"):
        raise DatabaseUrlError(
            f"The database URL {redacted(url)} names no database: add /DATABASE after the host."
        )
    return url


def server_database(url: str) -> ServerDatabase:
    """User, host, port and database name of a PostgreSQL URL (no password)."""
    parts = urlsplit(url.strip())
    query = dict(parse_qsl(parts.query))
    try:
        port = parts.port
    except ValueError as exc:
        raise DatabaseUrlError(f"The database URL {redacted(url)} has an invalid port.") from exc
    return ServerDatabase(
        user=unquote(parts.username or "") or query.get("user", ""),
        host=parts.hostname or query.get("host", ""),
        port=port,
        database=unquote(parts.path.lstrip("/")),
    )


def has_password(url: str) -> bool:
    """True when the URL itself carries a password (discouraged: it ends up in shell history)."""
    parts = urlsplit(url.strip())
    query = {k.lower() for k, _ in parse_qsl(parts.query)}
    return parts.password is not None or "password" in query


def redacted(url: str) -> str:
    """`url` with its password and any secret query value shown as `***`."""
    try:
        parts = urlsplit(url.strip())
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostinfo = netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{HIDDEN}@{hostinfo}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k.lower() in _SECRET_QUERY_KEYS for k, _ in pairs):
                query = urlencode(
                    [(k, HIDDEN if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs],
                    safe="*/",
                    quote_via=quote,
                )
        if (netloc, query) == (parts.netloc, parts.query):
            return url.strip()  # nothing secret: as typed (urlunsplit would respell it)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return HIDDEN  # unparseable: show nothing of it rather than risk the secret


def redact_urls_in(text: str) -> str:
    """Every URL found in free text (an exception message, a log line) `redacted()`."""
    return _URL_IN_TEXT.sub(lambda match: redacted(match.group(0)), text)
