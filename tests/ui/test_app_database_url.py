"""Which database the window opens: --database-url or the environment, else Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from therapy_notes.app import SETTINGS_FILE, resolve_data_dir
from therapy_notes.config import AppConfig
from therapy_notes.errors import UserFacingError
from therapy_notes.ui.settings_store import SettingsStore, UiSettings

FROM_SETTINGS = "postgresql+psycopg://notes@db.clinic.lan/therapy_notes?sslmode=verify-full"
FROM_COMMAND_LINE = "postgresql+psycopg://notes@db2.clinic.lan/therapy_notes"


def _settings(data_dir: Path, database_url: str) -> None:
    SettingsStore(data_dir / SETTINGS_FILE).save(UiSettings(database_url=database_url))


def test_the_settings_url_is_used_when_nothing_else_names_one(data_dir: Path) -> None:
    assert resolve_data_dir(AppConfig(data_dir=data_dir)).database_url is None
    _settings(data_dir, f"  {FROM_SETTINGS} ")
    config = resolve_data_dir(AppConfig(data_dir=data_dir))
    assert config.database_url == FROM_SETTINGS
    assert config.is_shared_database


def test_the_command_line_wins_over_settings(data_dir: Path) -> None:
    _settings(data_dir, FROM_SETTINGS)
    config = resolve_data_dir(AppConfig(data_dir=data_dir, database_url=FROM_COMMAND_LINE))
    assert config.database_url == FROM_COMMAND_LINE


def test_a_url_in_settings_that_cannot_be_opened_says_where_to_correct_it(
    data_dir: Path,
) -> None:
    _settings(data_dir, "postgresql://notes:hunter2@db/tn")
    with pytest.raises(UserFacingError, match="database_url") as err:
        resolve_data_dir(AppConfig(data_dir=data_dir))
    assert "postgresql+psycopg://" in str(err.value)
    assert "hunter2" not in str(err.value)
