"""The installation self-test: the real models, engine, link, service and SQLite file."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from therapy_notes import selftest
from therapy_notes.cli import main
from therapy_notes.engine.asr import bundled_model_dir

PASSED = re.compile(
    r"^self-test passed: model load (?P<load>\d+\.\d) s, transcript WER (?P<wer>\d+)%, "
    r"(?P<segments>\d+) segments, (?P<entries>\d+) note entries, qt (?P<qt>\S+), "
    r"total (?P<total>\d+\.\d) s$"
)


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("she reports mild fatigue", "she reports mild fatigue", 0.0),
        ("she reports mild fatigue", "she report smiled fatigue", 0.5),
        ("she reports mild fatigue", "she reports fatigue", 0.25),
        ("she reports mild fatigue", "so she reports mild fatigue today", 0.5),
        ("She reports: mild, fatigue.", "she REPORTS mild fatigue", 0.0),
        ("the patient's plan", "the patient\u2019s plan", 0.0),
        ("two words", "", 1.0),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, expected: float) -> None:
    assert selftest.word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_word_error_rate_needs_reference_words() -> None:
    with pytest.raises(ValueError, match="no words"):
        selftest.word_error_rate(" ... ", "anything")


@pytest.mark.gui
def test_flag_runs_the_whole_path_and_prints_one_line(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(tmp_path / "data"), "--self-test"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0, lines
    assert len(lines) == 1
    match = PASSED.match(lines[0])
    assert match is not None, lines[0]
    assert int(match["wer"]) <= selftest.MAX_WER * 100
    assert int(match["segments"]) >= 1
    assert int(match["entries"]) >= 1
    assert match["qt"].startswith(f"{QApplication.platformName()}/")
    assert float(match["total"]) >= float(match["load"])
    # The check used a temporary database: the user's data folder holds only logs.
    assert not (tmp_path / "data" / "therapy_notes.db").exists()


def test_corrupt_model_folder_fails_with_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "model"
    broken.mkdir()
    for item in bundled_model_dir().iterdir():
        if item.is_file() and item.name != "model.bin":
            (broken / item.name).write_bytes(item.read_bytes())
    (broken / "model.bin").write_bytes(b"not a CTranslate2 model" * 100)
    out = io.StringIO()

    code = selftest.run(model_dir=broken, with_qt=False, out=out)

    line = out.getvalue()
    assert code == 1
    assert line.count("\n") == 1
    assert line.startswith("self-test FAILED: The speech model in ")
    assert str(broken) in line
    assert "could not be loaded" in line


def test_missing_model_folder_fails_with_the_reason(tmp_path: Path) -> None:
    out = io.StringIO()

    code = selftest.run(model_dir=tmp_path / "nowhere", with_qt=False, out=out)

    assert code == 1
    assert out.getvalue().startswith(
        f"self-test FAILED: The speech model folder {tmp_path / 'nowhere'} does not exist."
    )


def test_a_transcript_unlike_the_reference_fails(tmp_path: Path) -> None:
    out = io.StringIO()
    unrelated = "The quarterly budget review moved to Thursday afternoon in room four."

    code = selftest.run(reference=unrelated, with_qt=False, out=out)

    line = out.getvalue().strip()
    assert code == 1
    match = re.match(r"self-test FAILED: transcript WER (\d+)% is above 35%", line)
    assert match is not None, line
    assert int(match[1]) > 35
    assert re.search(r"\(model load \d+\.\d s, transcript WER \d+%, [1-9]\d* segments", line)
