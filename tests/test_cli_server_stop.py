"""The clinic engine server stops cleanly on Ctrl+C and on SIGTERM (systemd, docker stop).

It used to abort on the way out (SIGABRT, "terminate called without an active
exception") when the speech model was released from a worker thread as it ended; a
service manager then reports the engine as crashed on every restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from therapy_notes.engine.access import TokenStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

_SERVE = "from therapy_notes.cli import server_main; raise SystemExit(server_main(sys.argv[1:]))"


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_the_server_exits_0_after_a_signal_and_says_it_stopped(
    tmp_path: Path, stop_with: signal.Signals
) -> None:
    tokens = tmp_path / "tokens.json"
    TokenStore(tokens).add("desk")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; " + _SERVE,
            "--port",
            "0",
            "--tokens",
            str(tokens),
            "--verbose",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stderr is not None
    seen: list[str] = []
    try:
        for line in child.stderr:
            seen.append(line)
            if "serving the Realtime protocol" in line:
                break
        assert any("serving the Realtime protocol" in line for line in seen), seen
        child.send_signal(stop_with)
        _, rest = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    log = "".join(seen) + rest
    assert child.returncode == 0, log
    assert "terminate called" not in log
    assert "local engine on port" in log
    assert "stopped" in log.rsplit("local engine on port", 1)[1]
