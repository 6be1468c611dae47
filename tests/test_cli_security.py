"""The command line keeps sessions encrypted: real runs, real files, wrong passphrases."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.speech import LONG_SESSION
from tests.storage.test_encryption import digests_of
from tests.unlocked import TEST_PASSPHRASE, folder_key, open_unlocked
from therapy_notes.cli import main
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV, decode_recovery_key
from therapy_notes.storage.database import open_database
from therapy_notes.storage.encryption import FileState, file_state

RECOVERY_KEY = re.compile(r"[A-Z2-7]{5}(?:-[A-Z2-7]{1,5}){5,}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _raw(data_dir: Path) -> bytes:
    """Every byte of the database and its WAL files, lowercased for searching."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("therapy_notes.db*"))).lower()


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], str]:
    """A data folder after a real `therapy-notes transcribe` (passphrase mode, no keyring)."""
    data_dir = tmp_path_factory.mktemp("clinic")
    env = {
        **os.environ,
        "THERAPY_NOTES_DATA_DIR": str(data_dir),
        "THERAPY_NOTES_PASSPHRASE": TEST_PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    env.pop(RECOVERY_KEY_ENV, None)
    run = subprocess.run(
        [sys.executable, "-m", "therapy_notes", "transcribe", str(LONG_SESSION.path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    texts = [
        str(e["text"]) for e in map(json.loads, run.stdout.splitlines()) if e["type"] == "segment"
    ]
    return data_dir, texts, run.stderr


def test_transcribed_session_is_unreadable_in_the_files(
    transcribed: tuple[Path, list[str], str],
) -> None:
    data_dir, texts, stderr = transcribed
    assert len(texts) >= 3
    assert "store it safely" in stderr
    assert len(RECOVERY_KEY.findall(stderr)) == 1
    db_path = data_dir / "therapy_notes.db"
    assert file_state(db_path) is FileState.ENCRYPTED
    raw = _raw(data_dir)
    heard = {w.lower() for t in texts for w in re.findall(r"[A-Za-z]{7,}", t)}
    spoken = {w.lower() for w in re.findall(r"[A-Za-z]{7,}", LONG_SESSION.text)}
    assert len(heard) >= 10
    leaked = sorted(w for w in heard | spoken if w.encode() in raw)
    assert not leaked
    assert not any(t.lower().encode() in raw for t in texts)
    key_file = (data_dir / "therapy_notes.key").read_text()
    assert TEST_PASSPHRASE not in key_file
    db = open_unlocked(db_path)  # and the right passphrase opens it all
    try:
        with db.uow_factory() as uow:
            session = uow.sessions.get(1)  # the folder's first and only session
            stored = [s.text for s in uow.segments.for_session(session.id)]
        assert stored == texts
    finally:
        db.close()


@pytest.mark.expected_log("therapy_notes.services.keys", "WARNING", match=r"^passphrase rejected$")
def test_wrong_passphrase_is_a_clear_error_and_changes_nothing(
    transcribed: tuple[Path, list[str], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = transcribed[0]
    files = {p.name: _sha256(p) for p in data_dir.iterdir() if p.is_file()}
    monkeypatch.setenv("THERAPY_NOTES_PASSPHRASE", "not the passphrase")
    for argv in (
        ["transcribe", str(LONG_SESSION.path)],
        ["backup", str(data_dir / "b.bak")],
        ["encrypt"],
    ):
        assert main(["--data-dir", str(data_dir), *argv]) == 1
        err = capsys.readouterr().err
        assert "passphrase is wrong" in err
        assert "Traceback" not in err
    assert {p.name: _sha256(p) for p in data_dir.iterdir() if p.is_file()} == files
    assert "passphrase rejected" in caplog.messages


def test_backup_then_restore_into_an_empty_folder_via_the_command_line(
    transcribed: tuple[Path, list[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir, _texts, stderr = transcribed
    backup = tmp_path / "usb" / "clinic.tnbackup"
    assert main(["--data-dir", str(data_dir), "backup", str(backup)]) == 0
    assert "Backup of" in capsys.readouterr().err

    empty = tmp_path / "new-laptop"
    assert main(["--data-dir", str(empty), "restore", str(backup)]) == 1
    assert "recovery key" in capsys.readouterr().err
    assert not (empty / "therapy_notes.db").exists()

    monkeypatch.setenv(RECOVERY_KEY_ENV, RECOVERY_KEY.findall(stderr)[0])
    assert main(["--data-dir", str(empty), "restore", str(backup)]) == 0
    monkeypatch.delenv(RECOVERY_KEY_ENV)
    key = folder_key(data_dir / "therapy_notes.db")
    assert folder_key(empty / "therapy_notes.db") == key  # the same recovery key opens both
    assert key == decode_recovery_key(RECOVERY_KEY.findall(stderr)[0])
    assert digests_of(empty / "therapy_notes.db", key) == digests_of(
        data_dir / "therapy_notes.db", key
    )


def test_encrypt_command_migrates_a_plain_database(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = data_dir / "therapy_notes.db"
    db = open_database(db_path)  # as a version without encryption left it
    with db.uow_factory() as uow:
        uow.patients.add(Patient("Wendeline Abernathy", identifier="MRN-90210"))
    db.close()
    plain = digests_of(db_path, None)
    assert main(["--data-dir", str(data_dir), "encrypt"]) == 0
    err = capsys.readouterr().err
    assert "is encrypted" in err
    assert "store it safely" in err
    assert file_state(db_path) is FileState.ENCRYPTED
    assert b"wendeline" not in _raw(data_dir)
    assert digests_of(db_path, folder_key(db_path)) == plain
