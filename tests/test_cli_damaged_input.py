"""The command line on damaged inputs: a recording a crashed recorder left behind."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest

from tests.local_config import local_engine_config
from tests.speech import FIXTURES
from therapy_notes.cli import JsonLinesOutput, transcribe
from therapy_notes.engine.server import LocalEngine


def _crashed_recording(source: Path, target: Path) -> Path:
    """`source` with RIFF and data sizes of 0, as a recorder killed mid-session leaves it."""
    raw = bytearray(source.read_bytes())
    raw[4:8] = struct.pack("<I", 0)
    data_at = raw.index(b"data")
    raw[data_at + 4 : data_at + 8] = struct.pack("<I", 0)
    target.write_bytes(bytes(raw))
    return target


async def test_transcribe_reads_a_zero_size_recording_and_warns(
    local_engine: LocalEngine, data_dir: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    wav = _crashed_recording(FIXTURES[0].path, tmp_path / "crashed.wav")
    out = io.StringIO()
    config = local_engine_config(data_dir, local_engine, monkeypatch)
    code = await transcribe(config, wav, patient_id=None, realtime=False,
                            out=JsonLinesOutput(out))
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
