"""The confirmation before a note is signed: what is signed, by whom, and what stops it.

A signature cannot be undone (later changes are addenda), so the clinician sees the note's
summary, their own name and credentials as they will be printed, and the checks of
`domain.sign_off`. The dialog only draws that check: a blocker disables the Sign button.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.sign_off import SignOffCheck
from therapy_notes.ui.tones import DANGER, WARNING


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def summary_text(check: SignOffCheck) -> str:
    """The note's contents in one glance: entries per section, measurements, risks."""
    lines = [f"{s.title}: {_plural(s.entries, 'entry', 'entries')}" for s in check.sections]
    lines.append(
        f"{_plural(check.measurements, 'measurement')}, {_plural(check.risks, 'flagged risk')}"
    )
    return "\n".join(lines)


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"• {item}" for item in items)


class SignDialog(QDialog):
    """Asks before signing; accepted means "sign as me now"."""

    def __init__(
        self,
        check: SignOffCheck,
        note_title: str,
        signer_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign note")
        self.setAccessibleName("Sign note")
        self.check = check
        layout = QVBoxLayout(self)
        heading = QLabel(note_title)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        heading.setFont(font)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.summary = QLabel(summary_text(check))
        self.summary.setAccessibleName("Note summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        self.signer = QLabel(f"You sign as: <b>{escape(signer_name)}</b>")
        self.signer.setAccessibleName("Signer")
        layout.addWidget(self.signer)
        meaning = QLabel(
            "Signing locks the note: it can no longer be edited, and later changes are "
            "added as addenda under it with your name and the time."
        )
        meaning.setWordWrap(True)
        layout.addWidget(meaning)
        self.blockers = QLabel(
            "<b>Cannot sign yet:</b><br>" + _bullets(check.blockers).replace("\n", "<br>")
        )
        self.blockers.setAccessibleName("What blocks signing")
        self.blockers.setWordWrap(True)
        self.blockers.setStyleSheet(DANGER.style(extra="padding: 8px; border-radius: 4px;"))
        self.blockers.setVisible(bool(check.blockers))
        layout.addWidget(self.blockers)
        self.warnings = QLabel(
            "<b>Check before signing:</b><br>" + _bullets(check.warnings).replace("\n", "<br>")
        )
        self.warnings.setAccessibleName("Warnings before signing")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARNING.style(extra="padding: 8px; border-radius: 4px;"))
        self.warnings.setVisible(bool(check.warnings))
        layout.addWidget(self.warnings)
        self.buttons = QDialogButtonBox()
        self.sign_button: QPushButton = self.buttons.addButton(
            "Sign note", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_button.setAccessibleName("Sign note")
        self.sign_button.setEnabled(check.can_sign)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # a signature is never the accidental Enter
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def accept(self) -> None:
        """Refused while something blocks the signature, whatever pressed the button."""
        if self.check.can_sign:
            super().accept()
