"""The recovery key as text: it round-trips, and a typo is caught by its checksum."""

from __future__ import annotations

import pytest

from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.recovery_key import decode_recovery_key, encode_recovery_key
from therapy_notes.errors import UnlockError


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
