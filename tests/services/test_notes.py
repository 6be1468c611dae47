"""Note review and sign-off on a real SQLite file: edits audited, signing locks, tampering shows."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from therapy_notes.domain.addenda import addendum_sha256
from therapy_notes.domain.audit import GENESIS_HASH, record_hash
from therapy_notes.domain.note_review import SignatureState
from therapy_notes.domain.notes import (
    EntrySource,
    Measurement,
    NoteEntry,
    RiskFlag,
    RiskKind,
    SignatureRole,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.signing import (
    SigningKey,
    content_sha256,
    signature_matches,
)
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import (
    NoteLockedError,
    PermissionDeniedError,
    SignatureMismatchError,
    UserFacingError,
)
from therapy_notes.services.notes import NotesService
from therapy_notes.storage import Database, open_database
from therapy_notes.storage.signatures import signing_key_for

ANA = User("ana", "Ana Ruiz", Role.CLINICIAN, "OTR/L")
RAE = User("rae", "Rae Vo", Role.REVIEWER, "PT, DPT")
ADMIN = User("admin", "Site Admin", Role.ADMIN)


@dataclass
class Seeded:
    db: Database
    path: Path
    session_id: int
    entry_ids: list[int]
    segment_ids: list[int]
    risk_id: int


def seed_session(path: Path, opener: Callable[[Path], Database] = open_database) -> Seeded:
    """A finished session with a transcript, a drafted SOAP note, a measurement and a risk."""
    db = opener(path)
    with db.uow_factory() as uow:
        patient = uow.patients.add(
            Patient("Dana Reyes", identifier="MRN-7", date_of_birth=date(1961, 5, 2))
        )
        assert patient.id is not None
        session = uow.sessions.start(
            patient.id, "soap", "local", datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
        )
        segments = [
            uow.segments.add(session.id, Segment("item_1", 0, 4000, "My left knee hurts, six.")),
            uow.segments.add(session.id, Segment("item_2", 4000, 9000, "I nearly fell on stairs.")),
        ]
        seg_ids = [s.id for s in segments if s.id is not None]
        entries = [
            uow.notes.add_entry(
                session.id,
                NoteEntry(
                    "subjective",
                    "Reports left knee pain 6/10.",
                    EntrySource.LOCAL_COMPOSER,
                    (seg_ids[0],),
                ),
            ),
            uow.notes.add_entry(
                session.id,
                NoteEntry(
                    "assessment", "Near fall on stairs this week.", EntrySource.MODEL, (seg_ids[1],)
                ),
            ),
        ]
        uow.notes.add_measurement(
            session.id, Measurement("pain_score", 6.0, "/10", "knee", "left", (seg_ids[0],))
        )
        risk = uow.notes.add_risk(
            session.id, RiskFlag(RiskKind.FALL_RISK, "Nearly fell", (seg_ids[1],))
        )
        uow.sessions.set_status(
            session.id, SessionStatus.DRAFT, ended_at=datetime(2026, 3, 4, 14, 40, tzinfo=UTC)
        )
        assert risk.id is not None
        return Seeded(
            db, path, session.id, [e.id for e in entries if e.id is not None], seg_ids, risk.id
        )


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    s = seed_session(tmp_path / "therapy_notes.db")
    yield s
    s.db.close()


@pytest.fixture
def service(seeded: Seeded) -> NotesService:
    return NotesService(
        seeded.db.uow_factory, signing_key=signing_key_for(seeded.path, None), tz=UTC
    )


async def _signed(service: NotesService, seeded: Seeded) -> None:
    await service.acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    await service.sign(ANA, seeded.session_id)


def _tamper(path: Path, sql: str, *args: object) -> None:
    """Change the database behind the app's back, as someone with the file could.

    From another process, as such a person would: a second SQLite library in this process
    would drop the app's file locks when it closed the file (sqlite.org, "How To Corrupt
    An SQLite Database File", 2.2.1), which damaged the database in these tests.
    """
    script = (
        "import json, sqlite3, sys\n"
        "path, sql, args = json.loads(sys.argv[1])\n"
        "connection = sqlite3.connect(path)\n"
        "with connection:\n"
        "    print(connection.execute(sql, args).rowcount)\n"
        "connection.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps([str(path), sql, list(args)])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "1"


async def test_load_shows_each_entry_with_its_source_and_segments(
    service: NotesService, seeded: Seeded
) -> None:
    assert [s.id for s in await service.awaiting_review()] == [seeded.session_id]
    review = await service.load(ANA, seeded.session_id)
    assert review.signature_state is SignatureState.UNSIGNED
    assert not review.is_locked
    assert review.patient is not None
    assert review.patient.identifier == "MRN-7"
    first, second = review.note.entries
    assert first.source is EntrySource.LOCAL_COMPOSER
    assert second.source is EntrySource.MODEL
    assert [s.text for s in review.segments_of(first)] == ["My left knee hurts, six."]
    assert [s.item_id for s in review.segments_of(second)] == ["item_2"]
    assert review.last_edited_by(first) is None  # nobody has touched the composer's entry
    assert review.template.section_keys[0] == "subjective"


async def test_every_edit_is_audited_with_before_and_after(
    service: NotesService, seeded: Seeded
) -> None:
    added = await service.add_entry(ANA, seeded.session_id, "plan", "Home exercise program.")
    edited = await service.edit_entry(RAE, seeded.entry_ids[0], "Reports L knee pain 6/10.")
    await service.delete_entry(ANA, seeded.entry_ids[1])
    assert added.source is EntrySource.CLINICIAN
    assert edited.source is EntrySource.REVIEWER

    trail = await service.audit_trail(seeded.session_id)
    assert [(r.actor, r.action) for r in trail] == [
        ("ana", "entry_added"),
        ("rae", "entry_edited"),
        ("ana", "entry_deleted"),
    ]
    assert all(r.at.tzinfo is UTC for r in trail)
    assert trail[0].before is None
    assert json.loads(trail[0].after or "")["text"] == "Home exercise program."
    before, after = json.loads(trail[1].before or ""), json.loads(trail[1].after or "")
    assert (before["text"], before["source"]) == ("Reports left knee pain 6/10.", "local_composer")
    assert (after["text"], after["source"]) == ("Reports L knee pain 6/10.", "reviewer")
    assert after["segment_ids"] == [seeded.segment_ids[0]]
    assert json.loads(trail[2].before or "")["text"] == "Near fall on stairs this week."
    assert trail[2].after is None

    review = await service.load(ANA, seeded.session_id)
    assert [e.text for e in review.note.entries] == [
        "Reports L knee pain 6/10.",
        "Home exercise program.",
    ]
    assert review.last_edited_by(review.note.entries[0]) == "rae"
    assert review.last_edited_by(review.note.entries[1]) == "ana"


async def test_admins_cannot_edit_and_sections_must_exist(
    service: NotesService, seeded: Seeded
) -> None:
    with pytest.raises(PermissionDeniedError, match="Administrators"):
        await service.edit_entry(ADMIN, seeded.entry_ids[0], "x")
    with pytest.raises(UserFacingError, match="no section 'goals'"):
        await service.add_entry(ANA, seeded.session_id, "goals", "Walk 100 m.")
    assert await service.audit_trail(seeded.session_id) == []


async def test_signing_needs_a_clinician_and_acknowledged_risks(
    service: NotesService, seeded: Seeded
) -> None:
    with pytest.raises(PermissionDeniedError, match="Only a clinician"):
        await service.sign(RAE, seeded.session_id)
    with pytest.raises(UserFacingError, match="not acknowledged"):
        await service.sign(ANA, seeded.session_id)
    await service.acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    signature = await service.sign(ANA, seeded.session_id)

    assert signature.role is SignatureRole.AUTHOR
    assert signature.signature_name == "Ana Ruiz, OTR/L"
    review = await service.load(ANA, seeded.session_id)
    assert review.session.status is SessionStatus.SIGNED
    assert review.is_locked
    assert review.signature_state is SignatureState.VALID
    assert review.signatures == (signature,)
    assert signature_matches(
        signature,
        review.note,
        patient_id=review.session.patient_id,
        section_order=review.template.section_keys,
    )
    assert await service.awaiting_review() == []
    actions = [r.action for r in await service.audit_trail(seeded.session_id)]
    assert actions == ["risk_acknowledged", "signed"]


async def test_a_signed_note_refuses_every_edit_through_the_service(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    attempts = [
        service.add_entry(ANA, seeded.session_id, "plan", "Late change."),
        service.edit_entry(ANA, seeded.entry_ids[0], "Late change."),
        service.delete_entry(RAE, seeded.entry_ids[1]),
        service.acknowledge_risk(ANA, seeded.session_id, seeded.risk_id),
        service.sign(ANA, seeded.session_id),
    ]
    for attempt in attempts:
        with pytest.raises(NoteLockedError, match=r"signed.*addendum"):
            await attempt
    review = await service.load(ANA, seeded.session_id)
    assert [e.text for e in review.note.entries] == [
        "Reports left knee pain 6/10.",
        "Near fall on stairs this week.",
    ]
    assert review.signature_state is SignatureState.VALID


async def test_addenda_and_cosignature_after_signing(service: NotesService, seeded: Seeded) -> None:
    with pytest.raises(UserFacingError, match="not signed yet"):
        await service.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned patient.")
    with pytest.raises(UserFacingError, match="not signed yet"):
        await service.cosign(RAE, seeded.session_id)
    await _signed(service, seeded)

    addendum = await service.add_addendum(
        ANA, seeded.session_id, "Late entry", "Phoned patient; pain now 4/10."
    )
    with pytest.raises(PermissionDeniedError, match="author"):
        await service.cosign(ANA, seeded.session_id)
    with pytest.raises(PermissionDeniedError):
        await service.cosign(ADMIN, seeded.session_id)
    cosignature = await service.cosign(RAE, seeded.session_id)
    with pytest.raises(UserFacingError, match="already co-signed"):
        await service.cosign(RAE, seeded.session_id)

    review = await service.load(RAE, seeded.session_id)
    assert review.addenda == (addendum,)
    assert addendum.author_name == "Ana Ruiz, OTR/L"
    assert [s.role for s in review.signatures] == [SignatureRole.AUTHOR, SignatureRole.COSIGNER]
    assert review.signatures[1] == cosignature
    assert cosignature.signature_name == "Rae Vo, PT, DPT"
    assert review.signature_state is SignatureState.VALID
    trail = await service.audit_trail(seeded.session_id)
    assert [(r.actor, r.action) for r in trail][-3:] == [
        ("ana", "signed"),
        ("ana", "addendum_added"),
        ("rae", "cosigned"),
    ]
    assert json.loads(trail[-2].after or "")["reason"] == "Late entry"


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_tampering_after_signing_is_reported_on_load_and_export_and_audited(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    _tamper(
        seeded.path,
        "UPDATE note_entries SET text = ? WHERE id = ?",
        "Reports no knee pain.",
        seeded.entry_ids[0],
    )

    review = await service.load(RAE, seeded.session_id)
    assert review.signature_state is SignatureState.MISMATCH
    assert review.mismatches == (f"signature {review.signatures[0].id} (author, ana)",)
    with pytest.raises(SignatureMismatchError, match="no longer matches its signature"):
        await service.export_document(ANA, seeded.session_id, export_format="pdf")
    with pytest.raises(SignatureMismatchError):
        await service.cosign(RAE, seeded.session_id)

    trail = await service.audit_trail(seeded.session_id)
    mismatches = [r for r in trail if r.action == "signature_mismatch"]
    assert [(r.actor, json.loads(r.after or "")["during"]) for r in mismatches] == [
        ("rae", "open"),
        ("ana", "export:pdf"),
        ("rae", "cosign"),
    ]
    assert "exported" not in [r.action for r in trail]
    assert "cosigned" not in [r.action for r in trail]


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_tampering_with_a_measurement_or_an_addendum_is_noticed(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    addendum = await service.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned.")
    assert (await service.load(ANA, seeded.session_id)).signature_state is SignatureState.VALID
    _tamper(seeded.path, "UPDATE addenda SET text = ? WHERE id = ?", "Never phoned.", addendum.id)
    review = await service.load(ANA, seeded.session_id)
    assert review.mismatches == (f"addendum {addendum.id} (ana)",)
    _tamper(
        seeded.path, "UPDATE measurements SET value = 2.0 WHERE session_id = ?", seeded.session_id
    )
    review = await service.load(ANA, seeded.session_id)
    assert review.signature_state is SignatureState.MISMATCH
    assert len(review.mismatches) == 2


async def test_export_document_lays_out_the_signed_note_and_audits_the_export(
    service: NotesService, seeded: Seeded
) -> None:
    draft = await service.export_document(
        ANA, seeded.session_id, export_format="md", clinic_name="Harbor Rehab"
    )
    assert not draft.is_signed
    assert draft.clinician == "Ana Ruiz, OTR/L"  # the exporting clinician, for a draft
    assert draft.transcript is None
    await _signed(service, seeded)
    doc = await service.export_document(
        RAE,
        seeded.session_id,
        export_format="docx",
        clinic_name="Harbor Rehab",
        include_transcript=True,
    )
    assert doc.is_signed
    assert doc.clinician == "Ana Ruiz, OTR/L"  # the signer, whoever exports
    assert doc.clinic_name == "Harbor Rehab"
    assert doc.patient is not None
    assert doc.patient.name == "Dana Reyes"
    assert [s.key for s in doc.sections] == ["subjective", "objective", "assessment", "plan"]
    assert [e.text for e in doc.sections[0].entries] == ["Reports left knee pain 6/10."]
    assert doc.sections[1].entries == ()
    assert doc.transcript is not None
    assert len(doc.transcript) == 2
    exports = [
        json.loads(r.after or "")
        for r in await service.audit_trail(seeded.session_id)
        if r.action == "exported"
    ]
    assert exports == [
        {"format": "md", "transcript": False, "signed": False},
        {"format": "docx", "transcript": True, "signed": True},
    ]


# --- keyed signatures, the addenda chain and the audit chain: attacks with raw SQL ---------


def _sql(path: Path, sql: str, *args: object) -> int:
    """Run one statement on the database file, past every repository; rows changed."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            return connection.execute(sql, args).rowcount
    finally:
        connection.close()


