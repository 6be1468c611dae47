"""The local engine in a child process: real speech over a real WebSocket, clean stops,
clear failures, and no child left behind by a parent that dies."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from tests.speech import FIXTURES
from therapy_notes.engine.process import EngineProcess
from therapy_notes.errors import ModelError

from .conftest import b64, recv_until
from .test_server import open_session


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie nobody has reaped yet counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return stat.parent.exists()
    return state not in ("Z", "X")


async def wait_until_ended(pid: int) -> None:
    """However long the machine takes; the test's own timeout bounds a child that never ends."""

    def poll() -> None:
        while is_running(pid):
            time.sleep(0.05)

    await asyncio.to_thread(poll)


@pytest.mark.expected_log("therapy_notes.engine.server", "WARNING", match="unknown token")
async def test_the_child_transcribes_real_speech_and_stop_leaves_no_process() -> None:
    """One child (one model load) for the whole story: token, speech, stop.

    The child checks the token the parent chose, and its log records (the refusal) reach
    the parent's log.
    """
    spoken = next(f for f in FIXTURES if f.name == "flexion")
    engine = EngineProcess(token="chosen-by-the-parent")
    await engine.start()
    pid = engine.pid
    assert pid is not None
    assert pid != os.getpid()
    exited = asyncio.ensure_future(engine.wait_exited())
    try:
        refused = AsyncOpenAI(api_key="someone-else", websocket_base_url=engine.url)
        with pytest.raises(Exception, match="401"):
            async with refused.realtime.connect(model="gpt-realtime-2") as conn:
                await conn.recv()
        client = AsyncOpenAI(api_key=engine.token, websocket_base_url=engine.url)
        async with client.realtime.connect(model="gpt-realtime-2") as conn:
            await open_session(conn)
            pcm = spoken.pcm16()
            for start in range(0, len(pcm), 4800):
                await conn.input_audio_buffer.append(audio=b64(pcm[start : start + 4800]))
            events = await recv_until(
                conn, "conversation.item.input_audio_transcription.completed", timeout_s=120
            )
        kinds = [e.type for e in events]
        assert kinds.index("input_audio_buffer.speech_started") < kinds.index(
            "input_audio_buffer.committed"
        )
        assert "flexion" in events[-1].transcript.lower()
    finally:
        await engine.stop()
    assert not is_running(pid)
    assert engine.pid is None
    # A clean stop is a clean exit: the parent must not read a crash (SIGABRT) into it.
    assert await exited == 0
    await engine.stop()  # a second stop is harmless


async def test_a_missing_model_is_reported_from_start(tmp_path: Path) -> None:
    engine = EngineProcess(model_dir=tmp_path / "no-such-model")
    with pytest.raises(ModelError, match="does not exist"):
        await engine.start()
    assert engine.pid is None


async def test_a_taken_port_is_reported_from_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        engine = EngineProcess(port=taken.getsockname()[1])
        with pytest.raises(OSError) as raised:
            await engine.start()
    assert raised.value.strerror
    assert engine.pid is None


_ORPHANING_PARENT = textwrap.dedent(
    """
    import asyncio, json, sys
    from therapy_notes.engine.process import EngineProcess

    async def main():
        engine = EngineProcess()
        await engine.start()
        print(json.dumps({"pid": engine.pid, "url": engine.url}), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and /proc")
async def test_the_child_exits_when_its_parent_dies() -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _ORPHANING_PARENT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert parent.stdout is not None
        child = json.loads(await parent.stdout.readline())["pid"]
        assert is_running(child)
    finally:
        parent.send_signal(signal.SIGKILL)  # no clean-up code of the parent runs
        await parent.wait()
    await wait_until_ended(child)


async def test_quitting_while_the_model_loads_leaves_no_process() -> None:
    engine = EngineProcess()
    starting = asyncio.create_task(engine.start())
    for _ in itertools.count():  # until the child exists; it is still loading its model
        if engine.pid is not None or starting.done():
            break
        await asyncio.sleep(0.01)
    pid = engine.pid
    assert pid is not None
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert engine.pid is None
    assert not is_running(pid)
