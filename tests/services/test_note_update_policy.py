"""NoteUpdatePolicy on its own: which decision comes when, and what it reserves."""

from __future__ import annotations

from typing import Any

from therapy_notes.services.note_updates import (
    NoteUpdatePolicy,
    UpdateAction,
    UpdateDecision,
)


class Cap:
    """Reserves against a fixed number of tokens and remembers what was asked."""

    def __init__(self, tokens: int = 1_000_000) -> None:
        self.tokens = tokens
        self.asked: list[int] = []

    def reserve(self, tokens: int) -> bool:
        self.asked.append(tokens)
        return tokens <= self.tokens


def policy(cap: Cap, **settings: int) -> NoteUpdatePolicy:
    options = {"update_turns": 6, "update_interval_ms": 60_000, "first_update_turns": 3}
    options.update(settings)
    return NoteUpdatePolicy(max_output_tokens=250, reserve=cap.reserve, **options)


def hand(p: NoteUpdatePolicy, turns: int) -> None:
    for _ in range(turns):
        p.turn_handed()


def decide(p: NoteUpdatePolicy, **kwargs: Any) -> UpdateDecision:
    return p.decide(predicted_input_tokens=lambda: 1_000, **kwargs)


def test_the_first_update_comes_after_the_first_turns_then_a_batch() -> None:
    cap = Cap()
    p = policy(cap)
    hand(p, 2)
    assert decide(p).action is UpdateAction.WAIT
    hand(p, 1)
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 250)
    assert p.is_updating
    assert not p.response_done(is_incomplete=False, has_failed_tools=False)
    hand(p, 5)
    assert decide(p).action is UpdateAction.WAIT, "after the first, a batch of six"
    hand(p, 1)
    # Six turns: the allowance is 250 per four turns, rounded up.
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 500)
    assert cap.asked == [1_250, 1_500]


def test_nothing_is_asked_while_one_is_in_flight_turns_are_held_or_the_note_is_rewritten() -> None:
    cap = Cap()
    p = policy(cap)
    hand(p, 3)
    assert decide(p, is_holding=True).action is UpdateAction.WAIT
    assert decide(p, stale_turns=3).action is UpdateAction.REWRITE
    assert p.is_updating, "turns are being handed over again"
    assert decide(p, due=True).action is UpdateAction.WAIT
    hand(p, 3)
    p.end_rewrite()
    assert decide(p).action is UpdateAction.ASK
    hand(p, 10)
    assert decide(p, due=True).action is UpdateAction.WAIT, "the first is in flight"
    assert decide(p, due=True, stale_turns=13).action is UpdateAction.WAIT, "even to rewrite"
    assert cap.asked == [1_250, 1_250], "the cap is not asked about updates that are not due"


def test_stale_turns_are_handed_again_once_when_the_next_update_is_due() -> None:
    """However many relabels came, the turns go again once, just before the update."""
    cap = Cap()
    p = policy(cap)
    hand(p, 3)
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 250)
    p.response_done(is_incomplete=False, has_failed_tools=False)
    hand(p, 1)
    # Every handed turn goes again (an update read them): not yet, no update is due.
    assert decide(p, stale_turns=4).action is UpdateAction.WAIT
    hand(p, 5)
    # Nine turns to write then: the allowance is reserved for all of them before any goes.
    assert decide(p, stale_turns=9) == UpdateDecision(UpdateAction.REWRITE, 750)
    hand(p, 9)
    p.end_rewrite()
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 750), "at once, for the nine"
    assert cap.asked == [1_250, 1_750, 1_750]


def test_turns_no_update_has_read_are_handed_again_without_being_counted_twice() -> None:
    p = policy(Cap())
    hand(p, 2)
    p.mark_due()
    assert decide(p, stale_turns=1) == UpdateDecision(UpdateAction.REWRITE, 250)
    hand(p, 1)
    p.end_rewrite()
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 250)
    p.response_done(is_incomplete=True, has_failed_tools=False)
    assert decide(p, follow_up=True, stale_turns=1).action is UpdateAction.REWRITE, (
        "a follow-up would still write from the old role"
    )


def test_a_rewrite_that_would_not_fit_under_the_cap_removes_nothing() -> None:
    cap = Cap(tokens=1_400)
    p = policy(cap)
    hand(p, 6)
    assert decide(p, due=True, stale_turns=6) == UpdateDecision(
        UpdateAction.PAUSED, is_first_pause=True
    )
    assert not p.is_updating
    cap.tokens = 10_000
    p.cap_raised()
    assert decide(p, due=True, stale_turns=6) == UpdateDecision(UpdateAction.REWRITE, 500)
    assert cap.asked == [1_500, 1_500]


def test_time_passed_a_risk_cue_and_the_end_make_an_update_due_but_never_without_turns() -> None:
    p = policy(Cap(), first_update_turns=100, update_turns=100)
    assert decide(p, due=True).action is UpdateAction.WAIT, "no turn waits"
    hand(p, 1)
    assert decide(p).action is UpdateAction.WAIT
    p.heard(60_000)
    assert decide(p).action is UpdateAction.ASK, "a minute passed"
    p.response_done(is_incomplete=False, has_failed_tools=False)

    hand(p, 1)
    p.mark_due()
    assert decide(p).action is UpdateAction.ASK, "a risk cue"
    p.response_done(is_incomplete=False, has_failed_tools=False)
    hand(p, 1)
    assert decide(p).action is UpdateAction.WAIT, "the cue was used up by that update"

    p.end()
    assert decide(p).action is UpdateAction.ASK, "ending"


def test_a_cut_response_is_followed_up_with_the_same_allowance() -> None:
    cap = Cap()
    p = policy(cap)
    hand(p, 9)
    p.heard(60_000)
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 750)
    assert p.response_done(is_incomplete=True, has_failed_tools=False)
    assert decide(p, follow_up=True) == UpdateDecision(UpdateAction.ASK, 750)
    assert cap.asked == [1_750, 1_750]


def test_failed_tools_are_followed_up_twice_in_a_row_then_the_count_starts_again() -> None:
    p = policy(Cap())
    failed = [p.response_done(is_incomplete=False, has_failed_tools=True) for _ in range(3)]
    assert failed == [True, True, False]
    assert not p.response_done(is_incomplete=False, has_failed_tools=False)
    assert p.response_done(is_incomplete=False, has_failed_tools=True), "counted afresh"


def test_over_the_cap_updates_pause_and_say_so_once_until_the_cap_is_raised() -> None:
    cap = Cap(tokens=1_000)
    p = policy(cap)
    hand(p, 3)
    assert decide(p) == UpdateDecision(UpdateAction.PAUSED, is_first_pause=True)
    assert not p.is_updating
    assert decide(p) == UpdateDecision(UpdateAction.PAUSED, is_first_pause=False)
    p.cap_raised()
    assert decide(p) == UpdateDecision(UpdateAction.PAUSED, is_first_pause=True)
    cap.tokens = 10_000
    assert decide(p) == UpdateDecision(UpdateAction.ASK, 250), "turns still waiting"
    assert cap.asked == [1_250, 1_250, 1_250, 1_250]


def test_the_prediction_is_read_only_once_an_update_is_due() -> None:
    reads: list[int] = []

    def predicted() -> int:
        reads.append(1)
        return 0

    p = policy(Cap())
    hand(p, 1)
    assert p.decide(predicted_input_tokens=predicted).action is UpdateAction.WAIT
    assert reads == []
    assert p.decide(predicted_input_tokens=predicted, due=True).action is UpdateAction.ASK
    assert reads == [1]
