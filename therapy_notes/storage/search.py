"""Full-text search over transcripts and note entries.

On SQLite the FTS5 indexes made by the first migration answer, ranked by bm25 and with
highlighted snippets. User input never reaches FTS5 as query syntax: each word becomes a
quoted phrase, so a stray `"` or `AND(` is just text, never a syntax error.

On PostgreSQL the twin is the text-search GIN index of migration 0006: the same English
(Porter) stemming, the last word a prefix, `ts_rank` normalised by length (so, as with
bm25, a short text where the word weighs most comes first) and `ts_headline` snippets with
the same `[...]` marks. Each word becomes a quoted lexeme, so user input is never tsquery
syntax either. One difference: PostgreSQL drops English stop words ("with", "or"), which
FTS5 keeps; a query of stop words only finds nothing.
"""

from __future__ import annotations

import re

from sqlalchemy import Text, literal, select, union_all
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from therapy_notes.domain.audit import SearchHit
from therapy_notes.storage.errors import DatabaseLocation, translated
from therapy_notes.storage.orm import NoteEntryRow, SegmentRow

SNIPPET_TOKENS = 12
"""Words of context in a snippet around the match."""

_WORD = re.compile(r"\w+", re.UNICODE)

_FTS_QUERY = sql_text(
    """
    SELECT 'segment' AS kind, s.session_id AS session_id, s.id AS row_id,
           snippet(segments_fts, 0, '[', ']', '…', :tokens) AS snippet,
           bm25(segments_fts) AS rank
      FROM segments_fts JOIN segments AS s ON s.id = segments_fts.rowid
     WHERE segments_fts MATCH :query
    UNION ALL
    SELECT 'note_entry', e.session_id, e.id,
           snippet(note_entries_fts, 0, '[', ']', '…', :tokens),
           bm25(note_entries_fts)
      FROM note_entries_fts JOIN note_entries AS e ON e.id = note_entries_fts.rowid
     WHERE note_entries_fts MATCH :query
     ORDER BY rank, row_id
     LIMIT :limit
    """
)


SEARCH_CONFIG = "english"
"""The text-search configuration of migration 0006's indexes; `_PG_QUERY` names the same
(written out, so the query stays one constant string)."""

_PG_QUERY = sql_text(
    """
    SELECT 'segment' AS kind, s.session_id AS session_id, s.id AS row_id,
           ts_headline('english', s.text, q.query, :headline) AS snippet,
           ts_rank(to_tsvector('english', s.text), q.query, 2) AS rank
      FROM segments AS s, to_tsquery('english', :query) AS q(query)
     WHERE to_tsvector('english', s.text) @@ q.query
    UNION ALL
    SELECT 'note_entry', e.session_id, e.id,
           ts_headline('english', e.text, q.query, :headline),
           ts_rank(to_tsvector('english', e.text), q.query, 2)
      FROM note_entries AS e, to_tsquery('english', :query) AS q(query)
     WHERE to_tsvector('english', e.text) @@ q.query
     ORDER BY rank DESC, row_id
     LIMIT :limit
    """
)
_PG_HEADLINE = (
    f"StartSel=[, StopSel=], MaxWords={SNIPPET_TOKENS}, MinWords={SNIPPET_TOKENS // 2}, ShortWord=0"
)


def tsquery(user_input: str) -> str:
    """A PostgreSQL `to_tsquery` text matching every word ("" when it has no words).

    Each word is a single-quoted lexeme (quotes doubled inside), joined by `&`; the last
    matches as a prefix (`:*`), as in `fts5_query`.
    """
    words = _WORD.findall(user_input)
    if not words:
        return ""
    quoted = ["'" + w.replace("'", "''") + "'" for w in words]
    quoted[-1] += ":*"
    return " & ".join(quoted)


def fts5_query(user_input: str) -> str:
    """An FTS5 query matching every word of `user_input` ("" when it has no words).

    Each word is a double-quoted string (quotes doubled inside), so FTS5 operators and
    punctuation typed by the user are matched as text. The last word matches as a prefix,
    so results appear while the user is still typing it.
    """
    words = _WORD.findall(user_input)
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class SqlSearchRepository:
    """`SearchRepository`: FTS5 on SQLite, text search on PostgreSQL, substrings elsewhere."""

    def __init__(self, session: Session, where: DatabaseLocation) -> None:
        self._session = session
        self._where = where

    @property
    def where(self) -> DatabaseLocation:
        return self._where

    @translated
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Best matches first: transcript segments and note entries together."""
        if limit <= 0:
            return []
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            match = tsquery(query)
            if not match:
                return []
            rows = self._session.execute(
                _PG_QUERY, {"query": match, "limit": limit, "headline": _PG_HEADLINE}
            )
        elif dialect == "sqlite":
            match = fts5_query(query)
            if not match:
                return []
            rows = self._session.execute(
                _FTS_QUERY, {"query": match, "limit": limit, "tokens": SNIPPET_TOKENS}
            )
        else:
            return self.search_by_substring(query, limit)
        return [
            SearchHit(session_id=r.session_id, kind=r.kind, row_id=r.row_id, snippet=r.snippet)
            for r in rows
        ]

    @translated
    def search_by_substring(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Portable fallback: rows containing every word, newest first, text as snippet."""
        words = _WORD.findall(query)
        if not words or limit <= 0:
            return []
        segments = select(
            literal("segment", Text).label("kind"),
            SegmentRow.session_id,
            SegmentRow.id.label("row_id"),
            SegmentRow.text.label("snippet"),
        ).where(*(SegmentRow.text.icontains(w, autoescape=True) for w in words))
        entries = select(
            literal("note_entry", Text).label("kind"),
            NoteEntryRow.session_id,
            NoteEntryRow.id.label("row_id"),
            NoteEntryRow.text.label("snippet"),
        ).where(*(NoteEntryRow.text.icontains(w, autoescape=True) for w in words))
        both = union_all(segments, entries).subquery()
        rows = self._session.execute(
            select(both).order_by(both.c.session_id.desc(), both.c.row_id.desc()).limit(limit)
        )
        return [
            SearchHit(session_id=r.session_id, kind=r.kind, row_id=r.row_id, snippet=r.snippet)
            for r in rows
        ]
