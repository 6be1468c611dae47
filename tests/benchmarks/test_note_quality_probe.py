"""The note writer on the probe sets: one short exchange at a time, both halves of each.

The conversation sets measure whole sessions; a probe set isolates one documentation
pattern per item (a muscle grade said as "four minus", a denial said as "God, no."), so a
gap between its halves says which patterns the rules were fitted to rather than learned.
The first probe set was written with the rules; the risk and measurement sets were written
later by an author who had not read them. Rules were written against `dev` only; the
`heldout` figures are the ones to quote.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.benchmarks.conftest import write_results
from tests.composer_probe import PROBE_SETS, load_probe, score_item, summarise

pytestmark = [pytest.mark.benchmark]


def test_note_writer_on_the_probe_set() -> None:
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    for name, folder in PROBE_SETS.items():
        for split in ("dev", "heldout"):
            rows = [score_item(item) for item in load_probe(split, folder)]
            # Per item only for the half the rules are tuned on: held-out is a summary.
            detail = {"per_item": rows} if split == "dev" else {}
            figures[f"{name}_{split}"] = {**summarise(rows), **detail}
            print(name, split, summarise(rows))
    figures["wall_s"] = round(time.perf_counter() - started, 2)
    write_results("note_quality_probe", figures)
    for name in PROBE_SETS:
        assert figures[f"{name}_dev"]["items"]
        assert figures[f"{name}_heldout"]["items"]
