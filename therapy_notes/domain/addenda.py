"""Addenda: what each one's MAC covers, and the chain that ties them to the signed note.

Each addendum's MAC covers its own content and the MAC before it (the author's signature
for the first), so an addendum cannot be edited, reordered, removed or moved to another
note unseen. Addenda written before keyed signatures carry only the unkeyed v1 hash of
their own content (`addendum_sha256`), still checked as such.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from therapy_notes.domain.notes import Addendum, Signature
from therapy_notes.domain.signing import (
    CANONICAL_VERSION,
    KEYED_VERSION,
    SigningKey,
    canonical_instant,
    canonical_json,
)


def addendum_sha256(addendum: Addendum) -> str:
    """The hex SHA-256 of an addendum's own content: its note, author, time, reason and text."""
    return hashlib.sha256(
        canonical_json(
            {
                "version": CANONICAL_VERSION,
                "session_id": addendum.session_id,
                "username": addendum.username,
                "display_name": addendum.display_name,
                "credentials": addendum.credentials,
                "at": canonical_instant(addendum.at),
                "reason": addendum.reason,
                "text": addendum.text,
            }
        )
    ).hexdigest()


def addendum_matches(addendum: Addendum) -> bool:
    """True when an addendum is unchanged since it was written."""
    return hmac.compare_digest(addendum_sha256(addendum), addendum.content_sha256)


def _addendum_document(addendum: Addendum, previous_mac: str) -> bytes:
    return canonical_json(
        {
            "format": "therapy-notes addendum",
            "version": KEYED_VERSION,
            "session_id": addendum.session_id,
            "username": addendum.username,
            "display_name": addendum.display_name,
            "credentials": addendum.credentials,
            "at": canonical_instant(addendum.at),
            "reason": addendum.reason,
            "text": addendum.text,
            "previous": previous_mac,
        }
    )


def addendum_mac(addendum: Addendum, previous_mac: str, key: SigningKey) -> str:
    """The MAC of an addendum chained to `previous_mac` (the signature's, or the last one's)."""
    return key.mac(_addendum_document(addendum, previous_mac))


def chain_value(item: Signature | Addendum) -> str:
    """What the next addendum is chained to: the MAC, or the v1 hash of an older item."""
    return item.mac or item.content_sha256


def check_addenda(
    addenda: Sequence[Addendum], author: Signature | None, key: SigningKey
) -> list[tuple[Addendum, str]]:
    """Each addendum that no longer verifies, with why ("addendum 2 was changed").

    Addenda are numbered as the note shows them (1 is the oldest). The first must be
    chained to the author's signature, each later one to the addendum before it, so a
    removed, reordered or moved addendum shows as well as an edited one. Without the
    author's signature (reported on its own) only each addendum's own MAC is checked.
    """
    findings: list[tuple[Addendum, str]] = []
    expected_previous = None if author is None else chain_value(author)
    for number, addendum in enumerate(addenda, start=1):
        if addendum.mac is None:
            if not addendum_matches(addendum):
                findings.append((addendum, f"addendum {number} was changed"))
        elif addendum.previous_mac is None or not key.verifies(
            _addendum_document(addendum, addendum.previous_mac), addendum.mac
        ):
            findings.append((addendum, f"addendum {number} was changed"))
        elif expected_previous is not None and addendum.previous_mac != expected_previous:
            problem = (
                f"an addendum before addendum {number} was removed or changed"
                if number > 1
                else "addendum 1 is not chained to this note's signature"
            )
            findings.append((addendum, problem))
        expected_previous = chain_value(addendum)
    return findings
