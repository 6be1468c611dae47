"""What a signature covers, and the keyed MAC that makes it a signature.

A bare hash proves nothing against someone who can write the database: they edit the
note and recompute it. So a signature (canonical form version 2) is an HMAC-SHA256 under a
`SigningKey`, derived from the database key, over a *manifest*: canonical JSON (sorted keys,
no insignificant whitespace, UTF-8) holding the SHA-256 of each signed part: every entry
(by id and section, in template order), the measurements, the risks with their
acknowledgements, the transcript (text, times and speaker of each segment), the patient's
identity (id, name, identifier), plus the signer, credentials, time of signing and the
audit chain head at that moment. The MAC proves the manifest; the per-part digests say
exactly what changed ("entry 12 in Assessment was changed after signing").

Addenda are chained to the signature and to each other (`domain.addenda`).

Version 1 (`canonical_content`, `content_sha256`, `addendum_sha256`) is the unkeyed form
of earlier releases, kept so signatures made then can still be checked, and still stored
beside the MAC. A v1-only signature is as weak as it always was: it is reported as such.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from therapy_notes.domain.audit import AuditAnchor
from therapy_notes.domain.keys import KEY_BYTES, DatabaseKey
from therapy_notes.domain.notes import (
    Measurement,
    Note,
    NoteEntry,
    NoteTemplate,
    RiskFlag,
    Signature,
    SignatureRole,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment

CANONICAL_VERSION = 1
"""Bumped if the canonical form ever changes, so old signatures stay checkable."""


def canonical_instant(at: datetime | None) -> str | None:
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


def canonical_json(document: dict[str, Any]) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: one byte string per document."""
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
    return canonical_json(
        {
            "version": CANONICAL_VERSION,
            "session_id": note.session_id,
            "patient_id": patient_id,
            "template": note.template,
            "entries": [_entry_fields(e) for e in _ordered_entries(note, section_order)],
            "measurements": [_measurement_fields(m) for m in note.measurements],
            "risks": [_risk_fields(r) for r in note.risks],
            "signer": {
                "role": role.value,
                "username": username,
                "display_name": display_name,
                "credentials": credentials,
            },
            "signed_at": canonical_instant(signed_at),
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


# --- keyed signatures (version 2) ----------------------------------------------------------

KEYED_VERSION = 2
"""The manifest's `version`: a later format gets a new number, and old MACs stay checkable."""

SIGNING_LABEL = b"therapy-notes note signatures v1"
"""Fixed label of the derivation, so the signing key is never the database key itself."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The secret note signatures and addenda are keyed by (32 bytes, never shown).

    Derive it with `from_database_key` (an encrypted database) or `from_secret` (a plain
    database's stored random secret): HMAC-SHA256(secret, `SIGNING_LABEL`), so knowing a
    signing key reveals nothing about the database key.
    """

    raw: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError(f"a signing key is {KEY_BYTES} bytes")

    def __repr__(self) -> str:
        return "SigningKey(<redacted>)"

    @classmethod
    def from_secret(cls, secret: bytes) -> SigningKey:
        """The signing key derived from any high-entropy secret (at least 32 bytes)."""
        if len(secret) < KEY_BYTES:
            raise ValueError(f"a signing secret has at least {KEY_BYTES} bytes")
        return cls(hmac.new(secret, SIGNING_LABEL, hashlib.sha256).digest())

    @classmethod
    def from_database_key(cls, key: DatabaseKey) -> SigningKey:
        """The signing key of an encrypted database: whoever can open it can check notes."""
        return cls.from_secret(key.raw)

    def mac(self, data: bytes) -> str:
        """The hex HMAC-SHA256 of `data` under this key."""
        return hmac.new(self.raw, data, hashlib.sha256).hexdigest()

    def verifies(self, data: bytes, mac: str | None) -> bool:
        """True when `mac` is this key's MAC of `data` (constant-time compare)."""
        return mac is not None and hmac.compare_digest(self.mac(data), mac)


@dataclass(frozen=True, slots=True)
class SignedContent:
    """Everything a signature covers besides the signer: the note and where it came from."""

    note: Note
    template: NoteTemplate
    patient: Patient | None
    segments: Sequence[Segment]

    def section_title(self, key: str) -> str:
        """The section's title for messages ("Assessment"), or its key if unknown."""
        try:
            return self.template.section(key).title
        except KeyError:
            return key


def _sha(document: Any) -> str:
    return hashlib.sha256(canonical_json({"v": KEYED_VERSION, "d": document})).hexdigest()


def _entry_fields(entry: NoteEntry) -> dict[str, Any]:
    """What of an entry a signature covers (both canonical versions)."""
    return {
        "id": entry.id,
        "section": entry.section,
        "text": entry.text,
        "source": entry.source.value,
        "segment_ids": list(entry.segment_ids),
    }


def _measurement_fields(m: Measurement) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind,
        "value": m.value,
        "unit": m.unit,
        "body_part": m.body_part,
        "side": m.side,
        "segment_ids": list(m.segment_ids),
    }


def _risk_fields(r: RiskFlag) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind.value,
        "evidence": r.evidence,
        "segment_ids": list(r.segment_ids),
        "acknowledged_at": canonical_instant(r.acknowledged_at),
    }


def _entry_digest(entry: NoteEntry) -> str:
    return _sha(_entry_fields(entry))


