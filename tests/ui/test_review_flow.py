"""Review in the window over a real database: edit, sign, addendum, co-sign, export, copy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tests.speech import LONG_SESSION
from tests.ui.accounts import PATIENT_NAME, build, create_accounts, seed_note, sign_in
from tests.ui.conftest import wait_for_signal, wait_until
from therapy_notes.config import AppConfig
from therapy_notes.domain.note_review import SignatureState
from therapy_notes.domain.notes import RiskFlag, RiskKind
from therapy_notes.engine.turns import EngineModels
from therapy_notes.ui.dialogs.export_dialog import ExportChoice


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
def test_edit_sign_addendum_cosign_export_and_copy(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: Any,
) -> None:
    async def scenario() -> None:
        parts = await build(tmp_path / "data", LONG_SESSION.path, engine_models, qtbot)
        window, notes = parts.window, parts.notes
        window.show()
        await create_accounts(parts)
        seeded = seed_note(parts)
        await sign_in(parts, "ana")
        await wait_until(
            lambda: window.review_list.session_ids() == [seeded.session_id], what="review list"
        )
        window.left_tabs.setCurrentWidget(window.review_list)
        item = window.review_list.sessions.item(0)
        assert PATIENT_NAME in item.text()
        loaded = wait_for_signal(notes.review_loaded)
        window.review_list.sessions.itemClicked.emit(item)
        await loaded
        assert window.note_stack.currentWidget() is window.review
        await wait_until(
            lambda: window.budget.amount.text().startswith("This session used"),
            what="the open session's tokens in the footer",
        )
        rows = window.review.rows
        assert [r.source.text() for r in rows] == ["local composer", "model"]

        # Clicking an entry highlights the transcript segment it came from.
        flexion = next(r for r in rows if "flexion" in r.text.text())
        qtbot.mouseClick(flexion, Qt.MouseButton.LeftButton)
        assert window.highlighted_transcript() == [f"[00:00]  Speaker:  {seeded.segment_texts[0]}"]
        pain = next(r for r in rows if "Pain" in r.text.text())
        qtbot.mouseClick(pain, Qt.MouseButton.LeftButton)
        assert window.highlighted_transcript() == [f"[00:03]  Speaker:  {seeded.segment_texts[1]}"]

        # The note reads as a document: who wrote an entry is on hover, not on the line.
        assert not flexion.source.isVisible()
        assert flexion.toolTip().startswith("Written by the speech model")
        # Edit in place (double-click): the entry becomes the clinician's, and says who.
        qtbot.mouseDClick(flexion, Qt.MouseButton.LeftButton)
        assert flexion.is_editing
        assert flexion.editor is not None
        assert flexion.save_button is not None
        flexion.editor.setPlainText("Right shoulder flexion 125° (remeasured).")
        loaded = wait_for_signal(notes.review_loaded)
        qtbot.mouseClick(flexion.save_button, Qt.MouseButton.LeftButton)
        (review,) = await loaded
        edited = next(r for r in window.review.rows if "remeasured" in r.text.text())
        assert edited.source.text() == "clinician · ana"
        assert "last edited by ana" in edited.toolTip()
        assert not review.is_locked

        # Sign: a confirmation first (cancel signs nothing), then the signature block,
        # read-only editors, the sessions list says "signed", and a refused edit says why.
        qtbot.mouseClick(window.review.sign_button, Qt.MouseButton.LeftButton)
        confirm = window.sign_dialog
        assert confirm is not None
        assert "Ana Ruiz, OTR/L" in confirm.signer.text()
        assert confirm.sign_button.isEnabled()
        confirm.reject()
        await notes.wait_idle()
        assert not window.review.review.is_locked  # type: ignore[union-attr]
        listed = wait_for_signal(parts.library.patients_listed)
        parts.library.list_patients("")
        await listed
        window.patients.patients.setCurrentRow(1)  # row 0 is "No patient (dictations)"
        await wait_until(lambda: window.patients.sessions.rowCount() == 1, what="sessions")
        assert window.patients.sessions.item(0, 2).text() == "draft"
        qtbot.mouseClick(window.review.sign_button, Qt.MouseButton.LeftButton)
        confirm = window.sign_dialog
        assert confirm is not None
        loaded = wait_for_signal(notes.review_loaded)
        qtbot.mouseClick(confirm.sign_button, Qt.MouseButton.LeftButton)
        (review,) = await loaded
        await wait_until(
            lambda: window.patients.sessions.item(0, 2).text() == "signed",  # type: ignore[union-attr]
            what="the sessions list shows the new status",
        )
        assert review.is_locked
        assert window.review.signature_labels[0].text().startswith("Signed by Ana Ruiz, OTR/L on ")
        assert not window.review.sign_button.isEnabled()
        for row in window.review.rows:  # a signed note has no edit controls at all
            assert row.editor is None
            assert row.delete_button is None
            row.start_edit()
            assert not row.is_editing
            assert "Double-click" not in row.toolTip()
        refused = wait_for_signal(notes.error_posted)
        window.review.rows[0].submit_edit("Changed after signing")
        (message,) = await refused
        assert "signed and can no longer be edited" in message
        assert window.notice.isVisible()
        assert "addendum" in window.notice.label.text().lower()
        await wait_until(
            lambda: window.review_list.session_ids() == [],
            what="signed note leaves the review list",
        )

        # Addendum, under the note with author and time.
        window.open_addendum()
        dialog = window.addendum_dialog
        assert dialog is not None
        dialog.reason.setText("Late entry")
        dialog.text.setPlainText("Home exercise sheet given.")
        loaded = wait_for_signal(notes.review_loaded)
        dialog.accept()
        await loaded
        assert [label.text() for label in window.review.addendum_labels] == [
            "Home exercise sheet given."
        ]

        # Co-sign as the reviewer (switching user switches the actor).
        await sign_in(parts, "rae")
        loaded = wait_for_signal(notes.review_loaded)
        window.open_review(seeded.session_id)
        await loaded
        loaded = wait_for_signal(notes.review_loaded)
        qtbot.mouseClick(window.review.cosign_button, Qt.MouseButton.LeftButton)
        (review,) = await loaded
        assert review.signature_state is SignatureState.VALID
        assert (
            window.review.signature_labels[1].text().startswith("Co-signed by Rae Vo, PT, DPT on ")
        )
        await notes.wait_idle()
        trail = [(r.actor, r.action) for r in window.audit_records]  # type: ignore[attr-defined]
        assert trail == [
            ("ana", "entry_edited"),
            ("ana", "signed"),
            ("ana", "addendum_added"),
            ("rae", "cosigned"),
        ]

        # Export a real PDF with the transcript appendix, and read it back.
        pdf = tmp_path / "note.pdf"
        exported = wait_for_signal(notes.exported)
        window.export_note(pdf, ExportChoice("pdf", ".pdf", "letter", True))
        await exported
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
        assert "remeasured" in text
        assert PATIENT_NAME in text
        assert "Home exercise sheet given." in text
        assert "one hundred twenty degrees" in text  # the transcript appendix

        # Export through File > Export: options, then the save dialog.
        window.export_action.trigger()
        options = window.export_dialog
        assert options is not None
        options.format.setCurrentIndex(2)  # Markdown
        options.accept()
        files = window.file_dialog
        assert files is not None
        markdown = tmp_path / "note.md"
        exported = wait_for_signal(notes.exported)
        files.selectFile(str(markdown))
        files.accept()
        (path,) = await exported
        assert Path(path) == markdown
        assert "remeasured" in markdown.read_text(encoding="utf-8")

        # Copy as plain text for the EHR.
        copied = wait_for_signal(notes.note_copied)
        window.copy_action.trigger()
        await copied
        clipboard = QGuiApplication.clipboard().text()
        assert "remeasured" in clipboard
        assert "Rae Vo" in clipboard

        # A note changed behind the app's back shows the red banner; export is refused.
        connection = sqlite3.connect(AppConfig(data_dir=tmp_path / "data").db_path)
        with connection:
            changed = connection.execute(
                "UPDATE note_entries SET text = ? WHERE id = ?", ("Tampered.", seeded.entry_ids[1])
            ).rowcount
        connection.close()
        assert changed == 1
        loaded = wait_for_signal(notes.review_loaded)
        window.open_review(seeded.session_id)
        (review,) = await loaded
        assert review.signature_state is SignatureState.MISMATCH
        assert window.review.mismatch_banner.isVisibleTo(window)
        assert "changed after it was signed" in window.review.mismatch_banner.text()
        assert (
            f"Entry {seeded.entry_ids[1]} in Subjective was changed after signing."
            in window.review.mismatch_banner.text()
        )
        refused = wait_for_signal(notes.error_posted)
        window.export_note(tmp_path / "refused.pdf", ExportChoice("pdf", ".pdf", "a4", False))
        (message,) = await refused
        assert "no longer matches its signature" in message
        assert not (tmp_path / "refused.pdf").exists()
        window.close()
        await parts.shutdown()

    run(scenario(), 90)


def test_an_unacknowledged_risk_blocks_the_sign_confirmation(
    run: Callable[..., Any],
    qtbot: Any,
    tmp_path: Path,
    engine_models: EngineModels,
    memory_keyring: Any,
) -> None:
    async def scenario() -> None:
        parts = await build(tmp_path / "data", LONG_SESSION.path, engine_models, qtbot)
        window, notes = parts.window, parts.notes
        window.show()
        await create_accounts(parts)
        seeded = seed_note(parts)
        with parts.database.uow_factory() as uow:
            uow.notes.add_risk(
                seeded.session_id, RiskFlag(RiskKind.FALL_RISK, "I nearly fell on the stairs")
            )
        await sign_in(parts, "ana")
        loaded = wait_for_signal(notes.review_loaded)
        window.open_review(seeded.session_id)
        await loaded

        qtbot.mouseClick(window.review.sign_button, Qt.MouseButton.LeftButton)
        confirm = window.sign_dialog
        assert confirm is not None
        assert not confirm.sign_button.isEnabled()
        assert "Fall risk is flagged and not acknowledged" in confirm.blockers.text()
        assert "Assessment is empty." in confirm.warnings.text()
        confirm.reject()

        # Acknowledged in the review, the same confirmation lets the note be signed.
        loaded = wait_for_signal(notes.review_loaded)
        window.review.risk_acknowledged.emit(window.review.review.note.risks[0].id)  # type: ignore[union-attr]
        await loaded
        qtbot.mouseClick(window.review.sign_button, Qt.MouseButton.LeftButton)
        confirm = window.sign_dialog
        assert confirm is not None
        assert confirm.sign_button.isEnabled()
        loaded = wait_for_signal(notes.review_loaded)
        qtbot.mouseClick(confirm.sign_button, Qt.MouseButton.LeftButton)
        (review,) = await loaded
        assert review.is_locked
        window.close()
        await parts.shutdown()

    run(scenario(), 90)
