"""The canonical signed content: stable bytes, and every signed fact changes the hash."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from therapy_notes.domain.addenda import (
    addendum_mac,
    addendum_matches,
    addendum_sha256,
    chain_value,
    check_addenda,
)
from therapy_notes.domain.audit import (
    GENESIS_HASH,
    AuditAnchor,
    AuditRecord,
    anchor_findings,
    chain_findings,
    record_hash,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import (
    Addendum,
    EntrySource,
    Measurement,
    Note,
    NoteEntry,
    NoteTemplate,
    RiskFlag,
    RiskKind,
    Signature,
    SignatureRole,
    TemplateSection,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SpeakerRole
from therapy_notes.domain.signing import (
    SignedContent,
    SigningKey,
    canonical_content,
    check_signature,
    content_sha256,
    sign_note,
    signature_matches,
    signed_audit_head,
)

AT = datetime(2026, 3, 4, 15, 30, 0, 123_456, tzinfo=UTC)
ORDER = ("subjective", "objective", "assessment", "plan")


def _note() -> Note:
    return Note(
        session_id=7,
        template="soap",
        entries=[
            NoteEntry("plan", "Continue twice weekly.", EntrySource.CLINICIAN, (), id=3),
            NoteEntry(
                "subjective",
                "Reports pain 6/10 in the left knee.",
                EntrySource.LOCAL_COMPOSER,
                (11, 12),
                id=1,
            ),
            NoteEntry("objective", "Flexion 110°.", EntrySource.MODEL, (13,), id=2),
        ],
        measurements=[Measurement("pain_score", 6.0, "/10", "knee", "left", (11,), id=4)],
        risks=[
            RiskFlag(
                RiskKind.FALL_RISK,
                "Near fall on stairs",
                (12,),
                id=5,
                acknowledged_at=AT - timedelta(minutes=5),
            )
        ],
    )


def _hash(note: Note, **changes: object) -> str:
    args: dict[str, object] = {
        "patient_id": 2,
        "section_order": ORDER,
        "role": SignatureRole.AUTHOR,
        "username": "ana",
        "display_name": "Ana Ruiz",
        "credentials": "OTR/L",
        "signed_at": AT,
    }
    args.update(changes)
    return content_sha256(note, **args)  # type: ignore[arg-type]


def test_canonical_content_is_json_with_entries_in_template_order() -> None:
    raw = canonical_content(
        _note(),
        patient_id=2,
        section_order=ORDER,
        role=SignatureRole.AUTHOR,
        username="ana",
        display_name="Ana Ruiz",
        credentials="OTR/L",
        signed_at=AT,
    )
    doc = json.loads(raw.decode("utf-8"))
    assert [e["section"] for e in doc["entries"]] == ["subjective", "objective", "plan"]
    assert doc["signed_at"] == "2026-03-04T15:30:00.123456+00:00"
    assert doc["signer"] == {
        "role": "author",
        "username": "ana",
        "display_name": "Ana Ruiz",
        "credentials": "OTR/L",
    }
    assert "Flexion 110°." in raw.decode("utf-8")  # UTF-8, not escaped
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert raw == canonical.encode("utf-8")  # sorted keys, no insignificant whitespace


def test_same_note_same_hash_and_offset_times_are_the_same_instant() -> None:
    berlin = timezone(timedelta(hours=1))
    assert _hash(_note()) == _hash(_note())
    assert _hash(_note()) == _hash(_note(), signed_at=AT.astimezone(berlin))
    assert len(_hash(_note())) == 64


@pytest.mark.parametrize(
    "tamper",
    [
        lambda n: n.entries.__setitem__(1, dataclasses.replace(n.entries[1], text="Pain 2/10.")),
        lambda n: n.entries.__setitem__(0, dataclasses.replace(n.entries[0], section="assessment")),
        lambda n: n.entries.__setitem__(2, dataclasses.replace(n.entries[2], segment_ids=(14,))),
        lambda n: n.entries.__setitem__(
            2, dataclasses.replace(n.entries[2], source=EntrySource.CLINICIAN)
        ),
        lambda n: n.entries.pop(),
        lambda n: n.measurements.__setitem__(0, dataclasses.replace(n.measurements[0], value=5.0)),
        lambda n: n.risks.clear(),
    ],
)
def test_any_change_to_the_note_changes_the_hash(tamper: object) -> None:
    note = _note()
    tamper(note)  # type: ignore[operator]
    assert _hash(note) != _hash(_note())


def test_signer_time_patient_and_session_are_covered() -> None:
    base = _hash(_note())
    assert _hash(_note(), username="bob") != base
    assert _hash(_note(), credentials="PT") != base
    assert _hash(_note(), role=SignatureRole.COSIGNER) != base
    assert _hash(_note(), signed_at=AT + timedelta(microseconds=1)) != base
    assert _hash(_note(), patient_id=3) != base
    assert _hash(dataclasses.replace(_note(), session_id=8)) != base


def test_naive_signing_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        _hash(_note(), signed_at=AT.replace(tzinfo=None))


def test_signature_matches_only_the_signed_content() -> None:
    signature = Signature(7, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "OTR/L", AT, _hash(_note()))
    assert signature_matches(signature, _note(), patient_id=2, section_order=ORDER)
    changed = _note()
    changed.entries[0] = dataclasses.replace(changed.entries[0], text="Discharge.")
    assert not signature_matches(signature, changed, patient_id=2, section_order=ORDER)
    assert not signature_matches(
        dataclasses.replace(signature, session_id=8), _note(), patient_id=2, section_order=ORDER
    )


def test_addendum_hash_detects_a_changed_text() -> None:
    draft = Addendum(7, "ana", "Ana Ruiz", "OTR/L", AT, "Late entry", "Called patient.")
    stored = dataclasses.replace(draft, content_sha256=addendum_sha256(draft))
    assert addendum_matches(stored)
    assert not addendum_matches(dataclasses.replace(stored, text="Did not call."))


# --- keyed signatures (version 2), the addenda chain, the audit chain -----------------------

KEY = SigningKey.from_secret(b"k" * 32)
TEMPLATE = NoteTemplate(
    "soap", "SOAP note", "", tuple(TemplateSection(key, key.title(), "") for key in ORDER)
)
PATIENT = Patient("Dana Reyes", identifier="MRN-7", id=2)
SEGMENTS = (
    Segment("item_1", 0, 4000, "My knee hurts.", id=11, speaker=SpeakerRole.CLIENT),
    Segment("item_2", 4000, 9000, "Since when?", id=12, speaker=SpeakerRole.CLINICIAN),
)


def _content(note: Note | None = None, **changes: object) -> SignedContent:
    content = SignedContent(note or _note(), TEMPLATE, PATIENT, SEGMENTS)
    return dataclasses.replace(content, **changes)  # type: ignore[arg-type]


def _keyed(content: SignedContent | None = None, key: SigningKey = KEY) -> Signature:
    signed = sign_note(
        content or _content(),
        key,
        role=SignatureRole.AUTHOR,
        username="ana",
        display_name="Ana Ruiz",
        credentials="OTR/L",
        signed_at=AT,
        audit_head=AuditAnchor(40, "ab" * 32),
    )
    return Signature(
        7,
        SignatureRole.AUTHOR,
        "ana",
        "Ana Ruiz",
        "OTR/L",
        AT,
        "",
        id=1,
        mac=signed.mac,
        manifest=signed.manifest,
    )


def test_signing_key_is_derived_from_the_database_key_with_a_label() -> None:
    db_key = DatabaseKey(b"d" * 32)
    key = SigningKey.from_database_key(db_key)
    assert key == SigningKey.from_database_key(DatabaseKey(b"d" * 32))
    assert (
        key.raw == hmac.new(b"d" * 32, b"therapy-notes note signatures v1", hashlib.sha256).digest()
    )
    assert key.raw != db_key.raw
    assert key != SigningKey.from_database_key(DatabaseKey(b"e" * 32))
    assert "<redacted>" in repr(key)
    assert key.raw.hex() not in repr(key)
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey(b"short")


def test_an_untouched_note_verifies_and_the_manifest_is_versioned() -> None:
    signature = _keyed()
    assert check_signature(signature, _content(), KEY) == []
    manifest = json.loads(signature.manifest or "")
    assert manifest["version"] == 2
    assert manifest["audit_head"] == {"id": 40, "hash": "ab" * 32}
    assert [e["id"] for e in manifest["entries"]] == [1, 2, 3]  # template order
    assert "Dana Reyes" not in (signature.manifest or "")
    assert signed_audit_head(signature) == AuditAnchor(40, "ab" * 32)


def _edited_entry(note: Note) -> None:
    note.entries[2] = dataclasses.replace(note.entries[2], text="Flexion 140°.")


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        (lambda c: _edited_entry(c.note), "entry 2 in Objective was changed after signing"),
        (lambda c: c.note.entries.pop(0), "entry 3 in Plan was deleted after signing"),
        (
            lambda c: c.note.entries.append(NoteEntry("plan", "More.", EntrySource.MODEL, id=9)),
            "entry 9 in Plan was added after signing",
        ),
        (
            lambda c: c.note.measurements.__setitem__(
                0, dataclasses.replace(c.note.measurements[0], value=2.0)
            ),
            "measurement 4 was changed after signing",
        ),
        (
            lambda c: c.note.risks.__setitem__(
                0, dataclasses.replace(c.note.risks[0], acknowledged_at=None)
            ),
            "risk flag 5 was changed after signing",
        ),
    ],
)
def test_each_changed_part_of_the_note_is_named(change: object, finding: str) -> None:
    signature = _keyed()
    content = _content()
    change(content)  # type: ignore[operator]
    assert check_signature(signature, content, KEY) == [finding]


@pytest.mark.parametrize(
    "segments",
    [
        (dataclasses.replace(SEGMENTS[0], text="My hip hurts."), SEGMENTS[1]),
        (dataclasses.replace(SEGMENTS[0], speaker=SpeakerRole.CLINICIAN), SEGMENTS[1]),
        (dataclasses.replace(SEGMENTS[0], start_ms=10), SEGMENTS[1]),
        (SEGMENTS[0],),
    ],
    ids=["text", "speaker", "time", "removed"],
)
def test_a_changed_transcript_is_named(segments: tuple[Segment, ...]) -> None:
    assert check_signature(_keyed(), _content(segments=segments), KEY) == [
        "the transcript was changed"
    ]


@pytest.mark.parametrize(
    "patient",
    [
        dataclasses.replace(PATIENT, name="Someone Else"),
        dataclasses.replace(PATIENT, identifier="MRN-8"),
        None,
    ],
)
def test_a_changed_patient_identity_is_named(patient: Patient | None) -> None:
    assert check_signature(_keyed(), _content(patient=patient), KEY) == [
        "the patient's identity changed"
    ]


def test_a_wrong_key_or_a_forged_manifest_does_not_verify() -> None:
    signature = _keyed()
    other = SigningKey.from_secret(b"x" * 32)
    (finding,) = check_signature(signature, _content(), other)
    assert finding.startswith("signature 1 (author, ana) does not verify")
    forged = _keyed(_content(patient=dataclasses.replace(PATIENT, name="X")), other)
    assert check_signature(forged, _content(patient=dataclasses.replace(PATIENT, name="X")), KEY)[
        0
    ].startswith("signature 1 (author, ana) does not verify")


def test_a_changed_signer_on_the_row_is_named() -> None:
    signature = dataclasses.replace(_keyed(), credentials="MD")
    assert check_signature(signature, _content(), KEY) == [
        "the signer, credentials or time of signature 1 (author, ana) were changed"
    ]


def test_an_unsigned_signature_from_before_keying_is_checked_by_its_v1_hash() -> None:
    legacy = Signature(
        7, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "OTR/L", AT, _hash(_note()), id=1
    )
    assert check_signature(legacy, _content(), KEY) == []
    content = _content()
    _edited_entry(content.note)
    assert check_signature(legacy, content, KEY) == [
        "signature 1 (author, ana) no longer matches the note"
    ]


def _addenda(author: Signature) -> list[Addendum]:
    chained: list[Addendum] = []
    previous = chain_value(author)
    for number in (1, 2, 3):
        draft = Addendum(
            7,
            "ana",
            "Ana Ruiz",
            "OTR/L",
            AT + timedelta(minutes=number),
            f"Reason {number}",
            f"Text {number}",
            id=number,
        )
        mac = addendum_mac(draft, previous, KEY)
        chained.append(dataclasses.replace(draft, previous_mac=previous, mac=mac))
        previous = mac
    return chained


def test_addenda_are_chained_to_the_signature_and_each_other() -> None:
    author = _keyed()
    addenda = _addenda(author)
    assert check_addenda(addenda, author, KEY) == []
    edited = [addenda[0], dataclasses.replace(addenda[1], text="Other."), addenda[2]]
    assert [f for _, f in check_addenda(edited, author, KEY)] == ["addendum 2 was changed"]
    removed = [addenda[0], addenda[2]]
    assert [f for _, f in check_addenda(removed, author, KEY)] == [
        "an addendum before addendum 2 was removed or changed"
    ]
    other_note = dataclasses.replace(author, mac="00" * 32)
    assert [f for _, f in check_addenda(addenda, other_note, KEY)] == [
        "addendum 1 is not chained to this note's signature"
    ]
    wrong_key = SigningKey.from_secret(b"x" * 32)
    assert len(check_addenda(addenda, author, wrong_key)) == 3


def _chain(count: int) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    for record_id in range(1, count + 1):
        record = AuditRecord("ana", "entry_added", "session", 7, AT, after=f'{{"n": {record_id}}}')
        digest = record_hash(record, record_id, prev)
        records.append(
            dataclasses.replace(record, id=record_id, prev_hash=prev, record_hash=digest)
        )
        prev = digest
    return records


def test_the_audit_chain_names_a_missing_or_edited_record() -> None:
    chain = _chain(5)
    assert chain_findings(chain) == []
    missing = "an audit record is missing or edited (record {})"
    assert chain_findings([*chain[:2], *chain[3:]]) == [missing.format(3)]
    assert chain_findings(chain[1:]) == [missing.format(1)]
    edited = dataclasses.replace(chain[2], actor="mallory")
    assert chain_findings([*chain[:2], edited, *chain[3:]]) == [missing.format(3)]
    rehashed = dataclasses.replace(
        edited, record_hash=record_hash(edited, 3, edited.prev_hash or "")
    )
    assert chain_findings([*chain[:2], rehashed, *chain[3:]]) == [missing.format(3)]
    unchained = dataclasses.replace(chain[4], prev_hash=None, record_hash=None)
    assert chain_findings([*chain[:4], unchained]) == [missing.format(5)]


def test_an_anchor_shows_a_recomputed_chain() -> None:
    chain = _chain(5)
    anchor = AuditAnchor(4, chain[3].record_hash or "")
    assert anchor_findings(chain, anchor, "signature 1") == []
    rebuilt = [dataclasses.replace(r, after='{"n": 0}') for r in chain[:4]]
    prev, rechained = GENESIS_HASH, []
    for record in rebuilt:
        digest = record_hash(record, record.id or 0, prev)
        rechained.append(dataclasses.replace(record, prev_hash=prev, record_hash=digest))
        prev = digest
    assert chain_findings(rechained) == []
    assert anchor_findings(rechained, anchor, "signature 1") == [
        "the audit trail before signature 1 was rewritten (records up to 4)"
    ]
    assert anchor_findings(chain[:3], anchor, "signature 1") == [
        "an audit record is missing or edited (record 4)"
    ]
