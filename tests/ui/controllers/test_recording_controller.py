"""The recording controller's relay of a turn still being spoken."""

from __future__ import annotations

from therapy_notes.services.recording_events import PartialTranscript
from therapy_notes.ui.controllers.recording import shown_partial


def test_unconfirmed_words_are_shown_after_the_confirmed_ones() -> None:
    assert shown_partial(PartialTranscript("i1", "Right knee", "flexion is about")) == (
        "Right knee flexion is about"
    )
    assert shown_partial(PartialTranscript("i1", "", "Hello")) == "Hello"
    assert shown_partial(PartialTranscript("i1", "Hello there", "")) == "Hello there"
    assert shown_partial(PartialTranscript("i1", "", "")) == ""
