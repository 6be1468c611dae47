"""The probe set's own integrity: every label parses, the split rule holds, both halves count."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.composer_probe import MEASURE_PROBE_DIR, RISK_PROBE_DIR, RISK_VOICES_DIR, load_probe

MEASURED = {"rom", "strength", "pain", "vitals", "timed", "score", "speech", "sleep", "mood"}
NOTHING = {"dose", "goal", "none", "clinician_talk"}


def test_both_halves_load_and_are_large_enough() -> None:
    dev, heldout = load_probe("dev"), load_probe("heldout")
    assert len(dev) >= 80
    assert len(heldout) >= 80
    for items in (dev, heldout):
        risky = [i for i in items if i.session.risks]
        assert len(risky) >= 20
        assert {r.status for i in risky for r in i.session.risks} == {"stated", "denied"}


def test_items_alternate_between_the_halves_within_each_category() -> None:
    for split in ("dev", "heldout"):
        for item in load_probe(split):
            match = re.fullmatch(r"([a-z_]+)_(\d\d)", item.session.id)
            assert match, item.session.id
            assert match.group(1) == item.category, item.session.id
            assert item.session.split == split
            assert int(match.group(2)) % 2 == (1 if split == "dev" else 0), item.session.id
    dev_categories = Counter(i.category for i in load_probe("dev"))
    heldout_categories = Counter(i.category for i in load_probe("heldout"))
    assert set(dev_categories) == set(heldout_categories)


def test_labels_fit_their_category() -> None:
    for split in ("dev", "heldout"):
        for item in load_probe(split):
            s = item.session
            assert 1 <= len(s.turns) <= 3, s.id
            if item.category in MEASURED:
                assert any(not m.earlier for m in s.measurements), s.id
            if item.category in NOTHING or item.category.startswith("risk"):
                assert not s.measurements, s.id
            if item.category.startswith("risk"):
                status = item.category.removeprefix("risk_")
                assert s.risks, s.id
                assert all(r.status == status for r in s.risks), s.id
                assert all(s.turns[r.turn].speaker == "client" for r in s.risks), s.id
            else:
                assert not s.risks, s.id


def test_ids_are_unique_across_the_halves() -> None:
    ids = [i.session.id for split in ("dev", "heldout") for i in load_probe(split)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "folder",
    [MEASURE_PROBE_DIR, RISK_PROBE_DIR, RISK_VOICES_DIR],
    ids=["measure", "risk", "risk_voices"],
)
def test_the_later_probe_sets_keep_the_same_split_rule(folder: Path) -> None:
    ids: list[str] = []
    for split in ("dev", "heldout"):
        items = load_probe(split, folder)
        assert len(items) >= 80, split
        for item in items:
            s = item.session
            match = re.fullmatch(r"([a-z_]+)_(\d\d)", s.id)
            assert match, s.id
            assert match.group(1) == item.category, s.id
            assert s.split == split
            assert int(match.group(2)) % 2 == (1 if split == "dev" else 0), s.id
            assert all(s.turns[r.turn].speaker == "client" for r in s.risks), s.id
            ids.append(s.id)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("folder", [RISK_PROBE_DIR, RISK_VOICES_DIR], ids=["risk", "risk_voices"])
def test_the_risk_sets_hold_statements_denials_and_look_alikes(folder: Path) -> None:
    for split in ("dev", "heldout"):
        items = load_probe(split, folder)
        assert {r.status for i in items for r in i.session.risks} == {"stated", "denied"}
        assert sum(1 for i in items if not i.session.risks) >= 20
        assert not any(i.session.measurements for i in items)


def test_the_measurement_probe_set_holds_values_and_non_values() -> None:
    for split in ("dev", "heldout"):
        items = load_probe(split, MEASURE_PROBE_DIR)
        assert sum(len(i.session.measurements) for i in items) >= 60
        assert any(not i.session.measurements for i in items)
        assert not any(i.session.risks for i in items)
