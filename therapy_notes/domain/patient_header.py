"""What the session view shows about the patient: profile, safety precautions, last plan.

The clinician typed the diagnoses, goals and precautions into the profile; the header
puts them where the session happens. A precaution that names a safety risk (suicide or
self-harm, falls, violence, seizures, ...) is marked, so it is seen before the session
starts; the rule is here, so the header and any export mark the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from therapy_notes.domain.notes import Note
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import SessionRecord, SessionStatus

PLAN_SECTION = "plan"
"""The section every template that plans ahead calls "plan" (SOAP, DAP, BIRP, GIRP)."""

_SAFETY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Suicide or self-harm risk",
        re.compile(r"\b(suicid\w*|self[- ]?harm\w*|self[- ]?injur\w*|overdos\w*)", re.IGNORECASE),
    ),
    ("Fall risk", re.compile(r"\b(falls?|fall[- ]risk|fell|unsteady)\b", re.IGNORECASE)),
    (
        "Risk of violence",
        re.compile(r"\b(violen\w*|aggress\w*|assault\w*|homicid\w*)", re.IGNORECASE),
    ),
    ("Seizures", re.compile(r"\b(seizures?|epilep\w*)", re.IGNORECASE)),
    ("Allergy", re.compile(r"\b(allerg\w*|anaphyla\w*)", re.IGNORECASE)),
    (
        "Swallowing or choking risk",
        re.compile(r"\b(dysphagi\w*|aspiration|chok\w*|nil by mouth|npo)\b", re.IGNORECASE),
    ),
)


@dataclass(frozen=True, slots=True)
class Precaution:
    """One precaution from the profile; `safety` names the risk it mentions, if any."""

    text: str
    safety: str = ""

    @property
    def is_safety(self) -> bool:
        return bool(self.safety)


def precaution(text: str) -> Precaution:
    """`text` as a precaution, marked with the first safety risk it mentions."""
    for label, pattern in _SAFETY_PATTERNS:
        if pattern.search(text):
            return Precaution(text, label)
    return Precaution(text)


@dataclass(frozen=True, slots=True)
class PatientHeader:
    """The patient as the session view's header shows them."""

    patient: Patient
    precautions: tuple[Precaution, ...]
    last_session_at: datetime | None = None
    last_plan: tuple[str, ...] = ()
    """The plan entries of the latest earlier session that had any."""

    @property
    def safety_precautions(self) -> tuple[Precaution, ...]:
        return tuple(p for p in self.precautions if p.is_safety)


def patient_header(
    patient: Patient, newest_first: Iterable[tuple[SessionRecord, Note]]
) -> PatientHeader:
    """The header of `patient`, with the plan of the latest past session that has one.

    `newest_first` is the patient's stored sessions with their notes, newest first; it is
    read only until a plan is found (so notes can be loaded lazily). Sessions that failed
    or are still recording are passed over.
    """
    last_at: datetime | None = None
    last_plan: tuple[str, ...] = ()
    for record, note in newest_first:
        if record.status not in (SessionStatus.DRAFT, SessionStatus.SIGNED):
            continue
        plan = tuple(e.text for e in note.entries_in(PLAN_SECTION))
        if plan:
            last_at, last_plan = record.started_at, plan
            break
    return PatientHeader(
        patient=patient,
        precautions=tuple(precaution(p) for p in patient.precautions),
        last_session_at=last_at,
        last_plan=last_plan,
    )
