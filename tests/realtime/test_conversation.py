"""The conversation bookkeeping on its own: items, their estimated cost, calibration, text turns."""

from __future__ import annotations

import json

from therapy_notes.domain.link import LinkSettings
from therapy_notes.realtime.conversation import Conversation

TOOL = {"type": "function", "name": "note", "parameters": {"type": "object"}}


def conversation(
    instructions: str = "x" * 40, tools: tuple[dict[str, object], ...] = ()
) -> Conversation:
    return Conversation(LinkSettings("gpt-realtime-2", instructions, tools))


def test_an_empty_conversation_costs_its_instructions_and_tools() -> None:
    assert conversation().estimate() == 10
    with_tools = conversation(tools=(TOOL,))
    tools_tokens = -(-len(json.dumps([TOOL])) // 4)
    assert with_tools.estimate() == 10 + tools_tokens
    assert with_tools.predicted_input_tokens() == 10 + tools_tokens


def test_items_are_counted_as_the_engine_bills_them() -> None:
    conv = conversation()
    conv.count_audio("audio_1", 2.5)  # ten tokens a second
    conv.count_text("call_1", "abc", "abcde")  # each text rounded up on its own: 1 + 2
    assert conv.estimate() == 10 + 25 + 3
    conv.count_audio("audio_1", 0.01)  # a recount replaces
    assert conv.estimate() == 10 + 1 + 3


def test_items_are_held_once_in_order_and_deleted_with_their_cost() -> None:
    conv = conversation()
    for item_id in ["a", "b", "a", "c", None, ""]:
        conv.item_added(item_id)
    assert conv.items_except(()) == ("a", "b", "c")
    assert conv.items_except({"b"}) == ("a", "c")
    conv.count_text("b", "x" * 8)
    conv.item_deleted("b")
    assert not conv.holds("b")
    assert conv.estimate() == 10
    conv.item_deleted("never_added")
    assert conv.items_except(()) == ("a", "c")


def test_an_item_being_deleted_is_forgotten_at_once_so_it_is_deleted_once() -> None:
    conv = conversation()
    conv.item_added("a")
    conv.count_audio("a", 1.0)
    assert conv.forget("a") is True
    assert not conv.holds("a")
    assert conv.forget("a") is False  # a prune after the turn's hand-over: no second delete
    assert conv.estimate() == conversation().estimate()
    conv.item_deleted("a")  # the engine's confirmation changes nothing more
    assert conv.items_except(()) == ()


def test_an_item_the_link_created_is_deleted_even_before_the_engine_confirms_it() -> None:
    """A turn handed over again at once (its role changed) replaces its text item."""
    conv = conversation()
    conv.item_created("turn_1")
    assert conv.forget("turn_1") is True, "its replacement deletes it"
    conv.item_added("turn_1")  # the engine's confirmation of the create, after the delete
    assert not conv.holds("turn_1")
    conv.item_deleted("turn_1")  # and of the delete
    assert conv.items_except(()) == ()
    conv.item_created("turn_2")
    conv.item_added("turn_2")  # confirmed: held once
    assert conv.items_except(()) == ("turn_2",)


def test_a_new_connection_starts_with_an_empty_conversation_but_keeps_calibration() -> None:
    conv = conversation()
    conv.item_added("a")
    conv.count_audio("a", 3.0)
    conv.calibrate(40, 60)
    conv.clear()
    assert not conv.holds("a")
    assert conv.estimate() == 10
    assert conv.predicted_input_tokens() == 15


def test_calibration_keeps_the_largest_ratio_and_never_goes_below_one() -> None:
    conv = conversation()
    conv.count_audio("a", 3.0)  # estimate 40
    conv.calibrate(40, 30)  # the engine counted fewer: no change
    assert conv.predicted_input_tokens() == 40
    conv.calibrate(40, 50)
    assert conv.predicted_input_tokens() == 50
    conv.calibrate(40, 45)  # smaller than before: the larger ratio stays
    assert conv.predicted_input_tokens() == 50
    conv.calibrate(0, 1000)  # nothing estimated: nothing learned
    conv.calibrate(40, 0)  # nothing reported: nothing learned
    assert conv.predicted_input_tokens() == 50
    conv.count_text("b", "x")  # estimate 41, times 1.25, rounded up
    assert conv.predicted_input_tokens() == 52


def test_text_turns_wait_in_order_until_each_is_sent() -> None:
    conv = conversation()
    assert conv.next_text_turn() is None
    first = conv.queue_text_turn("audio_1", "Client: it hurts")
    second = conv.queue_text_turn("audio_2", "Clinician: where?")
    assert first != second
    assert first.startswith("turn_")

    turn = conv.next_text_turn()
    assert turn is not None
    assert (turn.replaces_item_id, turn.item_id, turn.text) == (
        "audio_1",
        first,
        "Client: it hurts",
    )
    assert conv.next_text_turn() == turn, "it stays queued until sent (a dropped send retries)"
    conv.text_turn_sent()
    turn = conv.next_text_turn()
    assert turn is not None
    assert turn.item_id == second
    conv.text_turn_sent()
    assert conv.next_text_turn() is None
