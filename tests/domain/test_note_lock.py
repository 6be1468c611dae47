"""The lock rule: any one of status, signature or audited sign-off makes a note read-only."""

from __future__ import annotations

import itertools

from therapy_notes.domain.note_lock import is_signed
from therapy_notes.domain.session import SessionStatus


def test_any_one_source_locks_and_none_leaves_the_note_open() -> None:
    for status, signatures, audited in itertools.product(
        list(SessionStatus), (False, True), (False, True)
    ):
        expected = status is SessionStatus.SIGNED or signatures or audited
        assert (
            is_signed(status, has_signatures=signatures, audit_says_signed=audited) is expected
        )
    assert not is_signed(SessionStatus.DRAFT, has_signatures=False, audit_says_signed=False)
