"""The session view's message bar: the cause, the detail, and the fix as a button."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.problems import Problem, Remedy, problem_for
from therapy_notes.errors import AuthError, MicrophoneMissingError, StorageError
from therapy_notes.ui.widgets.problem_bar import ProblemBar


def test_a_missing_microphone_names_the_cause_and_offers_its_settings(qtbot: Any) -> None:
    bar = ProblemBar()
    qtbot.addWidget(bar)
    bar.show_problem(problem_for(MicrophoneMissingError("Could not find a microphone.")))
    assert bar.isVisible()
    assert bar.title.text() == "No microphone found"
    assert "Could not find a microphone." in bar.detail.text()
    assert bar.action.isVisible()
    assert bar.action.text() == "Open microphone settings…"
    with qtbot.waitSignal(bar.remedy_requested) as blocker:
        bar.action.click()
    assert blocker.args == [Remedy.MICROPHONE_SETTINGS]


def test_a_refused_key_points_to_the_engine_settings(qtbot: Any) -> None:
    bar = ProblemBar()
    qtbot.addWidget(bar)
    bar.show_problem(problem_for(AuthError("The key was refused (401).")))
    assert bar.title.text() == "The engine refused the key"
    assert bar.remedy is Remedy.ENGINE_SETTINGS
    assert bar.action.text() == "Open engine settings…"


def test_a_problem_without_a_fix_has_no_button_and_dismiss_hides(qtbot: Any) -> None:
    bar = ProblemBar()
    qtbot.addWidget(bar)
    bar.show_problem(problem_for(StorageError("The disk is full.")))
    assert not bar.action.isVisible()
    bar.dismiss.click()
    assert not bar.isVisible()
    bar.show_problem(Problem("Recording stopped", "Something else."))
    bar.clear_problem()
    assert bar.remedy is None
    assert not bar.isVisible()
