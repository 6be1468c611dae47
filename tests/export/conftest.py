"""A signed, co-signed and amended note document, built from domain objects alone."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # PDF layout needs Qt, not a display

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from therapy_notes.domain.document import NoteDocument, build_document
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
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus, SpeakerRole
from therapy_notes.services.templates import load_template

STARTED = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
SIGNED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
HASH = "3f" * 32


def make_document(*, signed: bool = True, transcript: bool = False) -> NoteDocument:
    note = Note(
        session_id=12,
        template="soap",
        entries=[
            NoteEntry(
                "subjective",
                "Reports left knee pain 6/10 on stairs.",
                EntrySource.LOCAL_COMPOSER,
                (1,),
                id=1,
            ),
            NoteEntry(
                "objective",
                "Knee flexion 110 degrees; gait antalgic.",
                EntrySource.CLINICIAN,
                (2,),
                id=2,
            ),
            NoteEntry(
                "plan", "Quad sets 3x10 daily; review in 1 week.", EntrySource.MODEL, (), id=3
            ),
        ],
        measurements=[
            Measurement("pain_score", 6.0, "/10", "knee", "left", (1,), id=1),
            Measurement("range_of_motion", 110.0, "degrees", "knee", "left", (2,), id=2),
        ],
        risks=[
            RiskFlag(
                RiskKind.FALL_RISK,
                "Nearly fell on the stairs twice",
                (1,),
                id=1,
                acknowledged_at=SIGNED - timedelta(minutes=2),
            )
        ],
    )
    signatures = (
        (
            Signature(12, SignatureRole.AUTHOR, "ana", "Ana Ruiz", "OTR/L", SIGNED, HASH, id=1),
            Signature(
                12,
                SignatureRole.COSIGNER,
                "rae",
                "Rae Vo",
                "PT, DPT",
                SIGNED + timedelta(hours=2),
                "4e" * 32,
                id=2,
            ),
        )
        if signed
        else ()
    )
    addenda = (
        (
            Addendum(
                12,
                "ana",
                "Ana Ruiz",
                "OTR/L",
                SIGNED + timedelta(days=1),
                "Late entry",
                "Phoned patient: pain now 4/10.",
                "5d" * 32,
                id=1,
            ),
        )
        if signed
        else ()
    )
    segments = (
        Segment(
            "item_1", 0, 4200, "My left knee hurts, about a six.", id=1, speaker=SpeakerRole.CLIENT
        ),
        Segment("item_2", 4200, 65_000, "Bending it to here is as far as it goes.", id=2),
    )
    return build_document(
        note=note,
        template=load_template("soap"),
        session=SessionRecord(12, 3, "soap", "local", SessionStatus.SIGNED, STARTED),
        patient=Patient("Dana Reyes", "MRN-7", date(1961, 5, 2), id=3),
        signatures=signatures,
        addenda=addenda,
        transcript=segments if transcript else None,
        clinic_name="Harbor Rehab",
        clinician="" if signed else "Ana Ruiz, OTR/L",
        tz=timezone(timedelta(hours=-5), "EST"),
    )


@pytest.fixture
def document() -> NoteDocument:
    return make_document()
