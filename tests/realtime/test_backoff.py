"""Reconnect delays: quick first retry, growing, capped, jittered within bounds."""

from __future__ import annotations

import itertools
import random

import pytest

from therapy_notes.realtime.backoff import backoff_delays


def test_without_jitter_delays_double_up_to_the_cap() -> None:
    delays = list(itertools.islice(backoff_delays(jitter=0.0), 8))
    assert delays == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("seed", range(5))
def test_jitter_stays_within_bounds_and_delays_stay_bounded(seed: int) -> None:
    rng = random.Random(seed)
    delays = list(itertools.islice(backoff_delays(rng=rng), 200))
    nominal = [min(0.25 * 2**i, 8.0) for i in range(200)]
    for delay, base in zip(delays, nominal, strict=True):
        assert base * 0.75 <= delay <= base * 1.25
    assert max(delays) <= 10.0
    assert delays[5] > delays[0]


def test_jitter_spreads_clients() -> None:
    firsts = {next(backoff_delays(rng=random.Random(seed))) for seed in range(20)}
    assert len(firsts) == 20
    assert all(delay >= 0.0 for delay in firsts)
