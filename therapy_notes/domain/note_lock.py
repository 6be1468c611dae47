"""When a note is signed, and so read-only: one rule for the services and for storage.

The services check it before every change, with a message for the clinician; storage
checks it again as the last line, whatever calls a repository (a service, a script).
Both read the same three sources, so deleting the signature rows and resetting the
status behind the app's back does not make a signed note editable: the audit trail's
record of the sign-off still locks it.
"""

from __future__ import annotations

from typing import Final

from therapy_notes.domain.session import SessionStatus

NOTE_AUDIT_ENTITY: Final = "session"
"""Every note change is audited under its session, so one query gives a note's history."""
SIGNED_ACTION: Final = "signed"
"""The audit action of an author's sign-off."""
LOCKED_MESSAGE: Final = (
    "This note is signed and can no longer be edited. Add an addendum to correct or extend it."
)


def is_signed(status: SessionStatus, *, has_signatures: bool, audit_says_signed: bool) -> bool:
    """A note is signed, so read-only, once its status, a signature or the audit says so."""
    return status is SessionStatus.SIGNED or has_signatures or audit_says_signed
