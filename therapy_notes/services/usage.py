"""Token and cost accounting for one session, and the hard cap that pauses note updates."""

from __future__ import annotations

import threading

from therapy_notes.domain.usage import Budget, BudgetSnapshot, Prices, TokenUsage


class UsageService:
    """Adds every usage the session reports and answers whether a note update fits.

    The recording service calls `record` as it handles each `ResponseCompleted`, before it
    decides on the next note update, so the budget is never one response behind; it adds
    each turn's transcription with `record_transcription`.
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

    def raise_cap(self, new_cap_tokens: int | None = None) -> int:
        """Raise this session's cap (None: double it); returns the new cap.

        Doubling is what the gauge's "Raise cap" offers: enough for as long again, and
        always past what is used, so note updates resume.
        """
        with self._lock:
            b = self._budget
            new = (
                max(b.cap_tokens * 2, b.used.total_tokens + 1)
                if new_cap_tokens is None
                else new_cap_tokens
            )
            b.raise_cap(new)
            return new

    def snapshot(self) -> BudgetSnapshot:
        with self._lock:
            b = self._budget
            return BudgetSnapshot(
                b.used, b.cap_tokens, b.cost_usd, b.is_warning, b.is_exhausted, b.transcription
            )
