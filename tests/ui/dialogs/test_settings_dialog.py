"""Settings in two pages: the clinician's, and Advanced for engine, cost, data and database."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from tests.ui.conftest import MemoryKeyring
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.dialogs.settings_dialog import SettingsDialog, SettingsPage
from therapy_notes.ui.settings_store import ApiKeyStore, SettingsStore, UiSettings

URL = "postgresql+psycopg://notes@db.clinic.lan/therapy_notes?sslmode=verify-full"


@pytest.fixture
def dialog(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    qtbot: Any,
) -> Iterator[SettingsDialog]:
    controller = SettingsController(SettingsStore(tmp_path / "settings.ini"), ApiKeyStore(), None)

    async def make() -> SettingsDialog:
        made = SettingsDialog(controller, template_names=("soap", "dap", "birp"))
        await controller.wait_idle()  # the key hint and device list have loaded
        return made

    dialog = run(make())
    qtbot.addWidget(dialog)
    yield dialog
    dialog.close()
    run(controller.shutdown())


def _page_of(dialog: SettingsDialog, widget: QWidget) -> SettingsPage:
    for page in SettingsPage:
        dialog.show_page(page)
        if dialog.pages.currentWidget().isAncestorOf(widget):
            return page
    raise AssertionError("widget is on no page")


def test_a_clinician_finds_their_settings_on_the_first_page(dialog: SettingsDialog) -> None:
    assert dialog.pages.tabText(0) == "Clinician"
    assert dialog.page is SettingsPage.CLINICIAN
    for widget in (
        dialog.device,
        dialog.test_button,
        dialog.test_meter,
        dialog.template,
        dialog.keep_audio,
        dialog.lock_after,
    ):
        assert _page_of(dialog, widget) is SettingsPage.CLINICIAN


def test_engine_cost_and_data_settings_are_on_the_advanced_page(dialog: SettingsDialog) -> None:
    for widget in (
        dialog.engine,
        dialog.custom_url,
        dialog.engine_token,
        dialog.api_key,
        dialog.model,
        dialog.effort,
        dialog.max_output,
        dialog.token_cap,
        dialog.prices["text_in"],
        dialog.data_dir,
    ):
        assert _page_of(dialog, widget) is SettingsPage.ADVANCED


def test_the_default_template_is_saved_in_lower_case(dialog: SettingsDialog) -> None:
    assert [dialog.template.itemText(i) for i in range(dialog.template.count())] == [
        "SOAP",
        "DAP",
        "BIRP",
    ]
    dialog.template.setCurrentIndex(2)
    assert dialog.values().template == "birp"


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
