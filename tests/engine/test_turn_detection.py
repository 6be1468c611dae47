"""Turn detection settings and semantic_vad's reading of whether an utterance is complete."""

from __future__ import annotations

import pytest

from therapy_notes.engine.turn_detection import (
    SEMANTIC_EAGERNESS,
    VadSettings,
    utterance_is_complete,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patient reports pain of six out of ten.", True),
        ("Is the pain worse at night?", True),
        ("Grip strength in the left hand is", False),
        ("She wants to return to", False),
        ("Pain is worse in the morning,", False),
        ("We reviewed the thought record and.", False),
        ("Knee extension lacks five degrees", None),
        ("", None),
    ],
)
def test_complete_utterances_are_told_from_unfinished_ones(
    text: str, expected: bool | None
) -> None:
    assert utterance_is_complete(text) is expected


def test_semantic_vad_waits_by_eagerness_and_unknown_means_auto() -> None:
    high, low = VadSettings.semantic_vad("high"), VadSettings.semantic_vad("low")
    assert high.semantic is not None
    assert low.semantic is not None
    assert high.semantic.complete_ms < low.semantic.complete_ms
    assert VadSettings.semantic_vad("eager?") == VadSettings.semantic_vad("auto")
    assert VadSettings.semantic_vad("auto").semantic == SEMANTIC_EAGERNESS["medium"]
    assert VadSettings().semantic is None
