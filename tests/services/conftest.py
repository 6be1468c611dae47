"""Fixtures for the note use cases: a seeded session in a SQLCipher-encrypted file.

`encrypted` is the session of `test_notes.seed_session` (a SOAP draft with a transcript, a
measurement and an unacknowledged fall risk) in a database opened with a fresh key, as the
app opens it; `access` is the one `NoteAccess` the review, signing and export services
under test share, on a fixed clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.services.test_notes import Seeded, seed_session
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.signing import SigningKey
from therapy_notes.services.note_access import NoteAccess
from therapy_notes.storage import open_database

NOW = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
"""What the `access` clock says: every audit record and signature is made at this time."""
SIGNING_KEY = SigningKey.from_secret(b"k" * 32)


@pytest.fixture
def encrypted(tmp_path: Path) -> Iterator[Seeded]:
    key = DatabaseKey.generate()
    seeded = seed_session(tmp_path / "therapy_notes.db", lambda path: open_database(path, key))
    yield seeded
    seeded.db.close()


@pytest.fixture
def access(encrypted: Seeded) -> NoteAccess:
    return NoteAccess(encrypted.db.uow_factory, signing_key=SIGNING_KEY, clock=lambda: NOW)
