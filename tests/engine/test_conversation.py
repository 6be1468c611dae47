"""The conversation state machine, without a socket: item order, deletes, responses, billing."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from therapy_notes.engine import conversation as conversation_module
from therapy_notes.engine import protocol as protocol_package
from therapy_notes.engine.composer import ToolCallSpec
from therapy_notes.engine.conversation import (
    CallPlan,
    Conversation,
    ItemAdded,
    Response,
)
from therapy_notes.engine.protocol.client_events import (
    ItemCreate,
    ItemDelete,
    ItemRetrieve,
    ResponseCancel,
    ResponseCreate,
    SessionUpdate,
)
from therapy_notes.engine.protocol.fields import JsonObject, ProtocolViolation

_TOOLS = [
    {"type": "function", "name": "add_note_entries", "parameters": {"type": "object"}},
    {"type": "function", "name": "flag_risk", "parameters": {"type": "object"}},
]


def _conversation(session_type: str = "realtime") -> Conversation:
    return Conversation(session_type, "gpt-realtime-2" if session_type == "realtime" else None)


def _user_text(text: str, item_id: str | None = None) -> JsonObject:
    item: JsonObject = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }
    if item_id is not None:
        item["id"] = item_id
    return item


def _add_text(
    conv: Conversation, item_id: str, text: str, previous: str | None = None
) -> ItemAdded:
    added = conv.create_item(ItemCreate(None, _user_text(text, item_id), previous))
    assert isinstance(added, ItemAdded)
    return added


def _start(conv: Conversation, overrides: JsonObject | None = None) -> Response:
    response = conv.start_response(ResponseCreate("evt_rc", overrides or {}))
    assert isinstance(response, Response), response
    return response


def _respond(
    conv: Conversation, composed: list[ToolCallSpec], overrides: JsonObject | None = None
) -> tuple[Response, CallPlan, list[str]]:
    """One whole response, driven the way the server drives it, minus the sends."""
    response = _start(conv, overrides)
    request = conv.compose_request(overrides or {})
    read = [turn.item_id for turn in request.turns]
    plan = conv.plan_calls(response, composed)
    for planned in plan.calls:
        call = conv.start_call(planned)
        conv.add_call(call)
        conv.finish_call(response, call)
        conv.mark_sent(planned)
    conv.finish_response(response, request, plan)
    return response, plan, read


def _call(item_id: str, text: str, name: str = "add_note_entries") -> ToolCallSpec:
    return ToolCallSpec(name, {"text": text}, (item_id,))


def _violation(result: object) -> ProtocolViolation:
    assert isinstance(result, ProtocolViolation), result
    return result


# --------------------------------------------------------------------------- no I/O


@pytest.mark.parametrize(
    "path",
    [
        Path(conversation_module.__file__),
        *sorted(Path(protocol_package.__file__).parent.glob("*.py")),
    ],
    ids=lambda p: p.name,
)
def test_the_state_machine_and_protocol_import_nothing_that_does_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"asyncio", "socket", "websockets", "threading", "logging"}, roots


# --------------------------------------------------------------------------- items in order


def test_committed_turns_join_in_order_once_each() -> None:
    conv = _conversation()
    first = conv.add_committed_turn("item_a", 0, 1500)
    second = conv.add_committed_turn("item_b", 1500, 4000)
    again = conv.add_committed_turn("item_a", 0, 1500)
    assert first is not None
    assert second is not None
    assert first.previous_item_id is None
    assert second.previous_item_id == "item_a"
    assert again is None  # a client commit and the tracker's stream report the same turn
    assert conv.item_ids == ["item_a", "item_b"]
    entry = conv.item("item_b")
    assert entry is not None
    assert entry.audio_seconds == 2.5
    assert entry.item["content"] == [{"type": "input_audio", "transcript": None}]
    assert not entry.is_ready  # its transcript is still coming


def test_created_items_go_last_first_or_after_the_named_item() -> None:
    conv = _conversation()
    assert _add_text(conv, "item_1", "one").previous_item_id is None
    assert _add_text(conv, "item_3", "three").previous_item_id == "item_1"
    assert _add_text(conv, "item_2", "two", previous="item_1").previous_item_id == "item_1"
    assert _add_text(conv, "item_0", "zero", previous="root").previous_item_id is None
    assert conv.item_ids == ["item_0", "item_1", "item_2", "item_3"]


def test_created_item_refusals_leave_the_conversation_unchanged() -> None:
    conv = _conversation()
    _add_text(conv, "item_1", "one")
    duplicate = _violation(conv.create_item(ItemCreate("evt_1", _user_text("x", "item_1"), None)))
    assert (duplicate.code, duplicate.param, duplicate.event_id) == (
        "invalid_value",
        "item.id",
        "evt_1",
    )
    orphan = _violation(conv.create_item(ItemCreate("evt_2", _user_text("x", "item_9"), "nope")))
    assert (orphan.code, orphan.param, orphan.event_id) == (
        "invalid_value",
        "previous_item_id",
        "evt_2",
    )
    assert conv.item_ids == ["item_1"]


def test_the_stored_copy_has_id_object_status_and_no_audio_bytes() -> None:
    conv = _conversation()
    raw: JsonObject = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_audio", "audio": "AAAA", "transcript": "hello"}],
    }
    added = conv.create_item(ItemCreate(None, raw, None))
    assert isinstance(added, ItemAdded)
    item = added.item
    assert item["id"].startswith("item_")
    assert (item["object"], item["status"]) == ("realtime.item", "completed")
    assert item["content"] == [{"type": "input_audio", "transcript": "hello"}]
    assert raw["content"][0]["audio"] == "AAAA"  # the client's event is not changed
    retrieved = conv.retrieve_item(ItemRetrieve(None, item["id"]))
    assert retrieved == item


def test_delete_forgets_the_item_its_history_and_stops_a_wait_for_it() -> None:
    conv = _conversation()
    _add_text(conv, "item_text", "Client: my knee hurts at night")
    conv.add_committed_turn("item_audio", 0, 2000)
    _respond(conv, [])
    assert [t.item_id for t in conv.history] == ["item_text"]
    waiting = conv.unready_turns()
    assert [e.item["id"] for e in waiting] == ["item_audio"]
    assert conv.delete_item(ItemDelete(None, "item_text")) is None
    assert conv.delete_item(ItemDelete(None, "item_audio")) is None
    assert conv.item_ids == []
    assert conv.history == []  # handed over again, it is composed afresh
    assert all(e.is_ready for e in waiting)
    missing = _violation(conv.delete_item(ItemDelete("evt_d", "item_text")))
    assert (missing.code, missing.param, missing.event_id) == (
        "item_not_found",
        "item_id",
        "evt_d",
    )
    assert _violation(conv.retrieve_item(ItemRetrieve(None, "item_text"))).code == "item_not_found"


def test_a_final_transcript_fills_the_turn_and_a_deleted_turn_ignores_it() -> None:
    conv = _conversation()
    conv.add_committed_turn("item_a", 0, 1000)
    conv.finish_turn("item_a", "I slept badly", 1.2)
    conv.finish_turn("item_gone", "never added", 1.0)
    entry = conv.item("item_a")
    assert entry is not None
    assert (entry.text, entry.audio_seconds, entry.is_ready) == ("I slept badly", 1.2, True)
    assert entry.item["content"][0]["transcript"] == "I slept badly"
    assert conv.item_ids == ["item_a"]
    conv.add_committed_turn("item_b", 1000, 3000)
    conv.fail_turn("item_b")
    failed = conv.item("item_b")
    assert failed is not None
    assert (failed.is_ready, failed.text) == (True, None)


# --------------------------------------------------------------------------- session


def test_session_type_and_model_never_change_but_other_fields_merge() -> None:
    conv = _conversation()
    before = dict(conv.session)
    wrong_type = _violation(conv.update_session(SessionUpdate("evt_s", {"type": "transcription"})))
    assert (wrong_type.param, wrong_type.event_id) == ("session.type", "evt_s")
    wrong_model = _violation(
        conv.update_session(SessionUpdate(None, {"type": "realtime", "model": "other"}))
    )
    assert wrong_model.param == "session.model"
    assert conv.session == before
    assert conv.is_transcribing
    patch: JsonObject = {
        "type": "realtime",
        "instructions": "Write a SOAP note.",
        "audio": {"input": {"transcription": None}},
    }
    assert conv.update_session(SessionUpdate(None, patch)) is None
    assert conv.session["instructions"] == "Write a SOAP note."
    assert conv.session["audio"]["input"]["format"] == before["audio"]["input"]["format"]
    assert not conv.is_transcribing


# --------------------------------------------------------------------------- responses


def test_one_response_at_a_time_and_none_on_a_transcription_session() -> None:
    assert _violation(
        _conversation("transcription").start_response(ResponseCreate("evt_t", {}))
    ).code == ("invalid_request_for_session_type")
    conv = _conversation()
    first = _start(conv)
    busy = _violation(conv.start_response(ResponseCreate("evt_2", {})))
    assert busy.code == "conversation_already_has_active_response"
    assert first.id in busy.message
    assert busy.event_id == "evt_2"
    assert conv.active_response is first


def test_cancel_needs_the_active_response_and_frees_the_conversation() -> None:
    conv = _conversation()
    assert _violation(conv.cancel_response(ResponseCancel(None, None))).code == (
        "response_cancel_not_active"
    )
    response = _start(conv)
    wrong = _violation(conv.cancel_response(ResponseCancel("evt_c", "resp_other")))
    assert (wrong.code, wrong.event_id) == ("response_cancel_not_active", "evt_c")
    assert conv.active_response is response
    assert conv.cancel_response(ResponseCancel(None, response.id)) is response
    assert conv.active_response is None
    body = conv.response_body(response, "cancelled")
    assert (body["id"], body["status"], body["conversation_id"]) == (
        response.id,
        "cancelled",
        conv.conversation_id,
    )
    second = _start(conv)
    assert second.id != response.id
    assert conv.drop_response() is second
    assert conv.drop_response() is None


def test_a_failed_response_frees_the_conversation_only_if_still_active() -> None:
    conv = _conversation()
    old = _start(conv)
    conv.cancel_response(ResponseCancel(None, None))
    new = _start(conv)
    conv.response_failed(old)
    assert conv.active_response is new
    conv.response_failed(new)
    assert conv.active_response is None


def test_a_response_composes_ready_uncomposed_turns_in_conversation_order() -> None:
    conv = _conversation()
    conv.add_committed_turn("item_late", 0, 1000)  # no transcript yet
    _add_text(conv, "item_b", "second")
    _add_text(conv, "item_a", "first", previous="root")
    _, _, read = _respond(conv, [])
    assert read == ["item_a", "item_b"]
    conv.finish_turn("item_late", "third", 1.0)
    _, _, read_again = _respond(conv, [])
    assert read_again == ["item_late"]  # the composed ones are context now, not turns
    assert [t.item_id for t in conv.history] == ["item_a", "item_b", "item_late"]


def test_labelled_text_turns_replace_the_audio_turns() -> None:
    conv = _conversation()
    conv.add_committed_turn("item_audio", 0, 2000)
    conv.finish_turn("item_audio", "my knee hurts", 2.0)
    _add_text(conv, "item_labelled", "Client: my knee hurts")
    _, _, read = _respond(conv, [])
    assert read == ["item_labelled"]


def test_tool_choice_narrows_the_tools_the_composer_may_call() -> None:
    conv = _conversation()
    conv.update_session(SessionUpdate(None, {"type": "realtime", "tools": _TOOLS}))
    assert conv.compose_request({}).available_tools == {"add_note_entries", "flag_risk"}
    assert conv.compose_request({"tool_choice": "none"}).available_tools == set()
    named = {"tool_choice": {"type": "function", "name": "flag_risk"}}
    assert conv.compose_request(named).available_tools == {"flag_risk"}


# --------------------------------------------------------------------------- calls and budget


def test_the_output_budget_cuts_later_calls_but_never_the_first_or_a_risk_flag() -> None:
    conv = _conversation()
    for item_id in ("item_1", "item_2", "item_3"):
        _add_text(conv, item_id, "text")
    calls = [
        _call("item_1", "a" * 40),
        _call("item_2", "risk " * 8, name="flag_risk"),
        _call("item_3", "c" * 40),
    ]
    response, plan, _ = _respond(conv, calls, {"max_output_tokens": 5})
    assert [p.spec for p in plan.calls] == calls[:2]
    assert (plan.status, plan.status_details) == (
        "incomplete",
        {"type": "incomplete", "reason": "max_output_tokens"},
    )
    assert plan.left_item_ids == {"item_3"}
    assert [item["name"] for item in response.output] == ["add_note_entries", "flag_risk"]
    assert all(item["status"] == "completed" for item in response.output)
    assert response.usage is not None
    assert response.usage["output_tokens"] == plan.output_text_tokens > 5
    entries = [conv.item(i) for i in ("item_1", "item_2", "item_3")]
    assert [e is not None and e.composed for e in entries] == [True, True, False]


def test_a_cut_turn_is_composed_again_and_only_its_unsent_calls_follow() -> None:
    conv = _conversation()
    _add_text(conv, "item_1", "one")
    _add_text(conv, "item_2", "two")
    sent, cut, later = _call("item_1", "a" * 40), _call("item_1", "b" * 40), _call("item_2", "c")
    _, first, _ = _respond(conv, [sent, cut, later], {"max_output_tokens": 5})
    assert [p.spec for p in first.calls] == [sent]
    assert [t.item_id for t in conv.history] == []  # item_1 left unfinished, item_2 after it
    _, second, read = _respond(conv, [sent, cut, later])
    assert read == ["item_1", "item_2"]
    assert [p.spec for p in second.calls] == [cut, later]
    assert second.status == "completed"
    assert [t.item_id for t in conv.history] == ["item_1", "item_2"]


def test_a_call_joins_the_conversation_only_once_added_and_completes_in_the_output() -> None:
    conv = _conversation()
    _add_text(conv, "item_1", "one")
    response = _start(conv)
    plan = conv.plan_calls(response, [_call("item_1", "a")])
    call = conv.start_call(plan.calls[0])
    assert call.previous_item_id == "item_1"
    assert call.entry.item["status"] == "in_progress"
    assert call.entry.item["arguments"] == ""
    assert conv.item_ids == ["item_1"]  # a cancel now leaves no trace of it
    conv.add_call(call)
    assert conv.item_ids == ["item_1", call.item_id]
    assert response.output == []
    finished = conv.finish_call(response, call)
    assert finished["status"] == "completed"
    assert finished["arguments"] == '{"text": "a"}'
    assert response.output == [finished]
    stored = conv.item(call.item_id)
    assert stored is not None
    assert stored.item == finished


# --------------------------------------------------------------------------- billing


def _usage(response: Response) -> dict[str, Any]:
    assert response.usage is not None
    return response.usage


def test_a_response_is_billed_for_what_the_conversation_held_when_it_began() -> None:
    conv = _conversation()
    conv.add_committed_turn("item_audio", 0, 2000)
    conv.finish_turn("item_audio", "hello", 2.0)
    response = _start(conv)
    request = conv.compose_request({})
    _add_text(conv, "item_after", "x" * 400)  # 100 tokens that arrive mid-response
    conv.finish_response(response, request, conv.plan_calls(response, []))
    details = _usage(response)["input_token_details"]
    assert details["audio_tokens"] == 20
    assert details["text_tokens"] == 0  # empty instructions, no tools, one audio turn


def test_a_repeated_long_prefix_is_billed_cached_the_second_time() -> None:
    conv = _conversation()
    conv.update_session(SessionUpdate(None, {"type": "realtime", "instructions": "i" * 8000}))
    first, _, _ = _respond(conv, [])
    second, _, _ = _respond(conv, [])
    assert _usage(first)["input_token_details"]["cached_tokens"] == 0
    cached = _usage(second)["input_token_details"]["cached_tokens"]
    assert 1024 <= cached <= _usage(second)["input_tokens"]
    assert cached % 128 == 0
