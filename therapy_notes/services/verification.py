"""Whether a stored note still verifies: its signatures, its addenda chain, the audit chain.

Each time a note is opened, co-signed, amended or exported, its signatures, the addenda
chain and the audit hash chain are checked, and whatever no longer verifies is reported in
words for the clinician ("entry 12 in Assessment was changed after signing", "an audit
record is missing or edited (record 40)"). The audit trail also remembers that a note was
signed, so deleting its signature rows is noticed.

This module is the check alone, with no I/O, so the review, signing and export use cases run
one and the same check: `NoteAccess.load` feeds it what is stored and audits what it finds,
and a use case the check refuses raises `mismatch_error` once that audit record is committed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from therapy_notes.domain.addenda import check_addenda
from therapy_notes.domain.audit import AuditRecord, anchor_findings, chain_findings
from therapy_notes.domain.note_lock import SIGNED_ACTION
from therapy_notes.domain.notes import Addendum, Signature, SignatureRole
from therapy_notes.domain.session import SessionRecord, SessionStatus
from therapy_notes.domain.signing import (
    SignedContent,
    SigningKey,
    check_signature,
    signature_label,
    signed_audit_head,
)
from therapy_notes.errors import SignatureMismatchError


def recorded_ids(trail: Sequence[AuditRecord], action: str, key: str) -> list[int]:
    """Ids the trail's `action` records name under `key` (e.g. "signed" -> signature_id)."""
    ids: list[int] = []
    for record in trail:
        if record.action == action and record.after:
            value = json.loads(record.after).get(key)
            if isinstance(value, int):
                ids.append(value)
    return ids


def recorded_sign_offs(trail: Sequence[AuditRecord]) -> list[int]:
    """The author signatures the trail records ("signed"), whatever the rows now say."""
    return recorded_ids(trail, SIGNED_ACTION, "signature_id")


@dataclass(frozen=True, slots=True)
class NoteCheck:
    """What the check of one note found; nothing in either list means it verifies."""

    mismatches: list[str]
    """Which signatures or addenda failed, e.g. "signature 1 (author, ana)"."""
    findings: list[str]
    """What exactly no longer verifies, in words, each once."""
    audit_says_signed: bool
    """The audit trail records a sign-off."""


def check_note(
    key: SigningKey,
    session: SessionRecord,
    content: SignedContent,
    signatures: tuple[Signature, ...],
    addenda: tuple[Addendum, ...],
    trail: list[AuditRecord],
    chain: list[AuditRecord],
) -> NoteCheck:
    """Every check of a note: its signatures, its addenda chain, and the audit chain.

    Args:
        key: what the signatures and addenda were keyed by.
        session: the note's session (its status says whether it was signed).
        content: what a signature covers, as stored now.
        signatures: the note's stored signatures.
        addenda: the note's stored addenda, oldest first.
        trail: the audit records of the note's session, oldest first.
        chain: the whole audit trail, every entity, by id.
    """
    mismatches: list[str] = []
    findings: list[str] = []
    for signature in signatures:
        problems = check_signature(signature, content, key)
        head = signed_audit_head(signature) if not problems else None
        if head is not None:
            problems += anchor_findings(chain, head, signature_label(signature))
        if problems:
            mismatches.append(signature_label(signature))
            findings += problems
    author = next((s for s in signatures if s.role is SignatureRole.AUTHOR), None)
    for addendum, problem in check_addenda(addenda, author, key):
        label = f"addendum {addendum.id} ({addendum.username})"
        mismatches += [] if label in mismatches else [label]
        findings.append(problem)
    signed_ids = recorded_sign_offs(trail)
    if session.status is SessionStatus.SIGNED and not signatures:
        mismatches.append("the note is marked signed but has no signature")
    if author is None and signed_ids:
        findings.append(
            "the signature was removed from a note that the audit trail says was signed"
        )
    stored_signatures = {s.id for s in signatures}
    recorded = signed_ids if author is not None else []
    recorded += recorded_ids(trail, "cosigned", "signature_id")
    findings += [
        f"signature {i} was removed, though the audit trail records it"
        for i in recorded
        if i not in stored_signatures
    ]
    stored_addenda = {a.id for a in addenda}
    findings += [
        f"an addendum was removed (addendum id {i} is in the audit trail)"
        for i in recorded_ids(trail, "addendum_added", "addendum_id")
        if i not in stored_addenda
    ]
    broken = chain_findings(chain)
    if broken:
        mismatches.append("the audit trail")
        findings += broken
    return NoteCheck(mismatches, list(dict.fromkeys(findings)), bool(signed_ids))


@dataclass(frozen=True, slots=True)
class Refused:
    """A check failed inside a unit of work: refuse after it commits the audit record."""

    findings: tuple[str, ...]


def mismatch_error(
    session_id: int, refused: str, findings: tuple[str, ...] = ()
) -> SignatureMismatchError:
    """The refusal of a use case on a note that no longer verifies (`refused`: "exported")."""
    found = f" What no longer verifies: {'; '.join(findings)}." if findings else ""
    return SignatureMismatchError(
        f"The signed note of session {session_id} no longer matches its signature: it was "
        f"changed outside Therapy Notes after signing, so it was not {refused}.{found} The check "
        "has been recorded in the audit trail; ask your administrator to restore the database "
        "from a backup."
    )
