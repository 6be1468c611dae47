"""The passphrase wrap: a fresh salt every time, a wrong passphrase or edit detected."""

from __future__ import annotations

import pytest

from therapy_notes.domain.key_record import KEY_FILE_NAME, KeyFileDamagedError
from therapy_notes.domain.key_wrap import (
    PASSPHRASE_ENV,
    WrongPassphraseError,
    unwrap_key,
    wrap_key,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV
from therapy_notes.errors import UnlockError

FAST_N = 2**10  # the product uses 2**15; tests only need the construction


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


def test_a_wrong_passphrase_says_what_to_do_and_is_not_called_damage() -> None:
    wrap = wrap_key(DatabaseKey.generate(), "a long passphrase", n=FAST_N)
    with pytest.raises(WrongPassphraseError) as caught:
        unwrap_key(wrap, "another passphrase")
    assert not isinstance(caught.value, KeyFileDamagedError)  # no recovery key asked for
    message = str(caught.value)
    assert "not opened or changed" in message
    assert PASSPHRASE_ENV in message
    assert RECOVERY_KEY_ENV in message


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda w: {k: v for k, v in w.items() if k != "mac"}, id="no-mac"),
        pytest.param(lambda w: {**w, "salt": "not hex"}, id="salt-not-hex"),
        pytest.param(lambda w: {**w, "kdf": "pbkdf2"}, id="unknown-kdf"),
        pytest.param(lambda w: {**w, "n": 2**30}, id="cost-too-high"),
        pytest.param(lambda w: {**w, "wrapped_key": w["wrapped_key"][:-2]}, id="short-key"),
    ],
)
def test_a_damaged_wrap_is_reported_as_a_damaged_key_file(damage: object) -> None:
    wrap = wrap_key(DatabaseKey.generate(), "a long passphrase", n=FAST_N)
    with pytest.raises(KeyFileDamagedError) as caught:
        unwrap_key(damage(wrap), "a long passphrase")  # type: ignore[operator]
    assert KEY_FILE_NAME in str(caught.value)
    assert RECOVERY_KEY_ENV in str(caught.value)
