"""Kept audio: chunks in order, per session, encrypted with the rest of the database."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.storage.database import open_database


def test_audio_chunks_round_trip_in_order_and_stay_encrypted(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    database = open_database(db_path, DatabaseKey.generate())
    first, second = os.urandom(48_000), os.urandom(24_000)
    try:
        with database.uow_factory() as uow:
            session = uow.sessions.start(None, "soap", "local", datetime.now(UTC))
            other = uow.sessions.start(None, "soap", "local", datetime.now(UTC))
            uow.audio.add(session.id, 1000, second)
            uow.audio.add(session.id, 0, first)
            uow.audio.add(other.id, 0, b"\x01\x02" * 480)
        with database.uow_factory() as uow:
            assert uow.audio.read(session.id) == first + second
            assert uow.audio.duration_ms(session.id) == 1500
            assert uow.audio.duration_ms(other.id) == 20
    finally:
        database.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(db_path.name))
    assert first[:64] not in raw
    assert second[:64] not in raw
