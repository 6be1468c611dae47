"""Speech fixtures with their expected text, and a word error rate that ignores formatting.

The WAVs are synthetic dictation made by `tests/fixtures/make_speech.sh` (espeak-ng + sox):
mono PCM16 at 24 kHz, 0.6 s of silence before and 1.0 s after each sentence. Recognisers
write numbers as digits or words and punctuate freely, so both sides are normalised before
words are compared.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import jiwer

SPEECH_DIR = Path(__file__).parent / "fixtures" / "speech"
SAMPLE_RATE_HZ = 24_000


@dataclass(frozen=True, slots=True)
class SpeechFixture:
    name: str
    path: Path
    text: str
    sentences: tuple[str, ...]

    def pcm16(self) -> bytes:
        """The raw PCM16 LE mono 24 kHz frames, as a client would stream them."""
        return read_pcm16(self.path)


def read_pcm16(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, SAMPLE_RATE_HZ):
            raise ValueError(f"{path.name} is not mono PCM16 at 24 kHz")
        return wav.readframes(wav.getnframes())


def _load_fixtures() -> list[SpeechFixture]:
    fixtures = []
    for line in (SPEECH_DIR / "texts.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        name, _voice, text = line.split("\t")
        fixtures.append(SpeechFixture(name, SPEECH_DIR / f"{name}.wav", text, (text,)))
    return fixtures


def _load_long_session() -> SpeechFixture:
    sentences = tuple(
        line
        for line in (SPEECH_DIR / "long_session.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    return SpeechFixture(
        "long_session", SPEECH_DIR / "long_session.wav", " ".join(sentences), sentences
    )


FIXTURES: list[SpeechFixture] = _load_fixtures()
LONG_SESSION: SpeechFixture = _load_long_session()

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000}


def _numbers_to_digits(words: list[str]) -> list[str]:
    """Collapse runs of number words ("one hundred twenty") into digits ("120")."""
    out: list[str] = []
    total = current = 0
    in_number = False

    def flush() -> None:
        nonlocal total, current, in_number
        if in_number:
            out.append(str(total + current))
        total = current = 0
        in_number = False

    for word in words:
        if word in _UNITS or word in _TENS:
            value = _UNITS.get(word, _TENS.get(word, 0))
            # "six ten" is two numbers; "twenty two" and "hundred six" are one.
            if (in_number and current % 10 != 0) or (in_number and value >= current > 0):
                flush()
            current += value
            in_number = True
        elif word in _SCALES and in_number:
            scale = _SCALES[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif word == "and" and in_number and current >= 100:
            continue
        else:
            flush()
            out.append(word)
    flush()
    return out


_TRANSFORM = jiwer.Compose(
    [
        jiwer.ToLowerCase(),
        jiwer.ExpandCommonEnglishContractions(),
        jiwer.SubstituteRegexes({r"(?<=\d),(?=\d{3})": "", r"[-/]": " "}),
        jiwer.RemovePunctuation(),
        jiwer.RemoveMultipleSpaces(),
        jiwer.Strip(),
    ]
)


def normalise(text: str) -> str:
    """Lowercase, no punctuation, hyphens as spaces, numbers as digits."""
    cleaned: str = _TRANSFORM(text)
    return " ".join(_numbers_to_digits(cleaned.split()))


def word_error_rate(refs: list[str], hyps: list[str]) -> float:
    """Corpus WER after `normalise`; an empty reference and hypothesis count as a match."""
    pairs = [(normalise(r), normalise(h)) for r, h in zip(refs, hyps, strict=True)]
    pairs = [(r, h) for r, h in pairs if r or h]
    if not pairs:
        return 0.0
    # jiwer cannot score an empty hypothesis against a reference; a placeholder word
    # counts each reference word as an error, which is what an empty result is.
    refs_n = [r or "<empty>" for r, _ in pairs]
    hyps_n = [h or "<empty>" for _, h in pairs]
    return float(jiwer.wer(refs_n, hyps_n))
