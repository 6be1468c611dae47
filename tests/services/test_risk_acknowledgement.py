"""The one way a risk is acknowledged, and the clinician's own text, on an encrypted file.

The review and the window's risk banner both call `NotesService.acknowledge_risk`: an
admin may not, a signed note refuses it, a live session allows it, and it is audited
once, as "risk_acknowledged" under the session (what exports and the chain checks read).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.services.test_notes import ADMIN, ANA, RAE, Seeded, seed_session
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource, RiskFlag, RiskKind
from therapy_notes.domain.session import SessionStatus
from therapy_notes.domain.signing import SigningKey
from therapy_notes.errors import NoteLockedError, PermissionDeniedError, UserFacingError
from therapy_notes.services.notes import NotesService
from therapy_notes.storage import open_database

SEEN_AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    key = DatabaseKey.generate()
    s = seed_session(tmp_path / "therapy_notes.db", lambda path: open_database(path, key))
    yield s
    s.db.close()


def _service(seeded: Seeded, at: datetime = SEEN_AT) -> NotesService:
    return NotesService(
        seeded.db.uow_factory,
        signing_key=SigningKey.from_secret(b"k" * 32),
        clock=lambda: at,
        tz=UTC,
    )


def _acknowledged_at(seeded: Seeded) -> datetime | None:
    with seeded.db.uow_factory() as uow:
        (risk,) = uow.notes.load(seeded.session_id).risks
    return risk.acknowledged_at


def _trail(seeded: Seeded) -> list[tuple[str, str]]:
    with seeded.db.uow_factory() as uow:
        return [(r.action, r.actor) for r in uow.audit.for_entity("session", seeded.session_id)]


async def test_an_acknowledgement_is_stored_and_audited_once(seeded: Seeded) -> None:
    await _service(seeded).acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    await _service(seeded, LATER).acknowledge_risk(RAE, seeded.session_id, seeded.risk_id)

    assert _acknowledged_at(seeded) == SEEN_AT  # the second one changed nothing
    assert _trail(seeded) == [("risk_acknowledged", "ana")]
    with seeded.db.uow_factory() as uow:
        (record,) = uow.audit.for_entity("session", seeded.session_id)
        assert uow.audit.for_entity("risk_flag", seeded.risk_id) == []
    assert json.loads(record.after or "{}") == {
        "risk_id": seeded.risk_id,
        "kind": RiskKind.FALL_RISK.value,
        "acknowledged_at": SEEN_AT.isoformat(),
    }


async def test_an_admin_cannot_acknowledge_a_risk(seeded: Seeded) -> None:
    with pytest.raises(PermissionDeniedError, match="Administrators"):
        await _service(seeded).acknowledge_risk(ADMIN, seeded.session_id, seeded.risk_id)
    assert _acknowledged_at(seeded) is None
    assert _trail(seeded) == []


async def test_a_signed_note_refuses_an_acknowledgement(seeded: Seeded) -> None:
    service = _service(seeded)
    with seeded.db.uow_factory() as uow:  # a second risk, flagged before the note is signed
        second = uow.notes.add_risk(seeded.session_id, RiskFlag(RiskKind.SELF_HARM, "Low mood"))
    assert second.id is not None
    await service.acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    await service.acknowledge_risk(ANA, seeded.session_id, second.id)
    await service.sign(ANA, seeded.session_id)

    for risk_id in (seeded.risk_id, second.id):
        with pytest.raises(NoteLockedError, match="signed"):
            await service.acknowledge_risk(ANA, seeded.session_id, risk_id)
    assert [action for action, _ in _trail(seeded)] == [
        "risk_acknowledged",
        "risk_acknowledged",
        "signed",
    ]


async def test_a_risk_is_acknowledged_while_the_session_is_still_recording(
    seeded: Seeded,
) -> None:
    with seeded.db.uow_factory() as uow:
        uow.sessions.set_status(seeded.session_id, SessionStatus.RECORDING)
    await _service(seeded).acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    assert _acknowledged_at(seeded) == SEEN_AT
    assert _trail(seeded) == [("risk_acknowledged", "ana")]


async def test_a_risk_of_another_session_is_not_acknowledged(seeded: Seeded) -> None:
    with pytest.raises(UserFacingError, match="no risk flag"):
        await _service(seeded).acknowledge_risk(ANA, seeded.session_id, seeded.risk_id + 1)
    assert _trail(seeded) == []


async def test_the_clinicians_own_text_is_added_then_replaced(seeded: Seeded) -> None:
    service = _service(seeded)
    added = await service.save_clinician_text(seeded.session_id, "plan", "Home exercises.")
    assert added.id is not None
    replaced = await service.save_clinician_text(
        seeded.session_id, "plan", "Home exercises, twice a day.", added.id
    )
    assert replaced.id == added.id
    with seeded.db.uow_factory() as uow:
        plan = [e for e in uow.notes.load(seeded.session_id).entries if e.section == "plan"]
    assert [(e.text, e.source) for e in plan] == [
        ("Home exercises, twice a day.", EntrySource.CLINICIAN)
    ]
    assert _trail(seeded) == []  # typed as the session runs: not a review edit


async def test_the_clinicians_own_text_cannot_change_a_signed_note(seeded: Seeded) -> None:
    service = _service(seeded)
    await service.acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
    await service.sign(ANA, seeded.session_id)
    with pytest.raises(NoteLockedError):
        await service.save_clinician_text(seeded.session_id, "plan", "Late thought.")
    with pytest.raises(NoteLockedError):
        await service.save_clinician_text(
            seeded.session_id, "subjective", "Changed.", seeded.entry_ids[0]
        )
    with seeded.db.uow_factory() as uow:
        texts = [e.text for e in uow.notes.load(seeded.session_id).entries]
    assert texts == ["Reports left knee pain 6/10.", "Near fall on stairs this week."]
