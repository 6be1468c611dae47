"""UsageService: the running budget, and the hard cap checked before each note update."""

from __future__ import annotations

import threading

import pytest

from therapy_notes.domain.usage import Prices, TokenUsage
from therapy_notes.services.usage import UsageService


def test_an_update_is_allowed_only_if_all_of_it_fits_under_the_cap() -> None:
    service = UsageService(1_000)
    service.record(TokenUsage(input_text_tokens=600, output_text_tokens=100))
    assert service.reserve(300)  # exactly to the cap
    assert service.snapshot().is_exhausted is False
    assert not service.reserve(301)
    assert service.snapshot().is_exhausted is True, "paused before the cap is reached"
    assert service.snapshot().used_tokens == 700
    assert not service.reserve(1), "once paused, a smaller update does not slip in"


def test_usage_recorded_to_the_cap_pauses_updates() -> None:
    service = UsageService(1_000)
    service.record(TokenUsage(input_text_tokens=600, output_text_tokens=100))
    service.record(TokenUsage(input_audio_tokens=300))
    assert service.snapshot().is_exhausted is True
    assert not service.reserve(0)
    snap = service.snapshot()
    assert snap.used_tokens == 1_000
    assert snap.ratio == 1.0
    assert snap.is_warning
    assert snap.is_exhausted


def test_raising_the_cap_resumes_updates_and_must_raise_it() -> None:
    service = UsageService(100)
    service.record(TokenUsage(input_text_tokens=150))
    assert service.snapshot().is_exhausted is True
    with pytest.raises(ValueError, match="larger"):
        service.raise_cap(100)
    service.raise_cap(1_000)
    assert service.snapshot().is_exhausted is False
    assert service.snapshot().cap_tokens == 1_000
    assert service.reserve(850)
    assert not service.reserve(851)
    service.raise_cap(2_000)
    assert service.reserve(851), "raising the cap resumes refused updates"


def test_raise_cap_without_a_figure_doubles_it_and_always_passes_what_is_used() -> None:
    service = UsageService(100)
    assert service.raise_cap() == 200
    assert service.snapshot().cap_tokens == 200
    service.record(TokenUsage(input_text_tokens=450))
    assert service.snapshot().used_tokens == 450
    assert service.raise_cap() == 451
    assert service.reserve(0)


def test_cost_uses_the_prices_given() -> None:
    prices = Prices(
        text_in=1.0, text_cached=0.5, text_out=2.0, audio_in=10.0, audio_cached=1.0, audio_out=20.0
    )
    service = UsageService(10_000_000, prices)
    usage = TokenUsage(
        input_text_tokens=1_000_000,
        cached_text_tokens=400_000,
        input_audio_tokens=1_000_000,
        output_text_tokens=1_000_000,
    )
    assert service.cost_usd(usage) == pytest.approx(0.6 + 0.2 + 10.0 + 2.0)
    service.record(usage)
    assert service.snapshot().cost_usd == pytest.approx(12.8)


def test_recording_from_many_threads_loses_nothing() -> None:
    service = UsageService(10**9)

    def spend() -> None:
        for _ in range(1_000):
            service.record(TokenUsage(input_audio_tokens=1))

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert service.snapshot().used.input_audio_tokens == 8_000
