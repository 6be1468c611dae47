"""What a signature covers: the canonical form of a signed note, and its SHA-256.

The hash is taken over a canonical JSON document (sorted keys, no insignificant
whitespace, UTF-8), so the same note always gives the same bytes, whichever machine or
database produced it. It covers every entry (by section, in template order), every
measurement and risk, the session and patient ids, the signer and the time of signing;
a change to any of them after signing shows as a mismatch when the note is next opened
or exported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from therapy_notes.domain.notes import Addendum, Note, NoteEntry, Signature, SignatureRole

CANONICAL_VERSION = 1
"""Bumped if the canonical form ever changes, so old signatures stay checkable."""


def _instant(at: datetime | None) -> str | None:
    """An aware instant as UTC ISO 8601 with microseconds; naive times are refused."""
    if at is None:
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: a signed instant must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _ordered_entries(note: Note, section_order: Sequence[str]) -> list[NoteEntry]:
    """Entries by section in template order, then any unknown sections by name."""
    known = [e for key in section_order for e in note.entries_in(key)]
    others = sorted(
        (e for e in note.entries if e.section not in section_order), key=lambda e: e.section
    )
    return known + others


def _dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_content(
    note: Note,
    *,
    patient_id: int | None,
    section_order: Sequence[str],
    role: SignatureRole,
    username: str,
    display_name: str,
    credentials: str,
    signed_at: datetime,
) -> bytes:
    """The exact bytes a signature's hash is taken over."""
    return _dumps(
        {
            "version": CANONICAL_VERSION,
            "session_id": note.session_id,
            "patient_id": patient_id,
            "template": note.template,
            "entries": [
                {
                    "id": e.id,
                    "section": e.section,
                    "text": e.text,
                    "source": e.source.value,
                    "segment_ids": list(e.segment_ids),
                }
                for e in _ordered_entries(note, section_order)
            ],
            "measurements": [
                {
                    "id": m.id,
                    "kind": m.kind,
                    "value": m.value,
                    "unit": m.unit,
                    "body_part": m.body_part,
                    "side": m.side,
                    "segment_ids": list(m.segment_ids),
                }
                for m in note.measurements
            ],
            "risks": [
                {
                    "id": r.id,
                    "kind": r.kind.value,
                    "evidence": r.evidence,
                    "segment_ids": list(r.segment_ids),
                    "acknowledged_at": _instant(r.acknowledged_at),
                }
                for r in note.risks
            ],
            "signer": {
                "role": role.value,
                "username": username,
                "display_name": display_name,
                "credentials": credentials,
            },
            "signed_at": _instant(signed_at),
        }
    )


def content_sha256(
    note: Note,
    *,
    patient_id: int | None,
    section_order: Sequence[str],
    role: SignatureRole,
    username: str,
    display_name: str,
    credentials: str,
    signed_at: datetime,
) -> str:
    """The hex SHA-256 of `canonical_content` with the same arguments."""
    return hashlib.sha256(
        canonical_content(
            note,
            patient_id=patient_id,
            section_order=section_order,
            role=role,
            username=username,
            display_name=display_name,
            credentials=credentials,
            signed_at=signed_at,
        )
    ).hexdigest()


def signature_matches(
    signature: Signature, note: Note, *, patient_id: int | None, section_order: Sequence[str]
) -> bool:
    """True when `note` is still exactly what `signature` signed (constant-time compare)."""
    if signature.session_id != note.session_id:
        return False
    expected = content_sha256(
        note,
        patient_id=patient_id,
        section_order=section_order,
        role=signature.role,
        username=signature.username,
        display_name=signature.display_name,
        credentials=signature.credentials,
        signed_at=signature.signed_at,
    )
    return hmac.compare_digest(expected, signature.content_sha256)


def addendum_sha256(addendum: Addendum) -> str:
    """The hex SHA-256 of an addendum's own content: its note, author, time, reason and text."""
    return hashlib.sha256(
        _dumps(
            {
                "version": CANONICAL_VERSION,
                "session_id": addendum.session_id,
                "username": addendum.username,
                "display_name": addendum.display_name,
                "credentials": addendum.credentials,
                "at": _instant(addendum.at),
                "reason": addendum.reason,
                "text": addendum.text,
            }
        )
    ).hexdigest()


def addendum_matches(addendum: Addendum) -> bool:
    """True when an addendum is unchanged since it was written."""
    return hmac.compare_digest(addendum_sha256(addendum), addendum.content_sha256)
