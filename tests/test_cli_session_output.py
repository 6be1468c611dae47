"""What a transcribe run prints when the note is written again from changed roles."""

from __future__ import annotations

import io
import json

from therapy_notes.cli.session_output import JsonLinesOutput, TextOutput
from therapy_notes.domain.notes import EntrySource, Note, NoteEntry
from therapy_notes.services.recording_events import NoteEntryAdded, NoteRewritten


def _kept() -> Note:
    edited = NoteEntry("plan", "Home program reviewed.", EntrySource.CLINICIAN, id=4)
    return Note(session_id=1, template="soap", entries=[edited])


def test_json_lines_say_which_entries_stay_so_a_reader_can_drop_the_rest() -> None:
    stream = io.StringIO()
    out = JsonLinesOutput(stream)
    written = NoteEntry("subjective", "Client reports pain.", EntrySource.LOCAL_COMPOSER, id=3)
    out.on_event(NoteEntryAdded(written))
    out.on_event(NoteRewritten(_kept()))
    again = NoteEntry("subjective", "Clinician asks about pain.", EntrySource.LOCAL_COMPOSER, id=5)
    out.on_event(NoteEntryAdded(again))
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["type"] for line in lines] == ["note_entry", "note_rewritten", "note_entry"]
    assert lines[1] == {"type": "note_rewritten", "kept_entry_ids": [4]}
    live = {lines[0]["id"]} & set(lines[1]["kept_entry_ids"]) | {lines[2]["id"]}
    assert live == {5}


def test_text_output_says_the_note_is_written_again() -> None:
    stream = io.StringIO()
    TextOutput(stream).on_event(NoteRewritten(_kept()))
    assert "note is being written again" in stream.getvalue()
