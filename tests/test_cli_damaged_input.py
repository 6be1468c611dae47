"""The command line on damaged inputs: a recording a crashed recorder left behind."""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import pytest

from tests.local_config import local_engine_config
from tests.services.test_notes import seed_session
from tests.speech import FIXTURES
from therapy_notes.cli import JsonLinesOutput, main, transcribe, unlock_key
from therapy_notes.config import AppConfig
from therapy_notes.domain.patients import Patient
from therapy_notes.engine.server import LocalEngine
from therapy_notes.storage.database import open_database


def _crashed_recording(source: Path, target: Path) -> Path:
    """`source` with RIFF and data sizes of 0, as a recorder killed mid-session leaves it."""
    raw = bytearray(source.read_bytes())
    raw[4:8] = struct.pack("<I", 0)
    data_at = raw.index(b"data")
    raw[data_at + 4 : data_at + 8] = struct.pack("<I", 0)
    target.write_bytes(bytes(raw))
    return target


async def test_transcribe_reads_a_zero_size_recording_and_warns(
    local_engine: LocalEngine,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wav = _crashed_recording(FIXTURES[0].path, tmp_path / "crashed.wav")
    out = io.StringIO()
    config = local_engine_config(data_dir, local_engine, monkeypatch)
    code = await transcribe(config, wav, patient_id=None, realtime=False, out=JsonLinesOutput(out))
    assert code == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["type"] == "session"
    warnings = [line["message"] for line in lines if line["type"] == "warning"]
    assert any("says it holds no audio" in w for w in warnings)
    segments = [line for line in lines if line["type"] == "segment"]
    assert segments, "the audio after the zero-size header was transcribed"
    err = capsys.readouterr().err
    assert "warning:" in err
    assert "crashed.wav" in err


def _damaged_data_folder(data_dir: Path, tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A data folder with a session and a backup, then 4 KiB of random bytes in the middle."""
    config = AppConfig(data_dir=data_dir)
    seeded = seed_session(config.db_path, lambda path: open_database(path, unlock_key(config)))
    with seeded.db.uow_factory() as uow:
        for i in range(60):
            uow.patients.add(Patient(f"Patient {i} " + "x" * 1500))
    seeded.db.close()
    backup = tmp_path / "backups" / "friday.tnbackup"
    assert main(["--data-dir", str(data_dir), "backup", str(backup)]) == 0
    raw = bytearray(config.db_path.read_bytes())
    middle = len(raw) // 2 // 4096 * 4096
    raw[middle : middle + 4096] = os.urandom(4096)
    config.db_path.write_bytes(bytes(raw))
    return config.db_path, backup, bytes(raw)


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption",
    "WARNING",
    match=r"^database damaged: quick_check found \d+ problems$",
)
@pytest.mark.parametrize("command", ["export", "transcribe"])
def test_a_damaged_database_stops_the_command_and_names_the_last_good_backup(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    db_path, backup, damaged = _damaged_data_folder(data_dir, tmp_path)
    capsys.readouterr()
    if command == "export":
        args = ["export", "1", "--format", "md", "-o", str(tmp_path / "note.md")]
    else:  # the database is checked before any engine is reached (this one does not exist)
        args = ["transcribe", str(FIXTURES[0].path), "--engine-url", "ws://127.0.0.1:9/v1"]
    code = main(["--data-dir", str(data_dir), *args])
    err = capsys.readouterr().err
    assert code == 1
    assert "is damaged" in err
    assert str(backup.resolve()) in err
    assert "Traceback" not in err
    assert db_path.read_bytes() == damaged
    assert not (tmp_path / "note.md").exists()
