"""Token and cost accounting for one session, and the hard cap that pauses note updates."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from therapy_notes.domain.usage import Budget, Prices, TokenUsage


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


class UsageService:
    """Adds every usage as the link sees it and answers whether a note update fits.

    `record` is given to the link, which calls it synchronously as each response's usage
    arrives, so the budget is never one response behind when `reserve` is asked before the
    next; the service adds each turn's transcription with `record_transcription`.
    """

    def __init__(self, cap_tokens: int, prices: Prices | None = None) -> None:
        self._budget = Budget(cap_tokens=cap_tokens, prices=prices or Prices())
        self._lock = threading.Lock()

    def record(self, usage: TokenUsage) -> None:
        """Add a note update's (a response's) usage."""
        with self._lock:
            self._budget.add(usage)

    def record_transcription(self, usage: TokenUsage) -> None:
        """Add one turn's transcription: counted and priced, never refused."""
        with self._lock:
            self._budget.add_transcription(usage)

    def reserve(self, tokens: int) -> bool:
        """True if a note update of at most `tokens` stays within the cap.

        Once one does not fit, note updates pause (`is_exhausted`) until the cap is raised,
        so a smaller later one does not slip in after the clinician was told they paused.
        """
        with self._lock:
            return self._budget.reserve(tokens)

    @property
    def is_exhausted(self) -> bool:
        return self._budget.is_exhausted

    def cost_usd(self, usage: TokenUsage) -> float:
        """Cost of a note update's usage."""
        return self._budget.prices.cost_usd(usage)

    def transcription_cost_usd(self, usage: TokenUsage) -> float:
        return self._budget.prices.transcription_cost_usd(usage)

    def raise_cap(self, new_cap_tokens: int) -> None:
        """Raise this session's cap; note updates resume if it is now below the cap."""
        with self._lock:
            self._budget.raise_cap(new_cap_tokens)

    def snapshot(self) -> BudgetSnapshot:
        with self._lock:
            b = self._budget
            return BudgetSnapshot(
                b.used, b.cap_tokens, b.cost_usd, b.is_warning, b.is_exhausted, b.transcription
            )
