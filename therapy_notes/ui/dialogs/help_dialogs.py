"""The Help menu's windows: keyboard shortcuts, where the data lives and how it is kept safe.

The shortcuts are read from the window's own actions, so the list never disagrees with
what the keys do. The data page states facts a clinician (or their data-protection
officer) asks about: which folder, which database, what is encrypted, where keys are.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True, slots=True)
class DataPlaces:
    """Where this installation keeps things; the composition root fills it in."""

    data_dir: Path
    database: str
    """The SQLite file's path, or the clinic server's host (never a password)."""
    is_shared_database: bool = False
    log_dir: Path | None = None


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(what it does, keys) for every action that has a shortcut, in menu order."""
    rows: list[tuple[str, str]] = []
    for action in actions:
        keys = [
            s.toString(QKeySequence.SequenceFormat.NativeText)
            for s in action.shortcuts()
            if not s.isEmpty()
        ]
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), " or ".join(keys)))
    return rows


class ShortcutsDialog(QDialog):
    """A two-column table of what each key does."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        rows = shortcut_rows(actions)
        self.table = QTableWidget(len(rows), 2)
        self.table.setAccessibleName("Shortcuts")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 420)


def data_protection_html(places: DataPlaces) -> str:
    """What is stored where, and how each part is protected, as short paragraphs."""
    folder = escape(str(places.data_dir))
    if places.is_shared_database:
        database = (
            f"Notes, transcripts and the audit trail are in your clinic's PostgreSQL database "
            f"on <b>{escape(places.database)}</b>, reached over an encrypted (TLS) connection. "
            "Your clinic's administrator looks after its backups and access."
        )
    else:
        database = (
            f"Notes, transcripts, kept audio and the audit trail are in one database file, "
            f"<code>{escape(places.database)}</code>, encrypted with SQLCipher (AES-256) "
            "under your passphrase. Without the passphrase or the recovery key the file "
            "cannot be read."
        )
    logs = (
        f"<p><b>Logs</b> are in <code>{escape(str(places.log_dir))}</code>. They record ids, "
        "sizes, times and states, never what was said or written.</p>"
        if places.log_dir is not None
        else ""
    )
    return (
        f"<p><b>Data folder:</b> <code>{folder}</code>. It is private to your user account "
        "(no other account on this computer can open it).</p>"
        f"<p><b>Database.</b> {database}</p>"
        "<p><b>Keys and passwords.</b> The OpenAI key and a clinic engine's token are kept "
        "in the system's password store (Keychain, Credential Manager, Secret Service), "
        "never in a file. Account passwords are stored only as Argon2 hashes.</p>"
        "<p><b>Signed notes</b> cannot be changed: corrections are addenda. Each signature is "
        "keyed and covers the note, its transcript, the patient and the signer; the audit "
        "trail is a hash chain, so an edited or deleted record shows.</p>"
        "<p><b>Speech.</b> With the local engine, audio never leaves this computer. With "
        "a clinic engine it goes to your clinic's server, and with the OpenAI engine to "
        "OpenAI, in both cases over an encrypted connection.</p>"
        f"{logs}"
        "<p>The window locks after the idle time set in Settings and hides every patient "
        "detail until your password is entered.</p>"
    )


class DataProtectionDialog(QDialog):
    """Where the data lives and how it is protected."""

    def __init__(self, places: DataPlaces, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your data and how it is protected")
        self.setAccessibleName("Your data and how it is protected")
        layout = QVBoxLayout(self)
        self.text = QLabel(data_protection_html(places))
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Where the data lives")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
