"""Database URLs: what kind they are, and how they are shown without their secret."""

from __future__ import annotations

import re

import pytest

from therapy_notes.domain.database_url import (
    HIDDEN,
    DatabaseUrlError,
    check_url,
    has_password,
    is_server_url,
    redact_urls_in,
    redacted,
    server_database,
)

URL = "postgresql+psycopg://notes@db.clinic.lan:6432/therapy_notes?sslmode=verify-full"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, URL),
        (
            "postgresql+psycopg://notes:p%40ss:word@db/tn",
            f"postgresql+psycopg://notes:{HIDDEN}@db/tn",
        ),
        (
            "postgresql+psycopg://notes@db/tn?password=hunter2&sslmode=require",
            f"postgresql+psycopg://notes@db/tn?password={HIDDEN}&sslmode=require",
        ),
        (
            "postgresql+psycopg://notes@db/tn?sslpassword=keypw",
            f"postgresql+psycopg://notes@db/tn?sslpassword={HIDDEN}",
        ),
        ("sqlite:////home/ana/notes.db", "sqlite:////home/ana/notes.db"),
    ],
)
def test_redacted_hides_every_password(url: str, shown: str) -> None:
    assert redacted(url) == shown


def test_urls_inside_text_are_redacted() -> None:
    text = "connect postgresql+psycopg://a:topsecret@h/db failed; retry postgres://b:x2@h/d."
    out = redact_urls_in(text)
    assert "topsecret" not in out
    assert "x2@" not in out
    assert out.startswith("connect postgresql+psycopg://a:***@h/db failed")


def test_parts_of_a_server_url_and_its_keyring_entry() -> None:
    server = server_database(URL)
    assert (server.user, server.host, server.port, server.database) == (
        "notes",
        "db.clinic.lan",
        6432,
        "therapy_notes",
    )
    assert server.keyring_name == "database:notes@db.clinic.lan:6432/therapy_notes"
    assert server.label == "therapy_notes on db.clinic.lan:6432"
    assert is_server_url(URL)
    assert not is_server_url("sqlite:///x.db")
    assert has_password("postgresql+psycopg://notes:pw@db/tn")
    assert not has_password(URL)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://notes:pw@db/tn", "must start with postgresql+psycopg://"),
        ("mysql://notes@db/tn", "is not a PostgreSQL URL"),
        ("postgresql+psycopg://notes@db", "names no database"),
    ],
)
def test_urls_this_app_cannot_open_say_what_to_write(url: str, says: str) -> None:
    with pytest.raises(DatabaseUrlError, match=re.escape(says)) as err:
        check_url(url)
    assert "pw@" not in str(err.value)
