"""No transcript text, note content, patient names or API keys in logs, ever."""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.speech import LONG_SESSION
from therapy_notes.cli import main
from therapy_notes.domain.patients import Patient
from therapy_notes.logging_setup import REDACTED, RedactingFilter, configure_logging
from therapy_notes.storage.database import open_database


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_redaction_masks_keys_and_registered_words() -> None:
    redaction = RedactingFilter()
    redaction.add_sensitive("Margaret Oyelaran")
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "key %s for margaret: Bearer abcdefgh12345678",
        ("sk-proj-ABCDEFGHIJKLMNOP",),
        None,
    )
    assert redaction.filter(record)
    text = record.getMessage()
    assert "sk-proj" not in text
    assert "abcdefgh12345678" not in text
    assert "margaret" not in text.lower()
    assert text.count(REDACTED) == 3


def test_full_session_log_holds_none_of_the_spoken_words(
    data_dir: Path, restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(data_dir / "therapy_notes.db")
    with database.uow_factory() as uow:
        patient = uow.patients.add(Patient(name="Margaret Oyelaran", identifier="MRN-4471"))
    database.close()
    assert patient.id is not None

    code = main(
        [
            "--data-dir",
            str(data_dir),
            "--verbose",
            "transcribe",
            str(LONG_SESSION.path),
            "--patient",
            str(patient.id),
            "--json",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    log = (data_dir / "logs" / "therapy_notes.log").read_text(encoding="utf-8")
    assert "connection" in log  # the log is real and detailed (debug level)

    spoken = {w.lower() for w in re.findall(r"[A-Za-z]{6,}", LONG_SESSION.text)}
    heard = {
        w.lower()
        for w in re.findall(r'"text": "([^"]*)"', printed)
        for w in re.findall(r"[A-Za-z]{6,}", w)
    }
    assert heard, "the session produced a transcript"
    leaked = sorted(
        w
        for w in spoken | heard | {"margaret", "oyelaran"}
        if re.search(rf"\b{w}\b", log, re.IGNORECASE)
    )
    assert not leaked, f"content words in the log: {leaked}"


def test_configure_logging_twice_keeps_one_file_handler(
    tmp_path: Path, restore_logging: None
) -> None:
    configure_logging(tmp_path)
    configure_logging(tmp_path)
    files = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert len(files) == 1
