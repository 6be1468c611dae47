"""Reconnect delays: a first quick retry, then exponential with jitter, capped."""

from __future__ import annotations

import random
from collections.abc import Iterator


def backoff_delays(
    *,
    initial_s: float = 0.25,
    factor: float = 2.0,
    max_s: float = 8.0,
    jitter: float = 0.25,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Yield delays forever: initial, initial*factor, ... up to `max_s`, each +/- `jitter`.

    Jitter spreads the reconnects of a whole clinic after a server restart.
    """
    rand = rng or random.Random()
    delay = initial_s
    while True:
        yield max(0.0, delay * (1 + rand.uniform(-jitter, jitter)))
        delay = min(delay * factor, max_s)
