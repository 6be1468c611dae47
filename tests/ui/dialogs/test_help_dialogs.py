"""Help: the shortcuts table comes from the actions; the data page states where and how."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction, QKeySequence

from therapy_notes.ui.dialogs.help_dialogs import (
    DataPlaces,
    DataProtectionDialog,
    ShortcutsDialog,
    data_protection_html,
    shortcut_rows,
)


def test_the_shortcuts_table_lists_each_action_with_a_key(qtbot: Any) -> None:
    record = QAction("Record / Stop")
    record.setShortcut(QKeySequence("F9"))
    settings = QAction("Settings…")
    settings.setShortcuts([QKeySequence("Ctrl+,"), QKeySequence("Ctrl+Alt+S")])
    keyless = QAction("Users…")
    assert shortcut_rows([record, keyless, settings]) == [
        ("Record / Stop", "F9"),
        (
            "Settings",
            f"{QKeySequence('Ctrl+,').toString(QKeySequence.SequenceFormat.NativeText)}"
            f" or {QKeySequence('Ctrl+Alt+S').toString(QKeySequence.SequenceFormat.NativeText)}",
        ),
    ]
    dialog = ShortcutsDialog([record, settings])
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == "F9"  # type: ignore[union-attr]


def test_the_data_page_names_the_folder_the_encryption_and_the_keyring(qtbot: Any) -> None:
    places = DataPlaces(Path("/home/ana/.local/share/TherapyNotes"), "/data/therapy_notes.db")
    html = data_protection_html(places)
    assert "/home/ana/.local/share/TherapyNotes" in html
    assert "SQLCipher" in html
    assert "password store" in html
    dialog = DataProtectionDialog(places)
    qtbot.addWidget(dialog)
    assert "therapy_notes.db" in dialog.text.text()


def test_a_clinic_database_is_named_by_its_host_only() -> None:
    html = data_protection_html(
        DataPlaces(Path("/d"), "db.clinic.example", is_shared_database=True)
    )
    assert "db.clinic.example" in html
    assert "PostgreSQL" in html
    assert "SQLCipher" not in html
