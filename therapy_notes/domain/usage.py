"""Token usage, prices and the per-session budget, a hard cap.

The cloud bills audio and text at different rates, and cached input at a tenth or less,
so usage is kept per kind all the way from the wire to the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

AUDIO_INPUT_TOKENS_PER_S = 10
"""User audio costs 1 token per 100 ms (PROTOCOL.md section 6)."""
TEXT_CHARS_PER_TOKEN = 4
"""English text is about four characters a token: the estimate wherever no tokenizer is at
hand (the local engine's accounting, and the client's prediction of a response's input)."""
CACHE_MIN_PREFIX_TOKENS = 1024
CACHE_STEP_TOKENS = 128
"""The cloud caches a repeated prompt prefix of at least 1,024 tokens, in 128-token steps."""


def estimate_text_tokens(text: str) -> int:
    """Estimated tokens of a text: one per four characters, rounded up."""
    return math.ceil(len(text) / TEXT_CHARS_PER_TOKEN)


def estimate_audio_tokens(seconds: float) -> int:
    """Tokens of user audio: 10 per second, rounded up to whole 100 ms."""
    return math.ceil(round(seconds * AUDIO_INPUT_TOKENS_PER_S, 6))


def cached_prefix_tokens(repeated_prefix_tokens: int) -> int:
    """How much of a repeated prefix the cloud bills as cached.

    None below 1,024 tokens, then whole 128-token steps: a short prefix is never cached.
    """
    if repeated_prefix_tokens < CACHE_MIN_PREFIX_TOKENS:
        return 0
    return repeated_prefix_tokens // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens of one billed unit of work (a response, or one turn's transcription)."""

    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        return self.input_text_tokens + self.input_audio_tokens

    @property
    def output_tokens(self) -> int:
        return self.output_text_tokens + self.output_audio_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_text_tokens + other.input_text_tokens,
            self.input_audio_tokens + other.input_audio_tokens,
            self.cached_text_tokens + other.cached_text_tokens,
            self.cached_audio_tokens + other.cached_audio_tokens,
            self.output_text_tokens + other.output_text_tokens,
            self.output_audio_tokens + other.output_audio_tokens,
        )

    @classmethod
    def from_audio_seconds(cls, seconds: float) -> TokenUsage:
        """Usage of `seconds` of user audio, as the cloud counts it."""
        return cls(input_audio_tokens=round(seconds * AUDIO_INPUT_TOKENS_PER_S))


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per one million tokens; defaults are gpt-realtime-2 (PROTOCOL.md section 7).

    The live transcript is billed apart, at the transcription model's rates (defaults:
    gpt-4o-transcribe, $2.50 audio in and $10 text out).
    """

    text_in: float = 4.00
    text_cached: float = 0.40
    text_out: float = 24.00
    audio_in: float = 32.00
    audio_cached: float = 0.40
    audio_out: float = 64.00
    transcription_in: float = 2.50
    transcription_out: float = 10.00

    def cost_usd(self, usage: TokenUsage) -> float:
        """Cost of `usage`; cached tokens are part of the input, billed at the cached rate."""
        text_fresh = max(usage.input_text_tokens - usage.cached_text_tokens, 0)
        audio_fresh = max(usage.input_audio_tokens - usage.cached_audio_tokens, 0)
        micro = (
            text_fresh * self.text_in
            + usage.cached_text_tokens * self.text_cached
            + audio_fresh * self.audio_in
            + usage.cached_audio_tokens * self.audio_cached
            + usage.output_text_tokens * self.text_out
            + usage.output_audio_tokens * self.audio_out
        )
        return micro / 1_000_000

    def transcription_cost_usd(self, usage: TokenUsage) -> float:
        """Cost of one turn's transcription (the audio in, the transcript out)."""
        micro = usage.input_tokens * self.transcription_in
        micro += usage.output_tokens * self.transcription_out
        return micro / 1_000_000


@dataclass(slots=True)
class Budget:
    """A session's running total against its token cap.

    The cap is a hard limit on what the session asks for: a note update that could cross
    it (its predicted input plus its whole output allowance) is never requested, and note
    updates pause there until the cap is raised. The cap is on note updates, the spend the
    app chooses: the live transcript is never refused (losing it to save a few cents would
    be the wrong trade for a clinician), so its tokens are kept and priced beside the cap
    rather than against it, where they would cross it whenever a session outlasts it.
    """

    cap_tokens: int
    prices: Prices = field(default_factory=Prices)
    used: TokenUsage = field(default_factory=TokenUsage)
    """Note updates (responses): what the cap limits."""
    transcription: TokenUsage = field(default_factory=TokenUsage)
    warn_ratio: float = 0.8
    is_refused: bool = False
    """A note update did not fit under the cap: updates pause until it is raised."""

    def add(self, usage: TokenUsage) -> None:
        """Add a note update's usage."""
        self.used = self.used + usage

    def add_transcription(self, usage: TokenUsage) -> None:
        self.transcription = self.transcription + usage

    def reserve(self, tokens: int) -> bool:
        """True if `tokens` more stay within the cap; otherwise note updates pause."""
        if self.is_exhausted or self.used_tokens + tokens > self.cap_tokens:
            self.is_refused = True
            return False
        return True

    @property
    def used_tokens(self) -> int:
        return self.used.total_tokens

    @property
    def cost_usd(self) -> float:
        """Note updates and transcript together."""
        return self.prices.cost_usd(self.used) + self.prices.transcription_cost_usd(
            self.transcription
        )

    @property
    def ratio(self) -> float:
        return self.used_tokens / self.cap_tokens if self.cap_tokens > 0 else 1.0

    @property
    def is_exhausted(self) -> bool:
        """Note updates have paused: the cap is reached, or the next one would cross it."""
        return self.is_refused or self.used_tokens >= self.cap_tokens

    @property
    def is_warning(self) -> bool:
        return self.ratio >= self.warn_ratio

    def raise_cap(self, new_cap_tokens: int) -> None:
        if new_cap_tokens <= self.cap_tokens:
            raise ValueError("a raised cap must be larger than the current one")
        self.cap_tokens = new_cap_tokens
        self.is_refused = False


@dataclass(frozen=True, slots=True)
class BudgetSnapshot:
    """What the budget gauge draws."""

    used: TokenUsage
    """Note updates: what the cap limits."""
    cap_tokens: int
    cost_usd: float
    """Note updates and the live transcript together."""
    is_warning: bool
    is_exhausted: bool
    transcription: TokenUsage = field(default_factory=TokenUsage)

    @property
    def used_tokens(self) -> int:
        return self.used.total_tokens

    @property
    def ratio(self) -> float:
        return self.used_tokens / self.cap_tokens if self.cap_tokens else 1.0


CAP_REACHED_MESSAGE = (
    "The next note update would pass this session's token cap, so note updates have paused; "
    "the transcript keeps recording. Raise the cap to resume note updates."
)
