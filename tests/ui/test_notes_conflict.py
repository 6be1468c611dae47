"""Two people save the same draft entry: the window says so and shows what is stored.

The controller saves an edit only over the version of the entry it last showed. Here a
second reviewer saves first (as from another desktop); the clinician's save is then
refused with a message, nothing of theirs is written, and the review is loaded again so
the window draws the other person's text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.ui.conftest import wait_for_signal
from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.session import SessionStatus
from therapy_notes.domain.signing import SigningKey
from therapy_notes.domain.users import Role, User
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService
from therapy_notes.storage.database import open_database
from therapy_notes.ui.controllers.notes import NotesController

ANA = User("ana", "Ana Ruiz", Role.CLINICIAN, "OTR/L")
RAE = User("rae", "Rae Vo", Role.REVIEWER, "PT, DPT")


def test_a_second_save_of_the_same_entry_is_refused_and_the_note_reloaded(
    run: Callable[..., Any], qtbot: Any, tmp_path: Path
) -> None:
    database = open_database(tmp_path / "therapy_notes.db")
    with database.uow_factory() as uow:
        session_id = uow.sessions.start(None, "soap", "local", datetime.now(UTC)).id
        entry = uow.notes.add_entry(
            session_id, NoteEntry("subjective", "Pain 4/10.", EntrySource.LOCAL_COMPOSER)
        )
        uow.sessions.set_status(session_id, SessionStatus.DRAFT)
    assert entry.id is not None
    service = NotesService(database.uow_factory, signing_key=SigningKey.from_secret(b"k" * 32))
    controller = NotesController(
        service, PatientsService(database.uow_factory), lambda *_: b"", lambda: ANA
    )

    async def scenario() -> None:
        loaded = wait_for_signal(controller.review_loaded)
        controller.load(session_id)
        await loaded
        # Meanwhile, on another desktop, the reviewer saves the same entry.
        await service.edit_entry(RAE, entry.id or 0, "Pain 5/10 on reaching.", expected_version=1)
        error = wait_for_signal(controller.error_posted)
        reloaded = wait_for_signal(controller.review_loaded)
        changed: list[int] = []
        controller.note_changed.connect(changed.append)
        controller.edit_entry(session_id, entry.id or 0, "Pain 3/10.")
        (message,) = await error
        (review,) = await reloaded
        await controller.wait_idle()
        assert "rae saved a change" in message
        assert "nothing was overwritten" in message
        assert "Pain 5/10 on reaching." in message
        assert [e.text for e in review.note.entries] == ["Pain 5/10 on reaching."]
        assert changed == []
        # Now that the window shows version 2, the clinician's edit is saved over it.
        reloaded = wait_for_signal(controller.review_loaded)
        controller.edit_entry(session_id, entry.id or 0, "Pain 3/10.")
        (review,) = await reloaded
        await controller.wait_idle()
        assert [(e.text, e.version) for e in review.note.entries] == [("Pain 3/10.", 3)]

    try:
        run(scenario())
    finally:
        database.close()
