"""The lock rule: any one of status, signature or audited sign-off makes a note read-only."""

from __future__ import annotations

import pytest

from therapy_notes.domain.note_lock import is_signed
from therapy_notes.domain.session import SessionStatus


@pytest.mark.parametrize(
    ("status", "has_signatures", "audit_says_signed", "locked"),
    [
        (SessionStatus.DRAFT, False, False, False),
        (SessionStatus.RECORDING, False, False, False),
        (SessionStatus.SIGNED, False, False, True),
        (SessionStatus.DRAFT, True, False, True),  # a signature row, status reset
        (SessionStatus.DRAFT, False, True, True),  # rows and status reset: the trail remembers
        (SessionStatus.RECORDING, False, True, True),
    ],
)
def test_the_lock_rule_any_one_sign_of_a_signature_locks(
    status: SessionStatus, has_signatures: bool, audit_says_signed: bool, locked: bool
) -> None:
    assert (
        is_signed(status, has_signatures=has_signatures, audit_says_signed=audit_says_signed)
        is locked
    )
