"""NotesController over real services on an encrypted SQLite file, on the qasync loop.

The risk banner and the review acknowledge a risk the same way (one service call, one
audit record); the review list and the progress chart get their data from services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.services.test_notes import ADMIN, ANA, Seeded, seed_session
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.signing import SigningKey
from therapy_notes.domain.users import User
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService
from therapy_notes.storage import open_database
from therapy_notes.ui.controllers.notes import NotesController, ProgressPoint, ReviewRow


@dataclass
class Notes:
    seeded: Seeded
    controller: NotesController
    user: list[User | None]
    """Who is signed in: the test changes it."""


@pytest.fixture
def notes(tmp_path: Path, qtbot: Any) -> Iterator[Notes]:
    key = DatabaseKey.generate()
    seeded = seed_session(tmp_path / "therapy_notes.db", lambda path: open_database(path, key))
    db = seeded.db
    service = NotesService(db.uow_factory, signing_key=SigningKey.from_secret(b"k" * 32))
    user: list[User | None] = [ANA]
    controller = NotesController(
        service, PatientsService(db.uow_factory), lambda *_: b"", lambda: user[0]
    )
    yield Notes(seeded, controller, user)
    db.close()


def _emitted(signal: Any) -> list[tuple[Any, ...]]:
    got: list[tuple[Any, ...]] = []
    signal.connect(lambda *args: got.append(args))
    return got


def _risk_trail(seeded: Seeded) -> list[tuple[str, str]]:
    with seeded.db.uow_factory() as uow:
        records = uow.audit.for_entity("session", seeded.session_id)
        assert uow.audit.for_entity("risk_flag", seeded.risk_id) == []
    return [(r.action, r.actor) for r in records]


def _is_acknowledged(seeded: Seeded) -> bool:
    with seeded.db.uow_factory() as uow:
        (risk,) = uow.notes.load(seeded.session_id).risks
    return risk.acknowledged_at is not None


def test_the_banner_acknowledges_without_reloading_the_review(
    run: Callable[..., Any], notes: Notes
) -> None:
    controller, seeded = notes.controller, notes.seeded
    acknowledged = _emitted(controller.risk_acknowledged)
    reviews = _emitted(controller.review_loaded)
    changed = _emitted(controller.note_changed)

    async def scenario() -> None:
        controller.acknowledge_risk(seeded.session_id, seeded.risk_id, reload=False)
        await controller.wait_idle()

    run(scenario())
    assert acknowledged == [(seeded.session_id, seeded.risk_id)]
    assert reviews == []
    assert changed == []
    assert _is_acknowledged(seeded)
    assert _risk_trail(seeded) == [("risk_acknowledged", "ana")]


def test_the_review_acknowledges_the_same_way_then_shows_the_stored_note(
    run: Callable[..., Any], notes: Notes
) -> None:
    controller, seeded = notes.controller, notes.seeded
    acknowledged = _emitted(controller.risk_acknowledged)
    reviews = _emitted(controller.review_loaded)
    trails = _emitted(controller.audit_listed)
    changed = _emitted(controller.note_changed)

    async def scenario() -> None:
        controller.acknowledge_risk(seeded.session_id, seeded.risk_id)
        await controller.wait_idle()

    run(scenario())
    assert acknowledged == [(seeded.session_id, seeded.risk_id)]
    ((review,),) = reviews
    assert review.note.risks[0].acknowledged_at is not None
    ((session_id, trail),) = trails
    assert session_id == seeded.session_id
    assert [r.action for r in trail] == ["risk_acknowledged"]
    assert changed == [(seeded.session_id,)]
    assert _risk_trail(seeded) == [("risk_acknowledged", "ana")]


@pytest.mark.parametrize("reload", [True, False], ids=["review", "banner"])
def test_an_admin_or_nobody_cannot_acknowledge_from_either_place(
    run: Callable[..., Any], notes: Notes, reload: bool
) -> None:
    controller, seeded = notes.controller, notes.seeded
    acknowledged = _emitted(controller.risk_acknowledged)
    errors = _emitted(controller.error_posted)

    async def scenario() -> None:
        notes.user[0] = ADMIN
        controller.acknowledge_risk(seeded.session_id, seeded.risk_id, reload=reload)
        await controller.wait_idle()
        notes.user[0] = None
        controller.acknowledge_risk(seeded.session_id, seeded.risk_id, reload=reload)
        await controller.wait_idle()

    run(scenario())
    assert acknowledged == []
    assert len(errors) == 2
    assert "Administrators cannot change clinical notes" in errors[0][0]
    assert errors[1] == ("Sign in first.",)
    assert not _is_acknowledged(seeded)
    assert _risk_trail(seeded) == []


def test_the_review_list_names_each_patient_and_progress_is_by_series(
    run: Callable[..., Any], notes: Notes
) -> None:
    controller, seeded = notes.controller, notes.seeded
    with seeded.db.uow_factory() as uow:
        record = uow.sessions.get(seeded.session_id)
    assert record.patient_id is not None

    async def scenario() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        listed = _emitted(controller.awaiting_listed)
        progress = _emitted(controller.progress_loaded)
        controller.list_awaiting()
        controller.load_progress(record.patient_id or 0)
        await controller.wait_idle()
        return listed[0], progress[0]

    (rows,), (patient_id, series) = run(scenario())
    assert rows == [ReviewRow(record, "Dana Reyes")]
    assert patient_id == record.patient_id
    assert series == {"Pain score — left knee (/10)": [ProgressPoint(record.started_at, 6.0)]}
