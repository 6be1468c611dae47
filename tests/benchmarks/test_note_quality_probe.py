"""The note writer on the probe set: one short exchange at a time, both halves.

The conversation sets measure whole sessions; the probe set isolates one documentation
pattern per item (a muscle grade said as "four minus", a denial said as "God, no."), so a
gap between its halves says which patterns the rules were fitted to rather than learned.
Rules were written against `dev` only; the `heldout` figures are the ones to quote.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.benchmarks.conftest import write_results
from tests.composer_probe import load_probe, score_item, summarise

pytestmark = [pytest.mark.benchmark]


def test_note_writer_on_the_probe_set() -> None:
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    for split in ("dev", "heldout"):
        rows = [score_item(item) for item in load_probe(split)]
        # Per item only for the half the rules are tuned on: held-out is read as a summary.
        detail = {"per_item": rows} if split == "dev" else {}
        figures[f"probe_{split}"] = {**summarise(rows), **detail}
        print("probe", split, summarise(rows))
    figures["wall_s"] = round(time.perf_counter() - started, 2)
    write_results("note_quality_probe", figures)
    assert figures["probe_dev"]["items"]
    assert figures["probe_heldout"]["items"]
