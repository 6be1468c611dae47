"""The protocol's audio format is defined once and everything that streams audio uses it."""

from __future__ import annotations

from therapy_notes.audio import dsp
from therapy_notes.domain import audio_format
from therapy_notes.engine import protocol
from therapy_notes.realtime import session_config
from therapy_notes.ui.controllers import voice


def test_one_definition_of_the_protocols_audio() -> None:
    assert audio_format.SAMPLE_RATE_HZ == 24_000
    assert audio_format.BYTES_PER_MS == 48
    assert audio_format.BYTES_PER_SECOND == 48_000
    rates = {
        dsp.OUTPUT_RATE_HZ,
        protocol.SAMPLE_RATE_HZ,
        session_config.SAMPLE_RATE_HZ,
    }
    assert rates == {audio_format.SAMPLE_RATE_HZ}
    assert voice.BYTES_PER_SECOND == audio_format.BYTES_PER_SECOND
