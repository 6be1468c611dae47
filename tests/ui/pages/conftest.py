"""A page's surroundings: real controllers over real services on a SQLite file, no engine.

The recording controller gets no service (a test that needs its signals emits them), so a
page is tested on what it draws and what it asks the library and notes controllers for,
with nothing recorded. `seed_session` stores a reviewable session as a recording would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtWidgets import QVBoxLayout, QWidget

from tests.ui.conftest import MemoryKeyring, wait_for_signal
from therapy_notes.domain.notes import EntrySource, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionStatus
from therapy_notes.domain.signing import SigningKey
from therapy_notes.domain.users import Role, User
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService
from therapy_notes.services.sessions import SessionsService
from therapy_notes.services.templates import available_templates, load_template
from therapy_notes.services.users import UsersService
from therapy_notes.storage import Database, open_database
from therapy_notes.ui.controllers.engine import EngineController, EngineEndpoint
from therapy_notes.ui.controllers.library import LibraryController
from therapy_notes.ui.controllers.notes import NotesController
from therapy_notes.ui.controllers.recording import RecordingController
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.dialog_host import DialogHost
from therapy_notes.ui.pages.review_page import ReviewPage
from therapy_notes.ui.pages.session_page import SessionPage
from therapy_notes.ui.settings_store import ApiKeyStore, SettingsStore

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SAID = ("Right shoulder flexion is one hundred twenty degrees.", "Pain is four out of ten.")


async def _no_service(_request: object) -> Any:
    raise AssertionError("no session is recorded in a page test")


def _no_audio() -> Any:
    raise AssertionError("no audio is opened in a page test")


@asynccontextmanager
async def _no_engine() -> AsyncIterator[EngineEndpoint]:
    raise AssertionError("no engine is started in a page test")
    yield  # pragma: no cover - makes this an async generator


@dataclass
class Pages:
    db: Database
    recording: RecordingController
    library: LibraryController
    engine: EngineController
    settings: SettingsController
    users: UsersController
    notes: NotesController
    window: QWidget
    session: SessionPage
    dialogs: DialogHost
    review: ReviewPage
    patient: Patient | None = None
    """What the patient list has chosen, as the session page asks for it."""


@pytest.fixture
def pages(
    tmp_path: Path, qtbot: Any, run: Callable[..., Any], memory_keyring: MemoryKeyring
) -> Iterator[Pages]:
    db = open_database(tmp_path / "therapy_notes.db")
    users = UsersController(UsersService(db.uow_factory, hasher=FAST))
    notes_service = NotesService(db.uow_factory, signing_key=SigningKey.from_secret(b"k" * 32))
    patients = PatientsService(db.uow_factory)
    library = LibraryController(patients, SessionsService(db.uow_factory), notes_service)
    notes = NotesController(
        notes_service, patients, lambda *_: b"rendered note", lambda: users.current_user
    )
    recording = RecordingController(_no_service, _no_audio)
    engine = EngineController(_no_engine)
    settings = SettingsController(SettingsStore(tmp_path / "settings.ini"), ApiKeyStore(), None)
    window = QWidget()
    qtbot.addWidget(window)
    dialogs = DialogHost(
        window, settings=settings, users=users, template_names=available_templates()
    )
    holder: list[Pages] = []
    session = SessionPage(
        recording=recording,
        library=library,
        engine=engine,
        settings=settings,
        template_names=available_templates(),
        template_for=load_template,
        current_patient=lambda: holder[0].patient,
    )
    review = ReviewPage(notes=notes, users=users, session=session, dialogs=dialogs)
    layout = QVBoxLayout(window)
    layout.addWidget(review.review_list)
    layout.addWidget(session)
    window.resize(1200, 800)
    window.show()
    made = Pages(
        db, recording, library, engine, settings, users, notes, window, session, dialogs, review
    )
    holder.append(made)
    yield made

    async def shutdown() -> None:
        for controller in (recording, library, notes, users, settings, engine):
            await controller.shutdown()

    run(shutdown())
    db.close()


def seed_session(pages: Pages, *, with_risk: bool = False) -> tuple[int, int]:
    """A draft session for a patient, with two segments and an entry citing each.

    Returns the session's id and its patient's.
    """
    started = datetime.now(UTC) - timedelta(hours=1)
    with pages.db.uow_factory() as uow:
        patient = uow.patients.add(Patient("Jordan Lee", "MRN-7", None, (), (), (), "soap"))
        assert patient.id is not None
        record = uow.sessions.start(patient.id, "soap", "local", started)
        ids = [
            uow.segments.add(record.id, Segment(f"item_{i}", i * 3000, i * 3000 + 2500, text)).id
            for i, text in enumerate(SAID)
        ]
        uow.notes.add_entry(
            record.id,
            NoteEntry("objective", "Shoulder flexion 120°.", EntrySource.MODEL, (ids[0] or 0,)),
        )
        uow.notes.add_entry(
            record.id,
            NoteEntry("subjective", "Pain 4/10.", EntrySource.LOCAL_COMPOSER, (ids[1] or 0,)),
        )
        if with_risk:
            uow.notes.add_risk(record.id, RiskFlag(RiskKind.FALL_RISK, "nearly fell"))
        uow.sessions.set_status(record.id, SessionStatus.DRAFT, started + timedelta(minutes=30))
    return record.id, patient.id


async def sign_in_clinician(pages: Pages) -> User:
    """ana, a clinician who may sign, signed in through the users controller."""
    service = UsersService(pages.db.uow_factory, hasher=FAST)
    await service.create_user("ana", "Ana Ruiz", Role.CLINICIAN, "ana-pass-1", credentials="OTR/L")
    signed = wait_for_signal(pages.users.signed_in)
    pages.users.sign_in("ana", "ana-pass-1")
    (user,) = await signed
    assert isinstance(user, User)
    return user
