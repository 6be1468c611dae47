"""Start to a usable window: `python -m therapy_notes` from a cold interpreter, five times.

Usable means the window is shown, the patient list holds every patient of a real database,
and the event loop has turned once since (so a click or key press would be handled). The
local engine loads its model in the background; when it is ready is reported beside it.
Goal: usable within 1.5 s (median of five). Reported, not asserted.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from tests.benchmarks.gui_support import load_average, run_child, seed_database, write_results

GOAL_S = 1.5
RUNS = 5
PATIENTS = 200


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3),
            "min": round(min(values), 3)}


@pytest.mark.benchmark
def test_start_to_usable_window(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert seed_database(data_dir, PATIENTS) == PATIENTS
    load_before = load_average()
    runs = []
    for _ in range(RUNS):
        result, _launched = run_child(
            "tests.benchmarks.gui_startup_child", "--data-dir", str(data_dir),
            "--patients", str(PATIENTS), timeout_s=180)
        assert result["exit_code"] == 0
        runs.append(result)
    marks = [r["marks_s"] for r in runs]
    assert all({"shown", "usable", "engine_ready"} <= m.keys() for m in marks), marks
    usable = [m["usable"] for m in marks]
    median = statistics.median(usable)
    write_results("gui_startup", {
        "patients_in_database": PATIENTS,
        "runs": RUNS,
        "usable_s": _spread(usable),
        "goal": {"usable_median_s_at_most": GOAL_S, "met": median <= GOAL_S,
                 "max_also_within": max(usable) <= GOAL_S},
        "module_start_s": _spread([m["module_start"] for m in marks]),
        "window_shown_s": _spread([m["shown"] for m in marks]),
        "first_event_loop_turn_s": _spread([m["first_loop"] for m in marks]),
        "patients_listed_s": _spread([m["patients_listed"] for m in marks]),
        "engine_ready_s": _spread([m["engine_ready"] for m in marks]),
        "cpu_s_at_usable": _spread([r["cpu_s"]["usable"] for r in runs]),
        "cpu_s_at_engine_ready": _spread([r["cpu_s"]["engine_ready"] for r in runs]),
        "rss_mb_at_usable": _spread([r["rss_mb"]["usable"] for r in runs]),
        "rss_mb_at_engine_ready": _spread([r["rss_mb"]["engine_ready"] for r in runs]),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in load_average()],
        "per_run": runs,
    })
