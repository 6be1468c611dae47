"""Keys that must never lock a clinic out (issue 11): real folders, real command lines.

A refused key changes nothing in the data folder; the recovery key opens the database
whatever became of the key file; two first starts make one key; and the recovery key a
clinician writes down on the first run is the one that opens the records.
"""

from __future__ import annotations

import json
import os
import re
import select
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unlocked import TEST_PASSPHRASE, folder_key
from therapy_notes.cli import main
from therapy_notes.domain.key_record import KEY_FILE_NAME
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV, decode_recovery_key
from therapy_notes.storage.key_file import SETUP_LOCK_NAME

RECOVERY_KEY = re.compile(r"[A-Z2-7]{5}(?:-[A-Z2-7]{1,5}){5,}")


def files_of(data_dir: Path) -> dict[str, bytes]:
    """Every file the key or the database lives in (the log folder is the log's own)."""
    return {p.name: p.read_bytes() for p in sorted(data_dir.iterdir()) if p.is_file()}


def set_up(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A real encrypted data folder (passphrase mode); returns its recovery key."""
    assert main(["--data-dir", str(data_dir), "encrypt"]) == 0
    keys = RECOVERY_KEY.findall(capsys.readouterr().err)
    assert len(keys) == 1
    return str(keys[0])


def encrypt(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--data-dir", str(data_dir), "encrypt"])
    return code, capsys.readouterr().err


@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
@pytest.mark.expected_log(
    "therapy_notes.services.keys", "WARNING", match=r"^recovery key does not open the database$"
)
def test_a_recovery_key_from_another_folder_changes_nothing_without_a_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic, other = tmp_path / "clinic", tmp_path / "other"
    recovery_key = set_up(clinic, capsys)
    other_recovery_key = set_up(other, capsys)
    (clinic / KEY_FILE_NAME).unlink()
    before = files_of(clinic)

    monkeypatch.setenv(RECOVERY_KEY_ENV, other_recovery_key)
    code, err = encrypt(clinic, capsys)
    assert code == 1
    assert "does not open" in err
    assert "nothing was changed" in err.lower()
    assert "Traceback" not in err
    assert files_of(clinic) == before  # byte for byte, and no new key file

    monkeypatch.setenv(RECOVERY_KEY_ENV, recovery_key)  # the right one still works
    assert encrypt(clinic, capsys)[0] == 0
    monkeypatch.delenv(RECOVERY_KEY_ENV)
    assert encrypt(clinic, capsys)[0] == 0  # and so does the passphrase afterwards
    assert folder_key(clinic / "therapy_notes.db") == decode_recovery_key(recovery_key)


def _truncated(key_file: Path, _other: Path) -> None:
    key_file.write_bytes(key_file.read_bytes()[:40])


def _garbage(key_file: Path, _other: Path) -> None:
    key_file.write_bytes(os.urandom(300))


def _wrong_version(key_file: Path, _other: Path) -> None:
    data = json.loads(key_file.read_text())
    key_file.write_text(json.dumps({**data, "format": 99}))


def _for_another_database(key_file: Path, other: Path) -> None:
    key_file.write_bytes((other / KEY_FILE_NAME).read_bytes())


def _missing(key_file: Path, _other: Path) -> None:
    key_file.unlink()


_UNUSABLE_KEY_FILE = pytest.mark.expected_log(
    "therapy_notes.services.keys",
    "WARNING",
    match=r"^key file unusable; asking for the recovery key$",
)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_missing, id="missing"),
        pytest.param(_truncated, id="truncated", marks=_UNUSABLE_KEY_FILE),
        pytest.param(_garbage, id="garbage", marks=_UNUSABLE_KEY_FILE),
        pytest.param(_wrong_version, id="wrong-version", marks=_UNUSABLE_KEY_FILE),
        pytest.param(_for_another_database, id="another-database"),
    ],
)
@pytest.mark.expected_log(
    "therapy_notes.storage.encryption", "WARNING", match=r"^database key rejected$"
)
@pytest.mark.expected_log(
    "therapy_notes.services.keys", "WARNING", match=r"^recovery key does not open the database$"
)
def test_the_recovery_key_opens_the_database_whatever_the_key_file_holds(
    damage: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clinic, other = tmp_path / "clinic", tmp_path / "other"
    recovery_key = set_up(clinic, capsys)
    other_recovery_key = set_up(other, capsys)
    key_file = clinic / KEY_FILE_NAME
    damage(key_file, other)  # type: ignore[operator]
    before = files_of(clinic)

    for wrong in (other_recovery_key, None):  # a wrong key, then none at all
        if wrong is None:
            monkeypatch.delenv(RECOVERY_KEY_ENV, raising=False)
        else:
            monkeypatch.setenv(RECOVERY_KEY_ENV, wrong)
        code, err = encrypt(clinic, capsys)
        assert code == 1
        assert "recovery key" in err
        assert "Traceback" not in err
        assert files_of(clinic) == before

    monkeypatch.setenv(RECOVERY_KEY_ENV, recovery_key)
    code, err = encrypt(clinic, capsys)
    assert code == 0, err
    assert "is encrypted" in err
    assert sorted(p.name for p in clinic.iterdir() if p.is_file()) == sorted(
        ["therapy_notes.db", "therapy_notes.db.salt", KEY_FILE_NAME, SETUP_LOCK_NAME]
    )  # no temp file left (the salt is kept to tell a damaged header from a wrong key)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert json.loads(key_file.read_text())["format"] == 1
    monkeypatch.delenv(RECOVERY_KEY_ENV)
    assert encrypt(clinic, capsys)[0] == 0  # the passphrase works again
    assert folder_key(clinic / "therapy_notes.db") == decode_recovery_key(recovery_key)


_START_TOGETHER = (
    "import sys\n"
    "from therapy_notes.cli import main\n"
    "sys.stdin.readline()\n"  # both children wait here, imports done, until the test says go
    "sys.exit(main(sys.argv[1:]))\n"
)


def test_two_first_starts_on_an_empty_folder_make_one_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "THERAPY_NOTES_PASSPHRASE": TEST_PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    env.pop(RECOVERY_KEY_ENV, None)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _START_TOGETHER, "--data-dir", str(data_dir), "encrypt"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [child.communicate(timeout=120) for child in children]
    for child, (_out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
    shown = [k for _out, err in results for k in RECOVERY_KEY.findall(err)]
    assert len(shown) == 1  # one key made, one recovery key to write down
    key = folder_key(data_dir / "therapy_notes.db")
    assert key == decode_recovery_key(shown[0])
    env["THERAPY_NOTES_RECOVERY_KEY"] = shown[0]  # and it opens what both of them opened
    again = subprocess.run(
        [sys.executable, "-m", "therapy_notes", "--data-dir", str(data_dir), "encrypt"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr


_AT_A_TERMINAL = (
    "import fcntl, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"  # the pty is this session's terminal (/dev/tty)
    "from therapy_notes.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _wait_for(master: int, seen: bytearray, text: bytes, count: int = 1) -> None:
    """Read the terminal until `text` has appeared `count` times in all.

    The child is not timed: the guard only keeps a child that waits for other input
    from hanging the test run.
    """
    while seen.count(text) < count:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, f"no {text!r} on the terminal:\n{seen.decode(errors='replace')}"
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        assert chunk, f"no {text!r} on the terminal:\n{seen.decode(errors='replace')}"
        seen.extend(chunk)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminal")
def test_first_run_at_a_terminal_asks_again_and_shows_the_recovery_key_last(tmp_path: Path) -> None:
    import pty

    data_dir = tmp_path / "data"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    for name in ("THERAPY_NOTES_PASSPHRASE", RECOVERY_KEY_ENV):
        env.pop(name, None)
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", _AT_A_TERMINAL, "--data-dir", str(data_dir), "encrypt"],
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    passphrase = TEST_PASSPHRASE.encode()
    try:
        _wait_for(master, seen, b"Choose a passphrase")
        os.write(master, b"short\n")
        _wait_for(master, seen, b"too short")
        _wait_for(master, seen, b"Choose a passphrase", 2)
        os.write(master, passphrase + b"\n")
        _wait_for(master, seen, b"Type it again")
        os.write(master, passphrase + b"\n")
        _wait_for(master, seen, b"is encrypted")
        assert child.wait(timeout=120) == 0, seen.decode(errors="replace")
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
            child.wait()
    out = seen.decode(errors="replace")
    keys = RECOVERY_KEY.findall(out)
    assert len(keys) == 1, out
    first_ask = out[: out.index("Choose a passphrase") + 100]
    assert "at least 8 characters" in first_ask
    assert (
        out.index("Choose a passphrase")
        < out.index("too short")
        < out.index("Type it again")
        < out.index("RECOVERY KEY")
        < out.index(keys[0])
    )
    assert folder_key(data_dir / "therapy_notes.db") == decode_recovery_key(keys[0])
