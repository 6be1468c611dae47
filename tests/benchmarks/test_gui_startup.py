"""Start to the first pixels, to the first usable window, and sign-in to a usable main window.

Five cold runs of `python -m therapy_notes` from a cold interpreter on a seeded,
passphrase-protected data folder. **First pixels** is the start-up splash's first paint
(it says what is happening while the records open and the model loads). Then the key is
unwrapped, the encrypted database opens, and the sign-in dialog asks who
is working. **Sign-in usable** is the first event-loop turn after that dialog is shown (a
key press would be handled). The child then types the clinician's credentials and clicks
Sign in at once; **main window usable** is when the window is shown, the patient list
holds every patient and the event loop has turned since, reported from launch and from the
click. The local engine loads its model meanwhile; when it is ready is reported beside.
Goal: the sign-in dialog usable within 1.5 s (median of five). Reported, not asserted.

Runs on the Qt platform of the environment when it is `xcb` (a real X server, e.g. Xvfb:
`QT_QPA_PLATFORM=xcb DISPLAY=:N`), otherwise offscreen; the platform is in the results.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest

from tests.benchmarks.gui_support import (
    load_average,
    run_child,
    seed_database,
    unlock_seconds,
    write_results,
)

GOAL_S = 1.5
RUNS = 5
PATIENTS = 200


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
        "min": round(min(values), 3),
    }


@pytest.mark.benchmark
def test_start_to_usable_window(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert seed_database(data_dir, PATIENTS) == PATIENTS
    unlock_s = unlock_seconds(data_dir)
    load_before = load_average()
    platform = (
        "xcb"
        if os.environ.get("QT_QPA_PLATFORM") == "xcb" and "DISPLAY" in os.environ
        else "offscreen"
    )
    runs = []
    for _ in range(RUNS):
        result, _launched = run_child(
            "tests.benchmarks.gui_startup_child",
            "--data-dir",
            str(data_dir),
            "--patients",
            str(PATIENTS),
            timeout_s=180,
            env={"QT_QPA_PLATFORM": platform},
        )
        assert result["exit_code"] == 0
        runs.append(result)
    marks = [r["marks_s"] for r in runs]
    expected = {
        "splash_painted",
        "sign_in_shown",
        "sign_in_ready",
        "submitted",
        "shown",
        "usable",
        "engine_ready",
    }
    assert all(expected <= m.keys() for m in marks), marks
    assert not any(r["first_run_dialog"] for r in runs), "the seeded accounts were not found"
    sign_in = [m["sign_in_ready"] for m in marks]
    after_submit = [m["usable"] - m["submitted"] for m in marks]
    median = statistics.median(sign_in)
    write_results(
        "gui_startup",
        {
            "patients_in_database": PATIENTS,
            "runs": RUNS,
            "key_mode": "passphrase (no OS keyring)",
            "qt_platform_of_the_app": platform,
            "first_pixels_s": _spread([m["splash_painted"] for m in marks]),
            "splash_shown_s": _spread([m["splash_shown"] for m in marks]),
            "first_pixels_to_sign_in_usable_s": _spread(
                [m["sign_in_ready"] - m["splash_painted"] for m in marks]
            ),
            "passphrase_unwrap_s_in_parent": round(unlock_s, 3),
            "sign_in_usable_s": _spread(sign_in),
            "goal": {
                "sign_in_usable_median_s_at_most": GOAL_S,
                "met": median <= GOAL_S,
                "max_also_within": max(sign_in) <= GOAL_S,
            },
            "submit_to_main_window_usable_s": _spread(after_submit),
            "main_window_usable_s_from_launch": _spread([m["usable"] for m in marks]),
            "module_start_s": _spread([m["module_start"] for m in marks]),
            "sign_in_shown_s": _spread([m["sign_in_shown"] for m in marks]),
            "submitted_s": _spread([m["submitted"] for m in marks]),
            "window_shown_s": _spread([m["shown"] for m in marks]),
            "first_event_loop_turn_s": _spread([m["first_loop"] for m in marks]),
            "patients_listed_s": _spread([m["patients_listed"] for m in marks]),
            "engine_ready_s": _spread([m["engine_ready"] for m in marks]),
            "cpu_s_at_sign_in_usable": _spread([r["cpu_s"]["sign_in_ready"] for r in runs]),
            "cpu_s_at_main_window_usable": _spread([r["cpu_s"]["usable"] for r in runs]),
            "cpu_s_submit_to_main_window_usable": _spread(
                [r["cpu_s"]["usable"] - r["cpu_s"]["submitted"] for r in runs]
            ),
            "cpu_s_at_engine_ready": _spread([r["cpu_s"]["engine_ready"] for r in runs]),
            "rss_mb_at_sign_in_usable": _spread([r["rss_mb"]["sign_in_ready"] for r in runs]),
            "rss_mb_at_main_window_usable": _spread([r["rss_mb"]["usable"] for r in runs]),
            "rss_mb_at_engine_ready": _spread([r["rss_mb"]["engine_ready"] for r in runs]),
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in load_average()],
            "per_run": runs,
        },
    )
