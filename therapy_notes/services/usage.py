"""Token and cost accounting for one session, and the cap that pauses note updates."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from therapy_notes.domain.usage import Budget, Prices, TokenUsage


@dataclass(frozen=True, slots=True)
class BudgetSnapshot:
    """What the budget gauge draws."""

    used: TokenUsage
    cap_tokens: int
    cost_usd: float
    is_warning: bool
    is_exhausted: bool

    @property
    def used_tokens(self) -> int:
        return self.used.total_tokens

    @property
    def ratio(self) -> float:
        return self.used_tokens / self.cap_tokens if self.cap_tokens else 1.0


class UsageService:
    """Adds every usage as the link sees it and answers whether note updates may continue.

    `record` is the link's response gate; it runs synchronously in the link's task so the
    budget is never one response behind what was spent.
    """

    def __init__(self, cap_tokens: int, prices: Prices | None = None) -> None:
        self._budget = Budget(cap_tokens=cap_tokens, prices=prices or Prices())
        self._lock = threading.Lock()

    def record(self, usage: TokenUsage) -> bool:
        """Add `usage`; True while another note update is allowed."""
        with self._lock:
            self._budget.add(usage)
            return not self._budget.is_exhausted

    @property
    def is_exhausted(self) -> bool:
        return self._budget.is_exhausted

    def cost_usd(self, usage: TokenUsage) -> float:
        return self._budget.prices.cost_usd(usage)

    def raise_cap(self, new_cap_tokens: int) -> None:
        """Raise this session's cap; note updates resume if it is now below the cap."""
        with self._lock:
            self._budget.raise_cap(new_cap_tokens)

    def snapshot(self) -> BudgetSnapshot:
        with self._lock:
            b = self._budget
            return BudgetSnapshot(b.used, b.cap_tokens, b.cost_usd, b.is_warning, b.is_exhausted)
