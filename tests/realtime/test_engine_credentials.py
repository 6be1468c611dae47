"""The OpenAI key never reaches a host that is not OpenAI's; a clinic engine gets its token.

A loopback server records every handshake's headers and refuses it (401), so the test sees
exactly what the app's real link sent, through the official SDK, to a non-OpenAI URL.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.speech import FIXTURES
from therapy_notes.app import local_engine_opener
from therapy_notes.cli import JsonLinesOutput, transcribe
from therapy_notes.config import CLOUD_URL, AppConfig
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.errors import UserFacingError
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.settings_store import UiSettings

OPENAI_KEY = "sk-canary-0123456789-must-never-leave-for-a-stranger"
ENGINE_TOKEN = "clinic-engine-token-for-room-7"


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[Headers]]]:
    """A loopback "engine" that records handshake headers and answers 401."""
    seen: list[Headers] = []

    def process_request(connection: ServerConnection, request: Request) -> Response:
        seen.append(request.headers)
        return connection.respond(401, "no\n")

    async with serve(
        lambda _ws: _never(), "127.0.0.1", 0, process_request=process_request
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"WS://127.0.0.1:{port}/v1", seen


async def _never() -> None:
    raise AssertionError("the recorder refuses every handshake")


def _all_header_text(seen: list[Headers]) -> str:
    return "\n".join(f"{k}: {v}" for headers in seen for k, v in headers.raw_items())


async def test_transcribe_sends_the_engine_token_and_never_the_openai_key(
    recorder: tuple[str, list[Headers]],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, seen = recorder
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("TEST_ENGINE_TOKEN", ENGINE_TOKEN)
    config = AppConfig(data_dir=data_dir, engine_url=url, engine_token_env="TEST_ENGINE_TOKEN")
    with contextlib.suppress(UserFacingError):  # the 401 ends the run as an AuthError
        await transcribe(
            config,
            FIXTURES[0].path,
            patient_id=None,
            realtime=False,
            out=JsonLinesOutput(io.StringIO()),
        )
    assert seen, "the link reached the recorder"
    assert {h["Authorization"] for h in seen} == {f"Bearer {ENGINE_TOKEN}"}
    assert OPENAI_KEY not in _all_header_text(seen)


async def test_without_an_engine_token_nothing_secret_is_sent(
    recorder: tuple[str, list[Headers]],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, seen = recorder
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)  # the SDK's own fallback must not fire
    monkeypatch.delenv("TEST_ENGINE_TOKEN", raising=False)
    config = AppConfig(data_dir=data_dir, engine_url=url, engine_token_env="TEST_ENGINE_TOKEN")
    with contextlib.suppress(UserFacingError):
        await transcribe(
            config,
            FIXTURES[0].path,
            patient_id=None,
            realtime=False,
            out=JsonLinesOutput(io.StringIO()),
        )
    assert seen
    assert OPENAI_KEY not in _all_header_text(seen)
    assert "TEST_ENGINE_TOKEN is not set" in capsys.readouterr().err


class _FakeSettings:
    """The part of `SettingsController` the engine opener reads, counting secret reads."""

    def __init__(self, settings: UiSettings) -> None:
        self.settings = settings
        self.key_reads = 0
        self.token_reads = 0

    async def api_key(self) -> str | None:
        self.key_reads += 1
        return OPENAI_KEY

    async def engine_token(self) -> str | None:
        self.token_reads += 1
        return ENGINE_TOKEN


async def _endpoint(settings: _FakeSettings, data_dir: Path) -> Any:
    opener = local_engine_opener(AppConfig(data_dir=data_dir))(cast(SettingsController, settings))
    open_engine = cast(Callable[[], contextlib.AbstractAsyncContextManager[Any]], opener)
    async with open_engine() as endpoint:
        return endpoint


@pytest.mark.parametrize(
    "custom_url",
    [
        "WS://127.0.0.1:8765/v1",
        "wss://engine.clinic.example/v1",
        "wss://api.openai.com.clinic.example/v1",
        "ws://api.openai.com/v1",
    ],
)
async def test_window_sends_a_custom_engine_its_token_only(
    custom_url: str,
    data_dir: Path,
) -> None:
    settings = _FakeSettings(
        UiSettings(engine=EngineChoice.CUSTOM, custom_url=custom_url, engine_ca="clinic-ca.pem")
    )
    endpoint = await _endpoint(settings, data_dir)
    assert endpoint.api_key == ENGINE_TOKEN
    assert endpoint.ca_file == "clinic-ca.pem"
    assert settings.key_reads == 0  # the OpenAI key is not even read from the keyring


async def test_window_sends_openai_the_key(data_dir: Path) -> None:
    settings = _FakeSettings(UiSettings(engine=EngineChoice.OPENAI))
    endpoint = await _endpoint(settings, data_dir)
    assert (endpoint.url, endpoint.api_key, settings.token_reads) == (CLOUD_URL, OPENAI_KEY, 0)
