"""The sign-off rule: what blocks a signature and what only warns."""

from __future__ import annotations

from datetime import UTC, datetime

from therapy_notes.domain.notes import EntrySource, Note, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.sign_off import NO_ENTRIES, NOT_A_CLINICIAN, sign_off_check
from therapy_notes.domain.users import Role, User
from therapy_notes.services.templates import load_template

SOAP = load_template("soap")


def test_an_empty_note_is_blocked_without_section_warnings() -> None:
    check = sign_off_check(Note(1, "soap"), SOAP)
    assert not check.can_sign
    assert check.blockers == (NO_ENTRIES,)
    assert check.warnings == ()
    assert check.entries == 0


def test_an_unacknowledged_risk_blocks_and_empty_sections_warn() -> None:
    note = Note(
        1,
        "soap",
        entries=[NoteEntry("subjective", "Client reports low mood.", EntrySource.MODEL)],
        risks=[RiskFlag(RiskKind.SELF_HARM, "I sometimes think of ending it", id=7)],
    )
    check = sign_off_check(note, SOAP)
    assert not check.can_sign
    assert len(check.blockers) == 1
    assert "Risk of self-harm" in check.blockers[0]
    assert "ending it" in check.blockers[0]
    assert check.warnings == ("Objective is empty.", "Assessment is empty.", "Plan is empty.")
    assert [(s.title, s.entries) for s in check.sections] == [
        ("Subjective", 1),
        ("Objective", 0),
        ("Assessment", 0),
        ("Plan", 0),
    ]
    assert check.risks == 1


def test_an_acknowledged_risk_no_longer_blocks() -> None:
    note = Note(
        1,
        "soap",
        entries=[NoteEntry("plan", "Review in one week.", EntrySource.CLINICIAN)],
        risks=[RiskFlag(RiskKind.FALL_RISK, "", id=3, acknowledged_at=datetime.now(UTC))],
    )
    check = sign_off_check(note, SOAP)
    assert check.can_sign
    assert check.blockers == ()
    assert "Plan is empty." not in check.warnings


def test_a_reviewer_is_told_before_signing_that_only_a_clinician_signs() -> None:
    note = Note(1, "soap", entries=[NoteEntry("plan", "Review.", EntrySource.MODEL)])
    reviewer = User("rae", "Rae Vo", Role.REVIEWER)
    clinician = User("ana", "Ana Ruiz", Role.CLINICIAN, "OTR/L")
    assert sign_off_check(note, SOAP, reviewer).blockers == (NOT_A_CLINICIAN,)
    assert sign_off_check(note, SOAP, clinician).can_sign
