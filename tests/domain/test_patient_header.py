"""The patient header's rules: which precautions are safety risks, which plan is the last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from therapy_notes.domain.notes import EntrySource, Note, NoteEntry
from therapy_notes.domain.patient_header import patient_header, precaution
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import SessionRecord, SessionStatus

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "safety"),
    [
        ("History of suicidal ideation; safety plan on file", "Suicide or self-harm risk"),
        ("Self-harm in 2024", "Suicide or self-harm risk"),
        ("Fall risk: uses a walker", "Fall risk"),
        ("Two falls this year", "Fall risk"),
        ("Latex allergy", "Allergy"),
        ("Dysphagia: thickened fluids", "Swallowing or choking risk"),
        ("Right shoulder: no lifting above 5 kg", ""),
        ("Prefers morning appointments", ""),
    ],
)
def test_precautions_that_name_a_safety_risk_are_marked(text: str, safety: str) -> None:
    assert precaution(text).safety == safety


def _record(session_id: int, days: int, status: SessionStatus) -> SessionRecord:
    return SessionRecord(session_id, 1, "soap", "local", status, T0 + timedelta(days=days))


def _note(session_id: int, *plan: str) -> Note:
    entries = [NoteEntry("subjective", "Client reports pain.", EntrySource.MODEL)]
    entries += [NoteEntry("plan", text, EntrySource.MODEL) for text in plan]
    return Note(session_id, "soap", entries)


def test_the_last_plan_is_the_newest_stored_session_with_one() -> None:
    patient = Patient("Jordan Lee", "MRN-1", precautions=("Fall risk", "No heat packs"), id=1)
    newest_first = [
        (_record(4, 3, SessionStatus.FAILED), _note(4, "Ignored: failed session.")),
        (_record(3, 2, SessionStatus.DRAFT), _note(3)),
        (_record(2, 1, SessionStatus.SIGNED), _note(2, "Review in one week.", "Walk daily.")),
        (_record(1, 0, SessionStatus.SIGNED), _note(1, "Older plan.")),
    ]
    header = patient_header(patient, newest_first)
    assert header.last_plan == ("Review in one week.", "Walk daily.")
    assert header.last_session_at == T0 + timedelta(days=1)
    assert [p.text for p in header.safety_precautions] == ["Fall risk"]


def test_a_first_session_has_no_last_plan() -> None:
    header = patient_header(Patient("New Client", id=2), [])
    assert header.last_plan == ()
    assert header.last_session_at is None
    assert header.precautions == ()
