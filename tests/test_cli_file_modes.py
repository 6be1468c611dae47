"""Nothing the app writes is readable by another account: a real session, backup and export."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_config import local_engine_config
from tests.speech import FIXTURES
from therapy_notes.cli import TextOutput, export_note, main, transcribe, unlock_key
from therapy_notes.domain.export_formats import ExportFormat
from therapy_notes.engine.server import LocalEngine
from therapy_notes.logging_setup import configure_logging


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask (files 0644, folders 0755), so modes cannot come from it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


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


def _modes(folder: Path) -> dict[str, int]:
    """Every file and folder under `folder` (itself included), with its permission bits."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


@pytest.mark.skipif(os.name != "posix", reason="Windows: the profile folder restricts access")
@pytest.mark.usefixtures("open_umask", "restore_logging")
async def test_session_backup_and_export_files_are_private(
    local_engine: LocalEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data_dir = tmp_path / "clinic" / "data"  # neither level exists yet
    configure_logging(data_dir / "logs")
    logging.getLogger("therapy_notes.test").info("a line, so the log file exists")
    config = local_engine_config(data_dir, local_engine, monkeypatch)
    key = unlock_key(config)
    code = await transcribe(
        config,
        FIXTURES[0].path,
        patient_id=None,
        realtime=False,
        out=TextOutput(io.StringIO()),
        db_key=key,
    )
    assert code == 0
    backup = tmp_path / "backups" / "monday.tnbackup"
    assert main(["--data-dir", str(data_dir), "backup", str(backup)]) == 0
    exports = tmp_path / "exports"
    exports.mkdir()
    stale = exports / "note.md"
    stale.write_text("an older export, world-readable")
    stale.chmod(0o644)
    assert await export_note(config, 1, ExportFormat.MARKDOWN, stale, db_key=key) == 0
    assert await export_note(config, 1, ExportFormat.FHIR, exports / "note.json", db_key=key) == 0

    modes = _modes(data_dir)
    assert {"therapy_notes.db", "therapy_notes.key", "logs", "logs/therapy_notes.log"} <= set(modes)
    folders = {name for name in modes if (data_dir / name).is_dir()}
    assert {name: m for name, m in modes.items() if name in folders} == dict.fromkeys(
        folders, 0o700
    )
    assert {name: m for name, m in modes.items() if name not in folders} == dict.fromkeys(
        set(modes) - folders, 0o600
    )
    assert stat.S_IMODE((tmp_path / "clinic").stat().st_mode) == 0o700
    assert _modes(backup.parent) == {".": 0o700, "monday.tnbackup": 0o600}
    assert {name: m for name, m in _modes(exports).items() if name != "."} == {
        "note.md": 0o600,
        "note.json": 0o600,
    }
    assert "an older export" not in stale.read_text()