def _audit_id(path: Path, session_id: int, action: str) -> int:
    connection = sqlite3.connect(path)
    try:
        (record_id,) = connection.execute(
            "SELECT id FROM audit_log WHERE entity = 'session' AND entity_id = ? AND action = ? "
            "ORDER BY id LIMIT 1",
            (session_id, action),
        ).fetchone()
        return int(record_id)
    finally:
        connection.close()


async def _refused_export(service: NotesService, seeded: Seeded, finding: str) -> None:
    with pytest.raises(SignatureMismatchError, match="no longer matches its signature") as info:
        await service.export_document(RAE, seeded.session_id, export_format="md")
    assert finding in str(info.value)
    trail = await service.audit_trail(seeded.session_id)
    assert "exported" not in [r.action for r in trail]
    last = [r for r in trail if r.action == "signature_mismatch"][-1]
    assert finding in json.loads(last.after or "")["findings"]


async def test_an_untouched_signed_and_amended_note_verifies(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    await service.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned.")
    await service.add_addendum(ANA, seeded.session_id, "Second", "Pain now 4/10.")
    await service.cosign(RAE, seeded.session_id)
    review = await service.load(RAE, seeded.session_id)
    assert review.signature_state is SignatureState.VALID
    assert review.findings == ()
    assert all(s.mac and s.manifest for s in review.signatures)
    manifest = json.loads(review.signatures[0].manifest or "")
    assert manifest["version"] == 2
    assert manifest["format"] == "therapy-notes signed note"
    assert "Dana Reyes" not in (review.signatures[0].manifest or "")  # digests, not content
    assert review.addenda[0].previous_mac == review.signatures[0].mac
    assert review.addenda[1].previous_mac == review.addenda[0].mac
    await service.export_document(RAE, seeded.session_id, export_format="md")


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_editing_an_entry_and_recomputing_the_old_hash_is_detected(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    signature = (await service.load(ANA, seeded.session_id)).signatures[0]
    entry_id = seeded.entry_ids[1]
    _tamper(
        seeded.path, "UPDATE note_entries SET text = ? WHERE id = ?", "No fall reported.", entry_id
    )
    # What the unkeyed signature allowed: recompute its hash over the edited note.
    template_order = ("subjective", "objective", "assessment", "plan")
    db = open_database(seeded.path)
    try:
        with db.uow_factory() as uow:
            edited = uow.notes.load(seeded.session_id)
    finally:
        db.close()
    forged = content_sha256(
        edited,
        patient_id=1,
        section_order=template_order,
        role=signature.role,
        username=signature.username,
        display_name=signature.display_name,
        credentials=signature.credentials,
        signed_at=signature.signed_at,
    )
    _tamper(
        seeded.path, "UPDATE signatures SET content_sha256 = ? WHERE id = ?", forged, signature.id
    )

    review = await service.load(RAE, seeded.session_id)
    assert review.signature_state is SignatureState.MISMATCH
    finding = f"entry {entry_id} in Assessment was changed after signing"
    assert review.findings == (finding,)
    assert review.mismatches == (f"signature {signature.id} (author, ana)",)
    await _refused_export(service, seeded, finding)


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_an_added_or_deleted_entry_is_named(service: NotesService, seeded: Seeded) -> None:
    await _signed(service, seeded)
    _tamper(seeded.path, "DELETE FROM note_entries WHERE id = ?", seeded.entry_ids[0])
    _tamper(
        seeded.path,
        "INSERT INTO note_entries (session_id, section, text, source, "
        "segment_ids, created_at, updated_at) VALUES (?, 'plan', 'Discharge.', 'model', "
        "'[]', '2026-03-04 15:00:00', '2026-03-04 15:00:00')",
        seeded.session_id,
    )
    findings = (await service.load(RAE, seeded.session_id)).findings
    assert f"entry {seeded.entry_ids[0]} in Subjective was deleted after signing" in findings
    assert any(f.endswith("in Plan was added after signing") for f in findings)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE segments SET text = 'I never fell.' WHERE id = ?",
        "UPDATE segments SET speaker = 'clinician' WHERE id = ?",
        "UPDATE segments SET end_ms = 9500 WHERE id = ?",
    ],
    ids=["text", "speaker", "times"],
)
@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_editing_a_transcript_segment_is_detected(
    service: NotesService, seeded: Seeded, sql: str
) -> None:
    await _signed(service, seeded)
    _tamper(seeded.path, sql, seeded.segment_ids[1])
    review = await service.load(RAE, seeded.session_id)
    assert review.signature_state is SignatureState.MISMATCH
    assert review.findings == ("the transcript was changed",)
    await _refused_export(service, seeded, "the transcript was changed")


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
@pytest.mark.parametrize("column", ["name", "identifier"])
async def test_renaming_the_patient_is_detected(
    service: NotesService, seeded: Seeded, column: str
) -> None:
    await _signed(service, seeded)
    _tamper(seeded.path, f"UPDATE patients SET {column} = 'Someone Else'")
    review = await service.load(RAE, seeded.session_id)
    assert review.findings == ("the patient's identity changed",)
    await _refused_export(service, seeded, "the patient's identity changed")


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_deleting_an_audit_record_is_detected(service: NotesService, seeded: Seeded) -> None:
    await service.add_entry(ANA, seeded.session_id, "plan", "Home exercises.")
    await _signed(service, seeded)
    record_id = _audit_id(seeded.path, seeded.session_id, "entry_added")
    _tamper(seeded.path, "DELETE FROM audit_log WHERE id = ?", record_id)
    review = await service.load(RAE, seeded.session_id)
    finding = f"an audit record is missing or edited (record {record_id})"
    assert finding in review.findings
    assert "the audit trail" in review.mismatches
    await _refused_export(service, seeded, finding)


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_editing_an_audit_record_is_detected(service: NotesService, seeded: Seeded) -> None:
    await _signed(service, seeded)
    record_id = _audit_id(seeded.path, seeded.session_id, "risk_acknowledged")
    _tamper(seeded.path, "UPDATE audit_log SET actor = 'rae' WHERE id = ?", record_id)
    review = await service.load(RAE, seeded.session_id)
    finding = f"an audit record is missing or edited (record {record_id})"
    assert review.findings == (finding,)
    await _refused_export(service, seeded, finding)


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_rewriting_the_audit_chain_before_signing_is_detected(
    service: NotesService, seeded: Seeded
) -> None:
    """Delete a record and recompute every later hash: the signature's anchor shows it."""
    await service.add_entry(ANA, seeded.session_id, "plan", "Home exercises.")
    await _signed(service, seeded)
    signature = (await service.load(ANA, seeded.session_id)).signatures[0]
    _tamper(
        seeded.path,
        "DELETE FROM audit_log WHERE id = ?",
        _audit_id(seeded.path, seeded.session_id, "entry_added"),
    )
    db = open_database(seeded.path)
    try:
        with db.uow_factory() as uow:
            records = uow.audit.chain()
    finally:
        db.close()
    prev = GENESIS_HASH
    for new_id, record in enumerate(records, start=1):
        digest = record_hash(record, new_id, prev)
        _tamper(
            seeded.path,
            "UPDATE audit_log SET id = ?, prev_hash = ?, record_hash = ? WHERE id = ?",
            new_id,
            prev,
            digest,
            record.id,
        )
        prev = digest
    review = await service.load(RAE, seeded.session_id)
    assert [f for f in review.findings if "rewritten" in f] == [
        f"the audit trail before signature {signature.id} (author, ana) was rewritten "
        f"(records up to {json.loads(signature.manifest or '')['audit_head']['id']})"
    ]
    assert review.signature_state is SignatureState.MISMATCH


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
@pytest.mark.parametrize("also_unsign", [False, True], ids=["rows", "rows-and-status"])
async def test_deleting_the_signature_rows_is_detected_and_the_note_stays_locked(
    service: NotesService, seeded: Seeded, also_unsign: bool
) -> None:
    await _signed(service, seeded)
    assert _sql(seeded.path, "DELETE FROM signatures WHERE session_id = ?", seeded.session_id) == 1
    if also_unsign:
        _tamper(seeded.path, "UPDATE sessions SET status = 'draft' WHERE id = ?", seeded.session_id)
    review = await service.load(RAE, seeded.session_id)
    finding = "the signature was removed from a note that the audit trail says was signed"
    assert finding in review.findings
    assert review.signature_state is SignatureState.MISMATCH
    assert review.is_locked
    with pytest.raises(NoteLockedError):
        await service.edit_entry(ANA, seeded.entry_ids[0], "Rewritten.")
    with pytest.raises(SignatureMismatchError):
        await service.cosign(RAE, seeded.session_id)
    await _refused_export(service, seeded, finding)


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_editing_the_second_addendum_is_detected(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    await service.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned.")
    second = await service.add_addendum(ANA, seeded.session_id, "Update", "Pain now 4/10.")
    # The v1 hash recomputed as well: the MAC still shows it.
    forged = dataclasses.replace(second, text="Pain now 0/10.")
    _tamper(
        seeded.path,
        "UPDATE addenda SET text = ?, content_sha256 = ? WHERE id = ?",
        forged.text,
        addendum_sha256(forged),
        second.id,
    )
    review = await service.load(RAE, seeded.session_id)
    assert review.findings == ("addendum 2 was changed",)
    assert review.mismatches == (f"addendum {second.id} (ana)",)
    await _refused_export(service, seeded, "addendum 2 was changed")
    with pytest.raises(SignatureMismatchError):
        await service.add_addendum(ANA, seeded.session_id, "Third", "More.")


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_removing_an_addendum_is_detected(service: NotesService, seeded: Seeded) -> None:
    await _signed(service, seeded)
    first = await service.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned.")
    await service.add_addendum(ANA, seeded.session_id, "Update", "Pain now 4/10.")
    _tamper(seeded.path, "DELETE FROM addenda WHERE id = ?", first.id)
    findings = (await service.load(RAE, seeded.session_id)).findings
    assert "addendum 1 is not chained to this note's signature" in findings
    assert f"an addendum was removed (addendum id {first.id} is in the audit trail)" in findings


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_a_wrong_signing_key_fails_verification(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    await service.add_addendum(ANA, seeded.session_id, "Late entry", "Phoned.")
    other = NotesService(seeded.db.uow_factory, signing_key=SigningKey(b"\x01" * 32), tz=UTC)
    review = await other.load(RAE, seeded.session_id)
    assert review.signature_state is SignatureState.MISMATCH
    signature = review.signatures[0]
    assert review.findings == (
        f"signature {signature.id} (author, ana) does not verify: the signature was altered, "
        "or it was made with another database's key",
        "addendum 1 was changed",
    )
    with pytest.raises(SignatureMismatchError, match="does not verify"):
        await other.export_document(RAE, seeded.session_id, export_format="md")
    assert (await service.load(RAE, seeded.session_id)).signature_state is SignatureState.VALID


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
async def test_a_signature_from_before_keying_is_still_checked_by_its_hash(
    service: NotesService, seeded: Seeded
) -> None:
    await _signed(service, seeded)
    _tamper(seeded.path, "UPDATE signatures SET mac = NULL, manifest = NULL")
    assert (await service.load(RAE, seeded.session_id)).signature_state is SignatureState.VALID
    _tamper(seeded.path, "UPDATE note_entries SET text = 'x' WHERE id = ?", seeded.entry_ids[0])
    review = await service.load(RAE, seeded.session_id)
    assert review.signature_state is SignatureState.MISMATCH
