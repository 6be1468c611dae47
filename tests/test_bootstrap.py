"""The window and the command line open the same database and sign with the same key."""

from __future__ import annotations

from pathlib import Path

import pytest

from therapy_notes.bootstrap import configured_signing_key, open_configured_database
from therapy_notes.config import AppConfig
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.patients import Patient
from therapy_notes.errors import UnlockError


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
def test_the_folder_database_opens_encrypted_and_signs_with_its_own_key(tmp_path: Path) -> None:
    config = AppConfig(data_dir=tmp_path)
    key = DatabaseKey.generate()
    database = open_configured_database(config, key)
    try:
        with database.uow_factory() as uow:
            uow.patients.add(Patient("Rae Okafor", identifier="MRN-1"))
    finally:
        database.close()
    assert config.db_path.exists()
    with pytest.raises(UnlockError):
        open_configured_database(config, DatabaseKey.generate()).close()
    same = configured_signing_key(config, key)
    assert same.mac(b"note") == configured_signing_key(config, key).mac(b"note")
    assert same.mac(b"note") != configured_signing_key(config, DatabaseKey.generate()).mac(b"note")
