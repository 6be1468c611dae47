"""The session view's patient header: profile, safety precautions set apart, last plan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from therapy_notes.domain.patient_header import PatientHeader, precaution
from therapy_notes.domain.patients import Patient
from therapy_notes.ui.widgets.patient_header import NO_PATIENT_TEXT, PatientHeaderView


def _header() -> PatientHeader:
    patient = Patient(
        "Jordan Lee",
        "MRN-1",
        date(1961, 4, 3),
        diagnoses=("Adhesive capsulitis, right shoulder",),
        goals=("Reach the top shelf",),
        precautions=("History of suicidal ideation", "No heat packs"),
        id=1,
    )
    return PatientHeader(
        patient,
        tuple(precaution(p) for p in patient.precautions),
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        ("Add band rows, 3 x 10.",),
    )


def test_the_profile_is_shown_and_a_safety_precaution_is_set_apart(qtbot: Any) -> None:
    view = PatientHeaderView()
    qtbot.addWidget(view)
    view.show()
    view.show_header(_header())
    assert view.name.text() == "Jordan Lee  ·  MRN-1  ·  born 1961-04-03"
    assert view.diagnoses.text() == "Adhesive capsulitis, right shoulder"
    assert view.goals.text() == "Reach the top shelf"
    assert view.safety.isVisible()
    assert "Suicide or self-harm risk" in view.safety.text()
    assert "⚠" in view.safety.text()  # a sign and words, not colour alone
    assert view.precautions.text() == "No heat packs"
    assert "Add band rows" in view.last_plan.text()
    assert not view.empty.isVisible()


def test_without_a_patient_it_says_what_to_do(qtbot: Any) -> None:
    view = PatientHeaderView()
    qtbot.addWidget(view)
    view.show()
    view.show_header(_header())
    view.show_no_patient()
    assert view.empty.isVisible()
    assert view.empty.text() == NO_PATIENT_TEXT
    assert not view.name.isVisible()
    assert not view.safety.isVisible()


def test_a_patient_without_history_or_precautions_reads_plainly(qtbot: Any) -> None:
    view = PatientHeaderView()
    qtbot.addWidget(view)
    view.show()
    view.show_header(PatientHeader(Patient("New Client", id=2), ()))
    assert view.diagnoses.text() == "—"
    assert view.precautions.text() == "—"
    assert not view.safety.isVisible()
    assert view.last_plan.text().startswith("None yet")


def test_a_precaution_that_names_its_risk_is_not_named_twice(qtbot: Any) -> None:
    view = PatientHeaderView()
    qtbot.addWidget(view)
    patient = Patient("Jordan Lee", precautions=("Fall risk: unsteady on stairs",), id=1)
    view.show_header(PatientHeader(patient, (precaution(patient.precautions[0]),)))
    assert view.safety.text() == "⚠ <b>Fall risk: unsteady on stairs</b>"
