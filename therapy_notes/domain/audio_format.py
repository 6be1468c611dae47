"""The audio format of the realtime protocol, which every part of the data path speaks.

PROTOCOL.md: `input_audio_buffer.append` carries mono PCM16 little-endian at 24 kHz, on
the cloud and in the local engine alike. The recorder resamples to it, the link streams it,
the engine and the speaker encoder read it; one definition keeps them from drifting.
"""

from __future__ import annotations

from typing import Final

SAMPLE_RATE_HZ: Final = 24_000
CHANNELS: Final = 1
SAMPLE_WIDTH_BYTES: Final = 2
"""PCM16: two bytes per sample."""
BYTES_PER_SECOND: Final = SAMPLE_RATE_HZ * CHANNELS * SAMPLE_WIDTH_BYTES
BYTES_PER_MS: Final = BYTES_PER_SECOND // 1000
