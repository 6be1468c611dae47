"""The clinic engine's token and CA file in Settings: token in the keyring, CA path in the INI."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from tests.ui.conftest import MemoryKeyring, wait_for_signal
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.dialogs.settings_dialog import SettingsDialog
from therapy_notes.ui.settings_store import (
    KEYRING_ENGINE_TOKEN_USER,
    KEYRING_SERVICE,
    ApiKeyStore,
    SettingsStore,
)


def test_engine_token_is_kept_in_the_keyring_not_the_ini(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
) -> None:
    ini = tmp_path / "settings.ini"
    controller = SettingsController(SettingsStore(ini), ApiKeyStore(), None)

    async def scenario() -> SettingsDialog:
        dialog = SettingsDialog(controller)
        assert not dialog.engine_token.isEnabled()  # local engine: nothing to fill in
        dialog.engine.setCurrentIndex(dialog.engine.findData(EngineChoice.CUSTOM))
        assert dialog.engine_token.isEnabled()
        assert dialog.engine_ca.isEnabled()
        dialog.custom_url.setText("wss://engine.clinic.example:8765/v1")
        dialog.engine_token.setText("  clinic-token-room-7  ")
        dialog.engine_ca.setText("clinic-ca.pem")
        controller.save(dialog.values(), dialog.new_api_key(), dialog.new_engine_token())
        await wait_for_signal(controller.settings_saved)
        await controller.wait_idle()
        assert await controller.engine_token() == "clinic-token-room-7"
        dialog.engine.setCurrentIndex(dialog.engine.findData(EngineChoice.LOCAL))
        assert not dialog.engine_token.isEnabled()
        await controller.shutdown()
        return dialog

    dialog = run(scenario())
    assert memory_keyring.passwords[(KEYRING_SERVICE, KEYRING_ENGINE_TOKEN_USER)] == (
        "clinic-token-room-7"
    )
    assert "clinic-token" not in ini.read_text()
    reloaded = SettingsStore(ini).load()
    assert (reloaded.engine, reloaded.engine_ca) == (EngineChoice.CUSTOM, "clinic-ca.pem")
    dialog.close()
