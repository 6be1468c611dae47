"""Full-text search over segments and note entries, whatever the user types."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from therapy_notes.domain.notes import EntrySource, NoteEntry
from therapy_notes.domain.session import Segment
from therapy_notes.storage import SqlUnitOfWork
from therapy_notes.storage.search import fts5_query

UowFactory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def stored(uow_factory: UowFactory, session_id: int) -> dict[str, int]:
    with uow_factory() as uow:
        seg = uow.segments.add(
            session_id, Segment("i1", 0, 3_000, "The patient walked with a rolling walker today.")
        )
        other = uow.segments.add(
            session_id, Segment("i2", 3_000, 6_000, "Grip strength improved on the right hand.")
        )
        entry = uow.notes.add_entry(
            session_id,
            NoteEntry("objective", "Ambulated 50 m with rolling walker.", EntrySource.MODEL),
        )
    assert seg.id is not None
    assert other.id is not None
    assert entry.id is not None
    return {"segment": seg.id, "other": other.id, "entry": entry.id, "session": session_id}


def test_finds_words_in_segments_and_note_entries(
    uow_factory: UowFactory, stored: dict[str, int]
) -> None:
    with uow_factory() as uow:
        hits = uow.search.search("rolling walker")
    assert {(h.kind, h.row_id) for h in hits} == {
        ("segment", stored["segment"]),
        ("note_entry", stored["entry"]),
    }
    assert all(h.session_id == stored["session"] for h in hits)
    assert all("[rolling]" in h.snippet and "[walker]" in h.snippet for h in hits)


def test_stemming_and_prefix_of_the_last_word(
    uow_factory: UowFactory, stored: dict[str, int]
) -> None:
    with uow_factory() as uow:
        # "walks" is stemmed to match "walked" (and not "walker"); "gri" is a prefix.
        assert [(h.kind, h.row_id) for h in uow.search.search("walks with")] == [
            ("segment", stored["segment"])
        ]
        assert [(h.kind, h.row_id) for h in uow.search.search("gri")] == [
            ("segment", stored["other"])
        ]


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        "AND(",
        "NOT",
        "NEAR(a b",
        "*",
        "(",
        ")))",
        "'; DROP TABLE segments; --",
        "\\",
        "\u00fc\x00",
        "a AND(b OR c) NOT d",
    ],
)
def test_hostile_queries_never_raise(
    uow_factory: UowFactory, stored: dict[str, int], hostile: str
) -> None:
    with uow_factory() as uow:
        assert uow.search.search(hostile) == []
        assert len(uow.segments.for_session(stored["session"])) == 2


@pytest.mark.parametrize(
    "typed", ['walker"', '"walker', "^walker", "walker -", "(walker)", "walker*"]
)
def test_punctuation_around_a_word_still_finds_it(
    uow_factory: UowFactory, stored: dict[str, int], typed: str
) -> None:
    with uow_factory() as uow:
        hits = uow.search.search(typed)
    assert {(h.kind, h.row_id) for h in hits} == {
        ("segment", stored["segment"]),
        ("note_entry", stored["entry"]),
    }


def test_operators_typed_by_the_user_are_plain_words(
    uow_factory: UowFactory, stored: dict[str, int]
) -> None:
    # "OR" as an operator would match the segment; as a word it must also be present.
    with uow_factory() as uow:
        assert uow.search.search("walker OR grip") == []
    assert fts5_query('say "hi" AND(') == '"say" "hi" "AND"*'
    assert fts5_query("  ... ") == ""


def test_index_follows_an_entry_edit(uow_factory: UowFactory, stored: dict[str, int]) -> None:
    with uow_factory() as uow:
        uow.notes.update_entry(stored["entry"], "Ambulated 50 m with a cane.", "reviewer")
    with uow_factory() as uow:
        assert [h.kind for h in uow.search.search("walker")] == ["segment"]
        assert [(h.kind, h.row_id) for h in uow.search.search("cane")] == [
            ("note_entry", stored["entry"])
        ]


def test_limit_and_ranking(uow_factory: UowFactory, session_id: int) -> None:
    with uow_factory() as uow:
        for i in range(6):
            uow.segments.add(session_id, Segment(f"p{i}", i, i + 1, "pain " + "filler " * (i * 5)))
    with uow_factory() as uow:
        hits = uow.search.search("pain", limit=3)
        assert uow.search.search("pain", limit=0) == []
    assert len(hits) == 3
    assert [h.snippet.startswith("[pain]") for h in hits] == [True, True, True]
    # bm25 prefers the shortest texts, where the word weighs most.
    assert [h.row_id for h in hits] == sorted(h.row_id for h in hits)


def test_substring_fallback_matches_every_word(
    uow_factory: UowFactory, stored: dict[str, int]
) -> None:
    with uow_factory() as uow:
        hits = uow.search.search_by_substring("WALKER rolling")
        assert uow.search.search_by_substring("walker 100%") == []
    assert {(h.kind, h.row_id) for h in hits} == {
        ("segment", stored["segment"]),
        ("note_entry", stored["entry"]),
    }
