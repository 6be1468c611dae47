"""The response policy on its own: one active response, held requests, tool outputs, pruning."""

from __future__ import annotations

import pytest

from therapy_notes.realtime.responses import ALREADY_ACTIVE, ResponsePolicy

Policy = ResponsePolicy[str]  # the connection handle: any object, compared by identity


def active(**options: bool) -> Policy:
    policy = Policy(**options)
    assert policy.request(None, is_live=True)
    policy.begin(("item_1", "item_2"), 120)
    return policy


def test_an_idle_live_link_sends_at_once_and_a_second_request_waits_for_the_first() -> None:
    policy = Policy()
    assert not policy.is_busy
    assert policy.request(None, is_live=True) is True
    policy.begin((), 10)
    assert policy.is_active

    assert policy.request(None, is_live=True) is False, "one active response at a time"
    assert policy.is_busy

    assert policy.over(is_current=True) is True, "the held request goes once it is over"
    policy.begin((), 10)
    assert policy.over(is_current=True) is False
    assert not policy.is_busy


def test_requests_made_during_a_response_coalesce_into_one() -> None:
    policy = active()
    assert [policy.request(None, is_live=True) for _ in range(5)] == [False] * 5
    assert policy.over(is_current=True) is True
    policy.begin((), 10)
    assert policy.over(is_current=True) is False
    assert not policy.is_busy


def test_a_request_while_the_link_is_down_is_held_until_it_is_live() -> None:
    policy = Policy()
    assert policy.request(None, is_live=False) is False
    assert policy.is_busy
    assert not policy.is_active
    assert policy.take_held() is True
    assert policy.take_held() is False, "sent once"


def test_the_latest_requests_cap_applies_to_the_held_create() -> None:
    policy = Policy()
    assert policy.request(100, is_live=True)
    assert policy.begin((), 10).max_output_tokens == 100
    assert not policy.request(40, is_live=True)
    assert policy.over(is_current=True)
    assert policy.begin((), 10).max_output_tokens == 40
    policy.over(is_current=True)
    assert policy.request(None, is_live=True)
    assert policy.begin((), 10).max_output_tokens is None


def test_every_create_has_its_own_event_id() -> None:
    policy = Policy()
    ids = set()
    for _ in range(20):
        policy.request(None, is_live=True)
        ids.add(policy.begin((), 0).event_id)
        policy.over(is_current=True)
    assert len(ids) == 20
    assert all(i.startswith("create_") for i in ids)


def test_a_response_with_calls_stays_active_until_its_outputs_are_in() -> None:
    policy = active()
    finished = policy.finished("conn_a", "completed", has_calls=True)
    assert finished.awaits_outputs
    assert policy.is_active, "the next response must read the outputs"
    assert policy.request(None, is_live=True) is False

    awaiting = policy.take_awaiting()
    assert awaiting is not None
    assert awaiting.connection == "conn_a"
    assert awaiting.prune == ("item_1", "item_2")
    assert policy.take_awaiting() is None, "outputs are taken once"
    assert policy.over(is_current=True) is True, "the request made meanwhile goes now"


def test_a_response_without_calls_awaits_nothing() -> None:
    policy = active()
    finished = policy.finished("conn_a", "completed", has_calls=False)
    assert not finished.awaits_outputs
    assert policy.take_awaiting() is None
    assert finished.estimate_at_create == 120


@pytest.mark.parametrize(
    ("status", "prune_items", "pruned"),
    [
        ("completed", True, ("item_1", "item_2")),
        ("cancelled", True, ()),
        ("incomplete", True, ()),
        ("failed", True, ()),
        ("completed", False, ()),
    ],
)
def test_only_a_completed_response_prunes_the_items_it_read(
    status: str, prune_items: bool, pruned: tuple[str, ...]
) -> None:
    policy = active(prune_items=prune_items)
    assert policy.finished("conn_a", status, has_calls=False).prune == pruned


def test_a_response_prunes_what_it_read_when_created_and_only_once() -> None:
    policy = Policy()
    policy.request(None, is_live=True)
    policy.begin(["item_1"], 50)
    assert policy.finished("conn_a", "completed", has_calls=False).prune == ("item_1",)
    again = policy.finished("conn_a", "completed", has_calls=False)  # a stray response.done
    assert again.prune == ()
    assert again.estimate_at_create == 50


def test_a_refused_create_ends_the_response_and_other_errors_do_not() -> None:
    policy = Policy()
    policy.request(None, is_live=True)
    create = policy.begin((), 10)
    assert policy.server_error("invalid_value", "evt_other") is False
    assert policy.server_error("invalid_value", None) is False
    assert policy.is_active
    assert policy.server_error("invalid_value", create.event_id) is True
    assert not policy.is_busy
    assert policy.server_error("invalid_value", create.event_id) is False, "already over"


def test_already_active_drops_the_held_request_but_not_the_active_response() -> None:
    policy = active()
    policy.request(None, is_live=True)  # held
    assert policy.server_error(ALREADY_ACTIVE, None) is False
    assert policy.is_active
    assert policy.over(is_current=True) is False, "the held request was dropped"
    assert not policy.is_busy


def test_a_create_the_connection_could_not_send_is_held_for_the_next() -> None:
    policy = active()
    policy.create_failed()
    assert not policy.is_active
    assert policy.is_busy
    assert policy.take_held() is True


def test_a_held_request_is_not_sent_on_a_connection_that_was_replaced() -> None:
    policy = active()
    policy.request(None, is_live=True)
    assert policy.over(is_current=False) is False
    assert policy.is_busy, "still held, for the next connection"
    assert policy.take_held() is True


def test_a_new_connection_ends_a_response_awaiting_outputs_and_asks_again_for_a_lost_one() -> None:
    awaiting = active()
    awaiting.finished("conn_a", "completed", has_calls=True)
    awaiting.start_connection()
    assert awaiting.take_awaiting() is None, "its calls belonged to the old conversation"
    assert not awaiting.is_busy
    assert awaiting.take_held() is False

    lost = active()  # no response.done came before the connection dropped
    lost.start_connection()
    assert not lost.is_active
    assert lost.take_held() is True, "asked for again on the new connection"
    assert lost.begin((), 0).max_output_tokens is None

    both = active()
    both.finished("conn_a", "completed", has_calls=True)
    both.request(None, is_live=True)  # held behind the outputs
    both.start_connection()
    assert both.take_held() is True


def test_a_new_connection_forgets_what_the_active_response_read() -> None:
    policy = active()
    policy.start_connection()
    assert policy.take_held()
    assert policy.finished("conn_b", "completed", has_calls=False).prune == ()
