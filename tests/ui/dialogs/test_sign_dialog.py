"""The sign confirmation: summary, signer, blockers that disable signing, warnings."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog

from therapy_notes.domain.notes import EntrySource, Note, NoteEntry, RiskFlag, RiskKind
from therapy_notes.domain.sign_off import sign_off_check
from therapy_notes.services.templates import load_template
from therapy_notes.ui.dialogs.sign_dialog import SignDialog, summary_text

SOAP = load_template("soap")


def _note(*, risk: bool) -> Note:
    return Note(
        1,
        "soap",
        entries=[
            NoteEntry("subjective", "Client reports low mood.", EntrySource.MODEL),
            NoteEntry("subjective", "Client slept poorly.", EntrySource.MODEL),
            NoteEntry("plan", "Review in one week.", EntrySource.CLINICIAN),
        ],
        risks=[RiskFlag(RiskKind.SELF_HARM, "thought of ending it", id=4)] if risk else [],
    )


def test_an_unacknowledged_risk_disables_signing(qtbot: Any) -> None:
    dialog = SignDialog(
        sign_off_check(_note(risk=True), SOAP), "SOAP — Jordan Lee", "Ana Ruiz, OTR/L"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.sign_button.isEnabled()
    assert dialog.blockers.isVisible()
    assert "Risk of self-harm" in dialog.blockers.text()
    dialog.accept()  # even Enter or a script cannot sign through a blocker
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.isVisible()


def test_a_ready_note_shows_summary_signer_and_empty_section_warnings(qtbot: Any) -> None:
    check = sign_off_check(_note(risk=False), SOAP)
    dialog = SignDialog(check, "SOAP — Jordan Lee", "Ana Ruiz, OTR/L")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.sign_button.isEnabled()
    assert not dialog.blockers.isVisible()
    assert dialog.warnings.isVisible()
    assert "Objective is empty." in dialog.warnings.text()
    assert "Ana Ruiz, OTR/L" in dialog.signer.text()
    assert "Subjective: 2 entries" in dialog.summary.text()
    assert "Plan: 1 entry" in dialog.summary.text()
    assert summary_text(check).endswith("0 measurements, 0 flagged risks")
    with qtbot.waitSignal(dialog.accepted):
        dialog.sign_button.click()
