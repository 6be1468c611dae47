"""Token usage arithmetic, prices and the session budget."""

from __future__ import annotations

import json

import pytest

from therapy_notes.domain.tools import session_instructions, tool_schemas
from therapy_notes.domain.usage import (
    Budget,
    Prices,
    TokenUsage,
    cached_prefix_tokens,
    estimate_text_tokens,
)
from therapy_notes.services.templates import load_template


def test_usage_adds_per_kind_and_totals() -> None:
    a = TokenUsage(1, 2, 3, 4, 5, 6)
    b = TokenUsage(10, 20, 30, 40, 50, 60)
    total = a + b
    assert total == TokenUsage(11, 22, 33, 44, 55, 66)
    assert total.input_tokens == 33
    assert total.output_tokens == 121
    assert total.total_tokens == 154


def test_audio_seconds_are_ten_tokens_each() -> None:
    assert TokenUsage.from_audio_seconds(3.2) == TokenUsage(input_audio_tokens=32)
    assert TokenUsage.from_audio_seconds(0.04) == TokenUsage()


def test_one_minute_of_speech_costs_about_two_cents() -> None:
    minute = TokenUsage.from_audio_seconds(60)
    assert minute.input_audio_tokens == 600
    assert Prices().cost_usd(minute) == pytest.approx(0.0192)


def test_cached_tokens_are_billed_at_the_cached_rate() -> None:
    usage = TokenUsage(input_text_tokens=1_000_000, cached_text_tokens=1_000_000)
    assert Prices().cost_usd(usage) == pytest.approx(0.40)
    over = TokenUsage(input_text_tokens=10, cached_text_tokens=20)
    assert Prices().cost_usd(over) == pytest.approx(20 * 0.40 / 1_000_000)


def test_budget_warns_then_is_exhausted_and_can_be_raised() -> None:
    budget = Budget(cap_tokens=1_000)
    budget.add(TokenUsage(input_text_tokens=799))
    assert (budget.is_warning, budget.is_exhausted) == (False, False)
    budget.add(TokenUsage(output_text_tokens=1))
    assert (budget.is_warning, budget.is_exhausted) == (True, False)
    budget.add(TokenUsage(input_audio_tokens=200))
    assert (budget.is_warning, budget.is_exhausted) == (True, True)
    assert budget.ratio == 1.0
    assert budget.cost_usd > 0
    with pytest.raises(ValueError, match="larger"):
        budget.raise_cap(500)
    budget.raise_cap(2_000)
    assert not budget.is_exhausted


def test_a_zero_cap_is_always_exhausted() -> None:
    budget = Budget(cap_tokens=0)
    assert budget.is_exhausted
    assert budget.ratio == 1.0


@pytest.mark.parametrize(
    ("repeated", "cached"),
    [(0, 0), (1023, 0), (1024, 1024), (1151, 1024), (1152, 1152), (5000, 4992)],
)
def test_a_repeated_prefix_is_cached_from_1024_tokens_in_128_token_steps(
    repeated: int, cached: int
) -> None:
    assert cached_prefix_tokens(repeated) == cached


def test_cached_input_costs_the_cached_rate() -> None:
    fresh = TokenUsage(input_text_tokens=2000)
    cached = TokenUsage(input_text_tokens=2000, cached_text_tokens=1024)
    prices = Prices()
    saved = prices.cost_usd(fresh) - prices.cost_usd(cached)
    assert saved == pytest.approx(1024 * (prices.text_in - prices.text_cached) / 1_000_000)


@pytest.mark.parametrize("template", ["soap", "dap", "birp", "girp"])
def test_a_note_templates_stable_prefix_is_long_enough_to_be_cached(template: str) -> None:
    """Instructions and tools come first in every note update; under 1,024 tokens the
    cloud would bill all of them at the full rate every time."""
    note = load_template(template)
    prefix = estimate_text_tokens(session_instructions(note)) + estimate_text_tokens(
        json.dumps(tool_schemas(note))
    )
    assert cached_prefix_tokens(prefix) >= 1024
