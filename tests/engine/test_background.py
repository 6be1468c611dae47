"""The engine on its own thread: serves the real protocol, stops cleanly, reports failures."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import websockets

from therapy_notes.engine.background import BackgroundEngine
from therapy_notes.engine.turns import EngineModels


async def test_serves_on_its_own_thread_and_frees_the_port(
    engine_models: EngineModels,
) -> None:
    engine = BackgroundEngine(engine_models)
    await engine.start()
    ui_loop = asyncio.get_running_loop()
    try:
        async with websockets.connect(
            f"{engine.url}/realtime?model=gpt-realtime-2",
            additional_headers={"Authorization": f"Bearer {engine.token}"},
        ) as ws:
            first = json.loads(await ws.recv())
        assert first["type"] == "session.created"
        assert engine._loop is not ui_loop
    finally:
        port = engine.port
        await engine.stop()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        probe.bind(("127.0.0.1", port))  # released: a restart can bind it again


async def test_a_taken_port_is_reported_from_start(engine_models: EngineModels) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        engine = BackgroundEngine(engine_models, port=taken.getsockname()[1])
        with pytest.raises(OSError):
            await engine.start()
    await engine.stop()
