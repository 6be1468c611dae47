"""The canonical signed content: stable bytes, and every signed fact changes the hash."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from therapy_notes.domain.notes import (
    Addendum,
    EntrySource,
    Measurement,
    Note,
    NoteEntry,
    RiskFlag,
    RiskKind,
    Signature,
    SignatureRole,
)
from therapy_notes.domain.signing import (
    addendum_matches,
    addendum_sha256,
    canonical_content,
    content_sha256,
    signature_matches,
)

AT = datetime(2026, 3, 4, 15, 30, 0, 123_456, tzinfo=UTC)
ORDER = ("subjective", "objective", "assessment", "plan")


def _note() -> Note:
    return Note(
        session_id=7,
        template="soap",
        entries=[
            NoteEntry("plan", "Continue twice weekly.", EntrySource.CLINICIAN, (), id=3),
            NoteEntry("subjective", "Reports pain 6/10 in the left knee.",
                      EntrySource.LOCAL_COMPOSER, (11, 12), id=1),
            NoteEntry("objective", "Flexion 110°.", EntrySource.MODEL, (13,), id=2),
        ],
        measurements=[Measurement("pain_score", 6.0, "/10", "knee", "left", (11,), id=4)],
        risks=[RiskFlag(RiskKind.FALL_RISK, "Near fall on stairs", (12,), id=5,
                        acknowledged_at=AT - timedelta(minutes=5))],
    )


def _hash(note: Note, **changes: object) -> str:
    args: dict[str, object] = {
        "patient_id": 2, "section_order": ORDER, "role": SignatureRole.AUTHOR,
        "username": "ana", "display_name": "Ana Ruiz", "credentials": "OTR/L", "signed_at": AT,
    }
    args.update(changes)
    return content_sha256(note, **args)  # type: ignore[arg-type]


def test_canonical_content_is_json_with_entries_in_template_order() -> None:
    raw = canonical_content(
        _note(), patient_id=2, section_order=ORDER, role=SignatureRole.AUTHOR, username="ana",
        display_name="Ana Ruiz", credentials="OTR/L", signed_at=AT)
    doc = json.loads(raw.decode("utf-8"))
    assert [e["section"] for e in doc["entries"]] == ["subjective", "objective", "plan"]
    assert doc["signed_at"] == "2026-03-04T15:30:00.123456+00:00"
    assert doc["signer"] == {"role": "author", "username": "ana", "display_name": "Ana Ruiz",
                             "credentials": "OTR/L"}
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
        lambda n: n.entries.__setitem__(2, dataclasses.replace(n.entries[2],
                                                               source=EntrySource.CLINICIAN)),
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
        dataclasses.replace(signature, session_id=8), _note(), patient_id=2, section_order=ORDER)


def test_addendum_hash_detects_a_changed_text() -> None:
    draft = Addendum(7, "ana", "Ana Ruiz", "OTR/L", AT, "Late entry", "Called patient.")
    stored = dataclasses.replace(draft, content_sha256=addendum_sha256(draft))
    assert addendum_matches(stored)
    assert not addendum_matches(dataclasses.replace(stored, text="Did not call."))
