"""The two-speaker fixtures made by `tests/fixtures/speakers/make_voices.sh`.

Speaker A (espeak-ng `en-us+m3`, a low male voice) plays the clinician and speaker B
(`en-us+f4`, a female voice) the client. `enroll` and `dev` utterances may be used to choose
thresholds; `test` utterances are held out and only ever measured.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

VOICES_DIR = Path(__file__).parents[1] / "fixtures" / "speakers"
SAMPLE_RATE_HZ = 24_000
SPEAKERS = ("a", "b")


def pcm16(name: str) -> bytes:
    """One fixture's PCM16 LE mono 24 kHz frames, e.g. `pcm16("a_test1")`."""
    with wave.open(str(VOICES_DIR / f"{name}.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (
            1,
            2,
            SAMPLE_RATE_HZ,
        ), name
        return wav.readframes(wav.getnframes())


def names(split: str, speaker: str | None = None) -> list[str]:
    """Fixture names of a split (`enroll`, `dev`, `test`), optionally of one speaker."""
    found = sorted(p.stem for p in VOICES_DIR.glob(f"*_{split}*.wav"))
    return [n for n in found if speaker is None or n.startswith(f"{speaker}_")]


def audio_16k(name: str) -> npt.NDArray[np.float32]:
    """A fixture as float32 at 16 kHz, resampled the way the package's users are told to."""
    samples = np.frombuffer(pcm16(name), dtype="<i2").astype(np.float64) / 32768.0
    return np.asarray(soxr.resample(samples, SAMPLE_RATE_HZ, 16_000), dtype=np.float32)


def silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * SAMPLE_RATE_HZ))
