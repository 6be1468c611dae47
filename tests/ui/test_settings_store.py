"""Settings round-trip: INI values, the key only in the keyring, a missing keyring explained."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest

from tests.speech import LONG_SESSION
from tests.ui.conftest import MemoryKeyring, wait_for_signal, wait_until
from therapy_notes.app import AppParts
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.domain.usage import Prices
from therapy_notes.errors import UserFacingError
from therapy_notes.ui.settings_store import (
    NO_KEYRING_MESSAGE,
    ApiKeyStore,
    SettingsStore,
    UiSettings,
    masked,
)


def test_settings_survive_a_restart(tmp_path: Path, qapp: Any) -> None:
    path = tmp_path / "settings.ini"
    chosen = UiSettings(
        engine=EngineChoice.OPENAI,
        model="gpt-realtime-2",
        reasoning_effort="high",
        max_output_tokens=400,
        token_cap=12_345,
        prices=replace(Prices(), audio_in=40.5),
        input_device="USB Mic",
        data_dir=str(tmp_path / "elsewhere"),
        keep_audio=True,
        template="dap",
    )
    SettingsStore(path).save(chosen)
    assert SettingsStore(path).load() == chosen
    assert "sk-" not in path.read_text()


@pytest.mark.expected_log(
    "therapy_notes.ui.settings_store",
    "WARNING",
    match=r"^stored settings were invalid; using defaults$",
)
def test_a_damaged_value_falls_back_to_defaults(
    tmp_path: Path, qapp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.ini"
    path.write_text("[settings]\nreasoning_effort=enormous\n")
    assert SettingsStore(path).load() == UiSettings()
    assert "invalid" in caplog.text


def test_key_lives_in_the_keyring_and_shows_last_four(memory_keyring: MemoryKeyring) -> None:
    store = ApiKeyStore()
    store.set("sk-test-abcdefgh1234")
    assert store.get() == "sk-test-abcdefgh1234"
    assert list(memory_keyring.passwords.values()) == ["sk-test-abcdefgh1234"]
    assert masked(store.get()).endswith("1234")
    assert "abcdefgh" not in masked(store.get())
    store.set("")
    assert store.get() is None


class _NoKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("none")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("none")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("none")


@pytest.mark.expected_log(
    "therapy_notes.ui.settings_store", "WARNING", match=r"^keyring unavailable: NoKeyringError$"
)
def test_no_keyring_backend_is_explained(caplog: pytest.LogCaptureFixture) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(_NoKeyring())
    try:
        with pytest.raises(UserFacingError) as caught:
            ApiKeyStore().set("sk-test-abcdefgh1234")
    finally:
        keyring.set_keyring(previous)
    assert str(caught.value) == NO_KEYRING_MESSAGE
    assert "sk-test" not in caplog.text


def test_settings_dialog_round_trip(
    run: Callable[..., Any],
    make_app: Callable[..., Awaitable[AppParts]],
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        parts = await make_app(LONG_SESSION.path)
        window = parts.window
        window.show()
        window.open_settings()
        dialog = window.settings_dialog
        assert dialog is not None
        await wait_until(lambda: dialog.device.count() == 2, what="devices listed")
        assert dialog.device.itemText(1) == "Test WAV input"
        dialog.engine.setCurrentIndex(1)
        dialog.api_key.setText("sk-test-abcdefgh9876")
        dialog.effort.setCurrentText("xhigh")
        dialog.token_cap.setValue(5_000)
        dialog.max_output.setValue(300)
        dialog.device.setCurrentIndex(1)
        dialog.keep_audio.setChecked(True)
        dialog.lock_after.setValue(9)
        dialog.accept()
        saved = (await wait_for_signal(parts.settings.settings_saved))[0]
        assert parts.lock.lock_after_s == 9 * 60
        await parts.settings.wait_idle()
        assert saved.engine == EngineChoice.OPENAI
        assert saved.reasoning_effort == "xhigh"
        assert parts.settings.settings.reasoning_effort == "xhigh"  # used by the next session
        assert (
            memory_keyring.passwords[("TherapyNotes", "openai-api-key")] == "sk-test-abcdefgh9876"
        )
        ini = (tmp_path / "data" / "settings.ini").read_text()
        assert "abcdefgh9876" not in ini
        # Reopened, the dialog shows the stored values and only the key's last four.
        window.open_settings()
        again = window.settings_dialog
        assert again is not None
        await wait_until(lambda: "9876" in again.api_key.placeholderText(), what="key hint")
        assert "abcdefgh" not in again.api_key.placeholderText()
        assert again.api_key.text() == ""
        assert again.token_cap.value() == 5_000
        assert again.max_output.value() == 300
        assert again.device.currentText() == "Test WAV input"
        assert again.keep_audio.isChecked()
        assert again.lock_after.value() == 9
        again.reject()
        window.close()
        await parts.shutdown()
        assert SettingsStore(tmp_path / "data" / "settings.ini").load() == saved

    run(scenario())


@pytest.mark.expected_log(
    "therapy_notes.ui.settings_store",
    "WARNING",
    match=r"^stored settings were invalid; using defaults$",
)
@pytest.mark.parametrize("line", ["engine=warp-drive", "token_cap=lots"])
def test_an_unknown_engine_or_a_damaged_number_falls_back_instead_of_failing(
    tmp_path: Path, qapp: Any, line: str
) -> None:
    path = tmp_path / "settings.ini"
    path.write_text(f"[settings]\n{line}\n")
    assert SettingsStore(path).load() == UiSettings()


def test_the_engine_choice_is_stored_as_its_name(tmp_path: Path, qapp: Any) -> None:
    path = tmp_path / "settings.ini"
    SettingsStore(path).save(UiSettings(engine=EngineChoice.CUSTOM, custom_url="wss://x/v1"))
    assert "engine=custom" in path.read_text()
    loaded = SettingsStore(path).load()
    assert loaded.engine is EngineChoice.CUSTOM
    assert loaded.is_cloud