def _parts(content: SignedContent) -> dict[str, Any]:
    """The per-part digests of the manifest; the same content always gives the same."""
    note, patient = content.note, content.patient
    return {
        "session_id": note.session_id,
        "template": note.template,
        "patient": _sha(
            None
            if patient is None
            else {"id": patient.id, "name": patient.name, "identifier": patient.identifier}
        ),
        "entries": [
            {"id": e.id, "section": e.section, "sha256": _entry_digest(e)}
            for e in _ordered_entries(note, content.template.section_keys)
        ],
        "measurements": [
            {"id": m.id, "sha256": _sha(_measurement_fields(m))} for m in note.measurements
        ],
        "risks": [{"id": r.id, "sha256": _sha(_risk_fields(r))} for r in note.risks],
        "transcript": _sha(
            [
                {
                    "id": s.id,
                    "item_id": s.item_id,
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "text": s.text,
                    "speaker": s.speaker.value,
                }
                for s in content.segments
            ]
        ),
    }


@dataclass(frozen=True, slots=True)
class SignedManifest:
    """A keyed signature's stored form: the manifest JSON and its MAC."""

    manifest: str
    mac: str


def sign_note(
    content: SignedContent,
    key: SigningKey,
    *,
    role: SignatureRole,
    username: str,
    display_name: str,
    credentials: str,
    signed_at: datetime,
    audit_head: AuditAnchor | None,
) -> SignedManifest:
    """The manifest of `content` signed by this signer now, and its MAC under `key`."""
    manifest = {
        "format": "therapy-notes signed note",
        "version": KEYED_VERSION,
        **_parts(content),
        "signer": {
            "role": role.value,
            "username": username,
            "display_name": display_name,
            "credentials": credentials,
        },
        "signed_at": canonical_instant(signed_at),
        "audit_head": None
        if audit_head is None
        else {"id": audit_head.record_id, "hash": audit_head.record_hash},
    }
    raw = canonical_json(manifest)
    return SignedManifest(raw.decode("utf-8"), key.mac(raw))


def signature_label(signature: Signature) -> str:
    """How messages name a signature: "signature 3 (author, ana)"."""
    return f"signature {signature.id} ({signature.role.value}, {signature.username})"


def signed_audit_head(signature: Signature) -> AuditAnchor | None:
    """The audit chain head a keyed signature covered (read after `check_signature`)."""
    if signature.manifest is None:
        return None
    head = json.loads(signature.manifest).get("audit_head")
    if not isinstance(head, Mapping):
        return None
    return AuditAnchor(int(head["id"]), str(head["hash"]))


def _changed_items(
    kind: str,
    stored: Sequence[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]],
    where: Mapping[Any, str] | None = None,
) -> list[str]:
    """'entry 12 in Assessment was changed/deleted/added after signing', by id."""
    old = {item["id"]: item for item in stored}
    new = {item["id"]: item for item in current}
    where = where or {}

    def name(item_id: Any) -> str:
        place = where.get(item_id)
        return f"{kind} {item_id}" + (f" in {place}" if place else "")

    findings = []
    for item_id, item in old.items():
        if item_id not in new:
            findings.append(f"{name(item_id)} was deleted after signing")
        elif dict(new[item_id]) != dict(item):
            findings.append(f"{name(item_id)} was changed after signing")
    findings += [f"{name(i)} was added after signing" for i in new if i not in old]
    return findings


def check_signature(signature: Signature, content: SignedContent, key: SigningKey) -> list[str]:
    """What no longer verifies about `signature` over `content`: [] when it all holds.

    A keyed signature must carry a MAC of its manifest under `key` (else the signature
    itself was forged or altered, or the key is another database's); then each part's
    digest is compared with the stored content to say which part changed. A signature from
    before keying (no MAC) is checked against its version 1 hash only.
    """
    label = signature_label(signature)
    if signature.session_id != content.note.session_id:
        return [f"{label} belongs to another note"]
    if signature.mac is None or signature.manifest is None:
        matches = signature_matches(
            signature,
            content.note,
            patient_id=None if content.patient is None else content.patient.id,
            section_order=content.template.section_keys,
        )
        return [] if matches else [f"{label} no longer matches the note"]
    if not key.verifies(signature.manifest.encode("utf-8"), signature.mac):
        return [
            f"{label} does not verify: the signature was altered, or it was made with "
            "another database's key"
        ]
    stored = json.loads(signature.manifest)
    if stored.get("version") != KEYED_VERSION:
        return [
            f"{label} has signature format {stored.get('version')!r}, which this "
            "version of Therapy Notes cannot check"
        ]
    signer = {
        "role": signature.role.value,
        "username": signature.username,
        "display_name": signature.display_name,
        "credentials": signature.credentials,
    }
    findings: list[str] = []
    if stored["signer"] != signer or stored["signed_at"] != canonical_instant(signature.signed_at):
        findings.append(f"the signer, credentials or time of {label} were changed")
    current = _parts(content)
    if stored["session_id"] != current["session_id"] or stored["template"] != current["template"]:
        findings.append(f"{label} belongs to another note")
    if stored["patient"] != current["patient"]:
        findings.append("the patient's identity changed")
    titles = {
        e["id"]: content.section_title(e["section"])
        for e in [*stored["entries"], *current["entries"]]
    }
    findings += _changed_items("entry", stored["entries"], current["entries"], titles)
    findings += _changed_items("measurement", stored["measurements"], current["measurements"])
    findings += _changed_items("risk flag", stored["risks"], current["risks"])
    if stored["transcript"] != current["transcript"]:
        findings.append("the transcript was changed")
    return findings
