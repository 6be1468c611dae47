"""The wide net that asks for a note update at once when a turn may state a risk."""

from __future__ import annotations

import pytest

from therapy_notes.domain.risk_cues import might_state_risk


@pytest.mark.parametrize(
    "said",
    [
        "Some days I think my family would be better off without me.",
        "I wouldn't mind if I didn't wake up.",
        "I've been saving up my pills.",
        "I fell in the bathroom on Sunday.",
        "He hits me when he drinks.",
        "I feel hopeless about all of it.",
        "No, I've never tried to kill myself.",  # a denial still gets written up at once
        "He hurts me when he's been drinking.",
        "I keep thinking about hurting myself.",
    ],
)
def test_risk_language_is_caught(said: str) -> None:
    assert might_state_risk(said)


@pytest.mark.parametrize(
    "said",
    [
        "My knee is about a four out of ten today.",
        "I did the exercises every morning.",
        "See you Thursday at ten.",
        "It hurts when I bend it past ninety.",
        "I fall asleep on the couch most nights.",
    ],
)
def test_ordinary_turns_wait_for_the_batch(said: str) -> None:
    assert not might_state_risk(said)
