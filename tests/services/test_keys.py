"""Key sources: keyring, passphrase key file, recovery key; wrong inputs change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unlocked import MemoryKeyring, NoKeyring
from therapy_notes.domain.key_record import KeyMode
from therapy_notes.domain.key_wrap import PASSPHRASE_ENV
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV, encode_recovery_key
from therapy_notes.errors import UnlockError
from therapy_notes.services.keys import KeyService, NoPrompt
from therapy_notes.storage.key_file import KeyFile

FAST_N = 2**10  # the product uses 2**15; tests only need the construction


class RecordingPrompt(NoPrompt):
    """Nobody types anything, but a shown recovery key is kept."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def show_recovery_key(self, recovery_key: str) -> None:
        self.shown.append(recovery_key)


def service(
    db_path: Path, store: object, env: dict[str, str], prompt: NoPrompt | None = None
) -> KeyService:
    return KeyService(
        db_path,
        key_file=KeyFile(db_path),
        keyring=store,  # type: ignore[arg-type]
        prompt=prompt or RecordingPrompt(),
        env=env,
        scrypt_n=FAST_N,
    )


def test_keyring_mode_stores_the_key_and_shows_the_recovery_key_once(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    store, prompt = MemoryKeyring(), RecordingPrompt()
    first = service(db_path, store, {}, prompt).unlock()
    assert first.mode is KeyMode.KEYRING
    assert first.is_new
    assert prompt.shown == [encode_recovery_key(first.key)]
    assert list(store.values.values()) == [first.key.raw.hex()]
    key_file = (tmp_path / "therapy_notes.key").read_text()
    assert first.key.raw.hex() not in key_file
    again = service(db_path, store, {}, prompt).unlock()
    assert again.key == first.key
    assert not again.is_new
    assert len(prompt.shown) == 1


@pytest.mark.expected_log(
    "therapy_notes.services.keys",
    "WARNING",
    match=r"^database key not in the keyring; asking for the recovery key$",
)
@pytest.mark.expected_log(
    "therapy_notes.services.keys", "WARNING", match=r"^key does not match the key file$"
)
def test_lost_keyring_is_recovered_with_the_recovery_key(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    prompt = RecordingPrompt()
    original = service(db_path, MemoryKeyring(), {}, prompt).unlock().key
    new_store = MemoryKeyring()  # a new computer account, or a wiped keyring
    with pytest.raises(UnlockError, match="not in this computer's password store"):
        service(db_path, new_store, {}).unlock()
    wrong = encode_recovery_key(DatabaseKey.generate())
    with pytest.raises(UnlockError, match="another database"):
        service(db_path, new_store, {RECOVERY_KEY_ENV: wrong}).unlock()
    assert new_store.values == {}
    recovered = service(db_path, new_store, {RECOVERY_KEY_ENV: prompt.shown[0]}).unlock()
    assert recovered.key == original
    assert list(new_store.values.values()) == [original.raw.hex()]  # re-stored
    assert service(db_path, new_store, {}).unlock().key == original


@pytest.mark.expected_log("therapy_notes.services.keys", "WARNING", match=r"^passphrase rejected$")
def test_passphrase_mode_without_a_keyring(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    with pytest.raises(UnlockError, match=PASSPHRASE_ENV):
        service(db_path, NoKeyring(), {}).unlock()
    assert not (tmp_path / "therapy_notes.key").exists()
    with pytest.raises(UnlockError, match="too short"):
        service(db_path, NoKeyring(), {PASSPHRASE_ENV: "short"}).unlock()
    prompt = RecordingPrompt()
    made = service(db_path, NoKeyring(), {PASSPHRASE_ENV: "clinic passphrase 1"}, prompt).unlock()
    assert made.mode is KeyMode.PASSPHRASE
    key_file = tmp_path / "therapy_notes.key"
    before = key_file.read_bytes()
    with pytest.raises(UnlockError, match="passphrase is wrong"):
        service(db_path, NoKeyring(), {PASSPHRASE_ENV: "clinic passphrase 2"}).unlock()
    assert key_file.read_bytes() == before
    assert (
        service(db_path, NoKeyring(), {PASSPHRASE_ENV: "clinic passphrase 1"}).unlock().key
        == made.key
    )
    # forgotten passphrase: the recovery key sets a new one
    reset = service(
        db_path,
        NoKeyring(),
        {PASSPHRASE_ENV: "a brand new passphrase", RECOVERY_KEY_ENV: prompt.shown[0]},
    ).unlock()
    assert reset.key == made.key
    assert (
        service(db_path, NoKeyring(), {PASSPHRASE_ENV: "a brand new passphrase"}).unlock().key
        == made.key
    )


def test_encrypted_database_without_key_file_needs_the_recovery_key(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    db_path.write_bytes(b"\x8f" * 4096)  # an encrypted file has no readable header
    with pytest.raises(UnlockError, match="recovery key"):
        service(db_path, NoKeyring(), {PASSPHRASE_ENV: "clinic passphrase 1"}).unlock()
    assert not (tmp_path / "therapy_notes.key").exists()


class OrderedPrompt(NoPrompt):
    """Answers a new passphrase and keeps the order in which it was asked and told."""

    def __init__(self, passphrase: str) -> None:
        self.events: list[str] = []
        self._passphrase = passphrase

    def passphrase(self, *, is_new: bool) -> str | None:
        self.events.append(f"passphrase new={is_new}")
        return self._passphrase

    def show_recovery_key(self, recovery_key: str) -> None:
        self.events.append(f"shown {recovery_key}")


def test_first_run_checks_the_passphrase_before_it_makes_and_shows_a_key(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    short = OrderedPrompt("short")
    with pytest.raises(UnlockError, match="too short"):
        service(db_path, NoKeyring(), {}, short).unlock()
    assert short.events == ["passphrase new=True"]  # refused, and no recovery key shown
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "therapy_notes.key.lock"])

    good = OrderedPrompt("clinic passphrase 1")
    made = service(db_path, NoKeyring(), {}, good).unlock()
    assert good.events == ["passphrase new=True", f"shown {encode_recovery_key(made.key)}"]
    reopened = service(
        db_path,
        NoKeyring(),
        {PASSPHRASE_ENV: "clinic passphrase 1", RECOVERY_KEY_ENV: good.events[1][6:]},
    ).unlock()
    assert reopened.key == made.key  # the recovery key that was shown is the folder's


def test_a_recovery_key_nobody_could_see_leaves_no_key_behind(tmp_path: Path) -> None:
    db_path = tmp_path / "therapy_notes.db"
    with pytest.raises(UnlockError, match="nowhere to show"):
        KeyService(
            db_path,
            key_file=KeyFile(db_path),
            keyring=NoKeyring(),
            prompt=NoPrompt(),
            env={PASSPHRASE_ENV: "clinic passphrase 1"},
            scrypt_n=FAST_N,
        ).unlock()
    assert not (tmp_path / "therapy_notes.key").exists()
