"""Audit trail records, and the hash chain that shows a deleted or edited record.

Every record carries the hash of the record before it (`prev_hash`) and its own hash
(`record_hash`), a SHA-256 over its canonical content and `prev_hash`. So editing a record
breaks its own hash, and deleting one breaks the link of the record after it.

The chain is unkeyed on purpose: every part of the app writes audit records (sign-in,
recording, patients), and a migration chains the records written before the chain existed,
where no key is at hand. What stops someone from deleting a record and recomputing every
later hash is the keyed anchors: each note signature's MAC covers the chain head at that
moment (`AuditAnchor`), so a rewrite of anything before the newest anchor shows.
Records after the newest anchor (e.g. the last exports) could be rewritten unseen by someone
who can also recompute hashes; the database key (SQLCipher) is what keeps them out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

CHAIN_VERSION = 1
"""Part of every hashed record, so a later canonical form can be told apart."""

GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first record of the trail."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change; `before` and `after` are JSON text, or None for creations and deletions."""

    actor: str
    action: str
    entity: str
    entity_id: int | None
    at: datetime
    before: str | None = None
    after: str | None = None
    id: int | None = None
    prev_hash: str | None = field(default=None, compare=False)
    """The previous record's `record_hash`, set by storage when the record is written (not
    part of equality: two records saying the same thing are the same change)."""
    record_hash: str | None = field(default=None, compare=False)
    """`record_hash(self, id, prev_hash)`, set by storage when the record is written."""


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """The head of the chain at one moment: a keyed signature covers it."""

    record_id: int
    record_hash: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text search match in a transcript segment or a note entry."""

    session_id: int
    kind: str
    """"segment" or "note_entry"."""
    row_id: int
    snippet: str


def _instant(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: an audit instant must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_record(record: AuditRecord, record_id: int, prev_hash: str) -> bytes:
    """The exact bytes a record's hash is taken over (version 1: never change it)."""
    return json.dumps(
        {
            "v": CHAIN_VERSION,
            "id": record_id,
            "actor": record.actor,
            "action": record.action,
            "entity": record.entity,
            "entity_id": record.entity_id,
            "at": _instant(record.at),
            "before": record.before,
            "after": record.after,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def record_hash(record: AuditRecord, record_id: int, prev_hash: str) -> str:
    """The hex SHA-256 of `canonical_record`: what the next record's `prev_hash` holds."""
    return hashlib.sha256(canonical_record(record, record_id, prev_hash)).hexdigest()


def _missing_or_edited(record_id: int) -> str:
    return f"an audit record is missing or edited (record {record_id})"


def chain_findings(records: Sequence[AuditRecord]) -> list[str]:
    """What no longer holds in the chain of `records` (the whole trail, by id).

    An edited record fails its own hash; a deleted one breaks the next record's link and
    is named by the first missing id. An edited record whose hash was also recomputed
    breaks the next link without a gap, and is named itself.
    """
    findings: list[str] = []
    expected_prev, previous_id = GENESIS_HASH, 0
    for record in sorted(records, key=lambda r: r.id or 0):
        record_id = record.id or 0
        if record.prev_hash is not None and record.prev_hash != expected_prev:
            culprit = previous_id + 1 if record_id > previous_id + 1 else previous_id
            findings.append(_missing_or_edited(max(culprit, 1)))
        if record.prev_hash is None or record.record_hash != record_hash(
            record, record_id, record.prev_hash
        ):
            findings.append(_missing_or_edited(record_id))
        expected_prev, previous_id = record.record_hash or "", record_id
    return list(dict.fromkeys(findings))


def anchor_findings(records: Sequence[AuditRecord], anchor: AuditAnchor, what: str) -> list[str]:
    """Whether the chain still passes through `anchor` (what a keyed signature saw).

    Args:
        records: the whole trail.
        anchor: the chain head a signature or addendum covered.
        what: the holder, e.g. "signature 1", for the message.
    """
    found = next((r for r in records if r.id == anchor.record_id), None)
    if found is None:
        return [_missing_or_edited(anchor.record_id)]
    if found.record_hash != anchor.record_hash:
        return [f"the audit trail before {what} was rewritten (records up to {anchor.record_id})"]
    return []
