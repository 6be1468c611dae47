"""Ctrl+F: full-text search over every transcript and note."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.audit import SearchHit

SESSION_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_TITLES = {"segment": "Transcript", "note_entry": "Note"}


class SearchDialog(QDialog):
    """A search box and its hits; activating a hit asks for its session.

    Signals:
        search_requested: the query (str).
        session_requested: the id of the session to open (int).
    """

    search_requested = Signal(str)
    session_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search transcripts and notes")
        self.resize(560, 420)
        layout = QVBoxLayout(self)
        self.query = QLineEdit()
        self.query.setAccessibleName("Search text")
        self.query.setPlaceholderText("Words to find, then Enter")
        self.query.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setWordWrap(True)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self.query.returnPressed.connect(self._on_query_return_pressed)
        self.results.itemActivated.connect(self._on_results_item_activated)

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        if query != self.query.text().strip():
            return
        self.results.clear()
        for hit in hits:
            snippet = " ".join(hit.snippet.split())
            item = QListWidgetItem(
                f"{KIND_TITLES.get(hit.kind, hit.kind)} · session {hit.session_id}: {snippet}"
            )
            item.setData(SESSION_ROLE, hit.session_id)
            self.results.addItem(item)
        self.status.setText(f"{len(hits)} match(es)" if hits else "Nothing found.")

    def _on_query_return_pressed(self) -> None:
        text = self.query.text().strip()
        if text:
            self.status.setText("Searching…")
            self.search_requested.emit(text)

    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        self.session_requested.emit(int(item.data(SESSION_ROLE)))
