"""The clinic database URL in Settings: shown, edited and saved as text, nothing more."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from tests.ui.conftest import MemoryKeyring
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.dialogs.settings_dialog import SettingsDialog
from therapy_notes.ui.settings_store import ApiKeyStore, SettingsStore, UiSettings

URL = "postgresql+psycopg://notes@db.clinic.lan/therapy_notes?sslmode=verify-full"


def test_the_database_url_round_trips_through_the_dialog_and_the_store(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    qtbot: Any,
) -> None:
    store = SettingsStore(tmp_path / "settings.ini")
    store.save(UiSettings(database_url=URL))
    controller = SettingsController(store, ApiKeyStore(), None)

    async def make() -> SettingsDialog:
        made = SettingsDialog(controller, template_names=("soap",))
        await controller.wait_idle()
        return made

    dialog = run(make())
    qtbot.addWidget(dialog)
    try:
        assert dialog.database_url.text() == URL
        assert dialog.database_url.accessibleName() == "Clinic database URL"
        dialog.database_url.setText("  ")
        assert dialog.values().database_url == ""  # empty: this computer's own database
        dialog.database_url.setText(URL.replace("db.", "db2."))
        store.save(dialog.values())
        assert SettingsStore(tmp_path / "settings.ini").load().database_url == URL.replace(
            "db.", "db2."
        )
    finally:
        dialog.close()
        run(controller.shutdown())
