"""The command line as a user runs it: a real process, a real database file."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.speech import LONG_SESSION
from tests.unlocked import open_unlocked
from therapy_notes.cli import build_parser, main
from therapy_notes.config import default_data_dir
from therapy_notes.domain.session import SessionStatus
from therapy_notes.services.recovery import RecoveryService


def _spawn(*args: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "THERAPY_NOTES_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "therapy_notes", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_recording_keeps_every_finalised_segment(data_dir: Path) -> None:
    process = _spawn(
        "transcribe",
        str(LONG_SESSION.path),
        "--realtime",
        "--json",
        "--keep-audio",
        data_dir=data_dir,
    )
    assert process.stdout is not None
    printed: list[dict[str, object]] = []
    deadline = time.monotonic() + 90
    session_id = None
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            event = json.loads(line)
            if event["type"] == "session":
                session_id = event["id"]
            if event["type"] == "segment":
                printed.append(event)
                if len(printed) == 2:
                    os.kill(process.pid, signal.SIGKILL)
                    break
    finally:
        process.kill()
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert session_id is not None
    assert len(printed) == 2

    database = open_unlocked(data_dir / "therapy_notes.db")
    try:
        with database.uow_factory() as uow:
            session = uow.sessions.get(int(str(session_id)))
            stored = uow.segments.for_session(session.id)
        assert session.status is SessionStatus.RECORDING  # left as it was: recoverable
        assert [(s.id, s.text) for s in stored[:2]] == [(p["id"], p["text"]) for p in printed]
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # The next start offers it for recovery, with every segment and the kept audio.
        interrupted = asyncio.run(RecoveryService(database.uow_factory).find_interrupted())
        assert [(i.session_id, i.segment_count) for i in interrupted] == [(session.id, len(stored))]
        with database.uow_factory() as uow:
            kept_ms = uow.audio.duration_ms(session.id)
        assert kept_ms >= float(str(printed[1]["end"])) * 1000 - 1500
    finally:
        database.close()


def test_data_dir_flag_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = build_parser()
    args = parser.parse_args(["--data-dir", str(tmp_path), "transcribe", "x.wav", "--json"])
    assert args.data_dir == tmp_path
    assert args.json
    assert args.template == "soap"
    monkeypatch.setenv("THERAPY_NOTES_DATA_DIR", str(tmp_path / "clinic"))
    assert default_data_dir() == tmp_path / "clinic"
    monkeypatch.delenv("THERAPY_NOTES_DATA_DIR")
    assert default_data_dir().name == "TherapyNotes"


def test_unreadable_file_is_a_clear_error(data_dir: Path, capsys: object) -> None:
    missing = data_dir / "nope.wav"
    code = main(["--data-dir", str(data_dir), "transcribe", str(missing)])
    assert code == 1
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "nope.wav" in err
    assert "Traceback" not in err


def test_cloud_without_api_key_says_what_to_do(
    data_dir: Path, capsys: object, monkeypatch: object
) -> None:
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)  # type: ignore[attr-defined]
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "transcribe",
            str(LONG_SESSION.path),
            "--engine-url",
            "wss://api.openai.com/v1",
            "--api-key-env",
            "NO_SUCH_KEY_VAR",
        ]
    )
    assert code == 1
    assert "NO_SUCH_KEY_VAR" in capsys.readouterr().err  # type: ignore[attr-defined]


# -- the clinic engine server: tokens ------------------------------------------------------


def test_server_add_and_revoke_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from therapy_notes.cli import server_main
    from therapy_notes.engine.access import TokenStore, token_digest

    tokens = tmp_path / "clinic" / "tokens.json"
    assert server_main(["--add-token", "front-desk", "--tokens", str(tokens)]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert len(token) >= 43  # token_urlsafe(32)
    assert "front-desk" in err
    assert token not in tokens.read_text(encoding="utf-8")
    assert TokenStore(tokens).load() == {"front-desk": token_digest(token)}
    if sys.platform != "win32":
        assert tokens.stat().st_mode & 0o777 == 0o600
    # The same commands under `therapy-notes server`.
    assert (
        main(
            [
                "--data-dir",
                str(tmp_path / "data"),
                "server",
                "--add-token",
                "room-2",
                "--tokens",
                str(tokens),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert server_main(["--revoke-token", "front-desk", "--tokens", str(tokens)]) == 0
    assert TokenStore(tokens).names() == ["room-2"]
    assert server_main(["--revoke-token", "front-desk", "--tokens", str(tokens)]) == 1
    assert "no token named 'front-desk'" in capsys.readouterr().err


def test_server_refuses_to_start_without_tokens_or_tls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from therapy_notes.cli import server_main

    assert server_main(["--port", "0"]) == 1
    assert "--tokens" in capsys.readouterr().err
    tokens = tmp_path / "tokens.json"
    assert server_main(["--add-token", "desk", "--tokens", str(tokens)]) == 0
    capsys.readouterr()
    assert server_main(["--host", "0.0.0.0", "--port", "0", "--tokens", str(tokens)]) == 1
    err = capsys.readouterr().err
    assert "without TLS" in err
    assert "Traceback" not in err
    assert server_main(["--port", "0", "--tokens", str(tokens), "--max-sessions", "0"]) == 1


def test_template_and_format_names_are_case_insensitive() -> None:
    from therapy_notes.cli import build_parser

    args = build_parser().parse_args(["transcribe", "session.wav", "--template", "SOAP"])
    assert args.template == "soap"
    args = build_parser().parse_args(
        ["export", "3", "--format", "PDF", "-o", "-", "--paper", "Letter"]
    )
    assert (args.export_format, args.paper) == ("pdf", "letter")
