"""Key sources: keyring, passphrase key file, recovery key; wrong inputs change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import keyring.backends.fail
import keyring.backends.null
import pytest

from tests.unlocked import NoKeyring
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.errors import UnlockError
from therapy_notes.services.keys import (
    MIN_PASSPHRASE_CHARS,
    NEW_PASSPHRASE_TRIES,
    PASSPHRASE_ENV,
    RECOVERY_KEY_ENV,
    KeyMode,
    KeyService,
    NoPrompt,
    TerminalPrompt,
    database_password,
    decode_recovery_key,
    encode_recovery_key,
    is_secure_backend,
    store_database_password,
    unwrap_key,
    wrap_key,
)

FAST_N = 2**10  # the product uses 2**15; tests only need the construction


class MemoryKeyring:
    """A working OS keyring that forgets everything after the test."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def is_usable(self) -> bool:
        return True

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


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
        keyring=store,  # type: ignore[arg-type]
        prompt=prompt or RecordingPrompt(),
        env=env,
        scrypt_n=FAST_N,
    )


def test_recovery_key_round_trip_and_typos() -> None:
    key = DatabaseKey.generate()
    text = encode_recovery_key(key)
    groups = text.split("-")
    assert all(len(g) == 5 for g in groups[:-1])
    assert decode_recovery_key(text) == key
    assert decode_recovery_key(" " + text.lower().replace("-", " ") + "\n") == key
    typo = text[:7] + ("A" if text[7] != "A" else "B") + text[8:]
    with pytest.raises(UnlockError, match="not a valid recovery key"):
        decode_recovery_key(typo)
    with pytest.raises(UnlockError, match="not a valid recovery key"):
        decode_recovery_key(text[:-5])


@pytest.mark.expected_log("therapy_notes.services.keys", "WARNING", match=r"^passphrase rejected$")
def test_wrap_detects_a_wrong_passphrase_and_salts_every_wrap() -> None:
    key = DatabaseKey.generate()
    first, second = (
        wrap_key(key, "a long passphrase", n=FAST_N),
        wrap_key(key, "a long passphrase", n=FAST_N),
    )
    assert first["salt"] != second["salt"]
    assert first["wrapped_key"] != second["wrapped_key"]
    assert key.raw.hex() not in str(first)
    assert unwrap_key(first, "a long passphrase") == key
    with pytest.raises(UnlockError, match="passphrase is wrong"):
        unwrap_key(first, "a long passphrasE")
    tampered = {**first, "n": FAST_N * 2}
    with pytest.raises(UnlockError, match="passphrase is wrong"):
        unwrap_key(tampered, "a long passphrase")


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


def test_obfuscating_keyring_backends_count_as_none() -> None:
    assert not is_secure_backend(keyring.backends.fail.Keyring())
    assert not is_secure_backend(keyring.backends.null.Keyring())

    class Chainer:
        backends = (keyring.backends.null.Keyring(),)

    Chainer.__name__ = "ChainerBackend"
    assert not is_secure_backend(Chainer())

    class SecretService:
        priority = 5

    assert is_secure_backend(SecretService())


def test_terminal_prompt_asks_only_at_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    differing = ["first passphrase", "second passphrase"] * NEW_PASSPHRASE_TRIES
    answers = iter(["one passphrase", "one passphrase", *differing])
    err = io.StringIO()
    prompt = TerminalPrompt(stdin=Tty(), stderr=err, ask=lambda _q: next(answers))
    assert prompt.passphrase(is_new=True) == "one passphrase"
    with pytest.raises(UnlockError, match="differ"):
        prompt.passphrase(is_new=True)
    piped = TerminalPrompt(
        stdin=io.StringIO(), stderr=err, ask=lambda _q: pytest.fail("asked without a terminal")
    )
    assert piped.passphrase(is_new=False) is None
    assert piped.recovery_key() is None
    piped.show_recovery_key("AAAAA-BBBBB")
    assert "AAAAA-BBBBB" in err.getvalue()
    assert "store it safely" in err.getvalue()


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_prompt_asks_again_for_a_short_or_mistyped_new_passphrase() -> None:
    asked: list[str] = []
    answers = iter(
        ["short", "long enough now", "long enough typo", "long enough now", "long enough now"]
    )

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    err = io.StringIO()
    prompt = TerminalPrompt(stdin=Tty(), stderr=err, ask=ask)
    assert prompt.passphrase(is_new=True) == "long enough now"
    assert f"at least {MIN_PASSPHRASE_CHARS} characters" in asked[0]
    assert [q.split(" (")[0].rstrip(": ") for q in asked] == [
        "Choose a passphrase for the Therapy Notes database",
        "Choose a passphrase for the Therapy Notes database",
        "Type it again",
        "Choose a passphrase for the Therapy Notes database",
        "Type it again",
    ]
    told = err.getvalue()
    assert "too short" in told
    assert told.index("too short") < told.index("differ")


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
            keyring=NoKeyring(),
            prompt=NoPrompt(),
            env={PASSPHRASE_ENV: "clinic passphrase 1"},
            scrypt_n=FAST_N,
        ).unlock()
    assert not (tmp_path / "therapy_notes.key").exists()


# --- the clinic database's password ----------------------------------------------------------

CLINIC_URL = "postgresql+psycopg://notes@db.clinic.lan/therapy_notes"


def test_the_database_password_comes_from_the_environment_then_the_keyring() -> None:
    keys = MemoryKeyring()
    assert database_password(CLINIC_URL, from_env=None, keyring=keys) is None
    name = store_database_password(CLINIC_URL, "from-keyring", keyring=keys)
    assert name == "database:notes@db.clinic.lan/therapy_notes"
    assert database_password(CLINIC_URL, from_env=None, keyring=keys) == "from-keyring"
    assert database_password(CLINIC_URL, from_env="from-env", keyring=keys) == "from-env"
    other = "postgresql+psycopg://admin@db.clinic.lan/therapy_notes"
    assert database_password(other, from_env=None, keyring=keys) is None  # per role


def test_the_database_password_is_never_kept_in_an_insecure_store() -> None:
    class PlainFile(MemoryKeyring):
        def is_usable(self) -> bool:
            return False

    keys = PlainFile()
    with pytest.raises(UnlockError, match="THERAPY_NOTES_DATABASE_PASSWORD"):
        store_database_password(CLINIC_URL, "pw", keyring=keys)
    assert keys.values == {}
