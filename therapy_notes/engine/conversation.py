"""One connection's session and conversation as a state machine that does no I/O.

In the websockets library's sans-I/O shape: the server feeds this the client's parsed
events and the tracker's turns, and sends what it gets back; this never awaits, sends,
sleeps or logs. So the rules that decide what the engine says (where an item goes, what
a delete forgets, that one response runs at a time, which turns a response composes,
which calls fit its `max_output_tokens`, what it is billed) are tested without a socket
or a speech model, and changing one of them never means touching the code that moves bytes.

The server still drives a response's calls one send at a time: `start_call`, `add_call`,
`finish_call` and `mark_sent` are separate because a cancel may land between any two of
those sends, and what the conversation holds then must be what was sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from therapy_notes.domain.tools import FLAG_RISK
from therapy_notes.domain.usage import estimate_audio_tokens as audio_tokens
from therapy_notes.domain.usage import estimate_text_tokens as text_tokens
from therapy_notes.engine.composer import ComposerTurn, ToolCallSpec, tool_names
from therapy_notes.engine.protocol import server_events as events
from therapy_notes.engine.protocol.client_events import (
    ItemCreate,
    ItemDelete,
    ItemRetrieve,
    ResponseCancel,
    ResponseCreate,
    SessionUpdate,
)
from therapy_notes.engine.protocol.fields import JsonObject, ProtocolViolation
from therapy_notes.engine.protocol.session_config import default_session, merge_session
from therapy_notes.engine.usage import ContextBlock, cached_split, response_usage

HISTORY_TURNS = 240
"""How many composed turns the composer re-reads for context (questions, earlier values)."""
CACHED_CONTEXTS = 16
"""Earlier responses' contexts a new response's prefix is matched against (the cloud keeps
a prefix cached for minutes; a session asks for a note update about once a minute)."""
_ROLE_PREFIX = re.compile(r"^\s*(clinician|client|therapist|patient|speaker)\s*:", re.IGNORECASE)


@dataclass(slots=True)
class ConversationItem:
    """A conversation item and what the server knows about it beyond its JSON."""

    item: JsonObject
    audio_seconds: float = 0.0
    text: str | None = None
    """Transcript or typed text the composer may use (user items only)."""
    is_turn: bool = False
    composed: bool = False
    emitted: set[str] = field(default_factory=set)
    """Calls already sent for this turn: a turn cut short by `max_output_tokens` is
    composed again, and only its calls not yet sent may follow."""
    is_ready: bool = False
    """Its transcript is in, it failed, it was deleted, or it never needed one."""


@dataclass(slots=True)
class Response:
    """One response's bookkeeping, from `response.create` to its `response.done`."""

    id: str
    max_output_tokens: int | str
    metadata: JsonObject | None
    output: list[JsonObject] = field(default_factory=list)
    usage: JsonObject | None = None
    context: list[ContextBlock] = field(default_factory=list)
    """What the conversation held when the response was created: what it is billed for."""


@dataclass(frozen=True, slots=True)
class ItemAdded:
    """An item joined the conversation: announce it after `previous_item_id`."""

    item: JsonObject
    previous_item_id: str | None


@dataclass(frozen=True, slots=True)
class ComposeRequest:
    """What the composer reads for one response, and the turns it will mark composed."""

    turns: list[ComposerTurn]
    tools: list[JsonObject]
    instructions: str
    available_tools: set[str]
    history: list[ComposerTurn]
    entries: list[tuple[str, ConversationItem]]
    """The turns read, in conversation order (kept even if deleted meanwhile)."""


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """A composed call that fits the response, with its arguments as sent."""

    spec: ToolCallSpec
    arguments: str


@dataclass(frozen=True, slots=True)
class CallPlan:
    """Which composed calls a response sends, and how it ends."""

    calls: tuple[PlannedCall, ...]
    status: str
    status_details: JsonObject | None
    output_text_tokens: int
    left_item_ids: frozenset[str]
    """Turns with a call that did not fit: they and later turns are composed again."""


@dataclass(slots=True)
class CallInProgress:
    """A `function_call` item being streamed; `entry` joins the conversation at `add_call`."""

    planned: PlannedCall
    item_id: str
    call_id: str
    previous_item_id: str | None
    entry: ConversationItem

    @property
    def name(self) -> str:
        return self.planned.spec.name

    @property
    def arguments(self) -> str:
        return self.planned.arguments


class Conversation:
    """One connection's session config, items in order, composed history and response."""

    def __init__(self, session_type: str, model: str | None) -> None:
        self._session_id = events.new_id("sess")
        self._conversation_id = events.new_id("conv")
        self._created_at_s = events.now_s()
        self._session = default_session(session_type, model)
        self._items: dict[str, ConversationItem] = {}
        self._order: list[str] = []
        self._response: Response | None = None
        self._history: list[ComposerTurn] = []
        """Turns already composed: the composer reads them for context only."""
        self._labelled_turns = False
        self._contexts: list[list[ContextBlock]] = []
        """What earlier responses read, newest last: their shared start is billed cached."""

    # ---- reading

    @property
    def session_id(self) -> str:
        return self._session_id

    @property
    def conversation_id(self) -> str:
        return self._conversation_id

    @property
    def created_at_s(self) -> float:
        return self._created_at_s

    @property
    def session(self) -> JsonObject:
        """The effective session config (do not change it; send `session.update`)."""
        return self._session

    @property
    def is_transcribing(self) -> bool:
        audio_in = (self._session.get("audio") or {}).get("input") or {}
        return audio_in.get("transcription") is not None

    @property
    def item_ids(self) -> list[str]:
        """Every item's id, in conversation order."""
        return list(self._order)

    def item(self, item_id: str) -> ConversationItem | None:
        return self._items.get(item_id)

    @property
    def history(self) -> list[ComposerTurn]:
        """Turns already composed, oldest first."""
        return list(self._history)

    @property
    def active_response(self) -> Response | None:
        return self._response

    # ---- session

    def update_session(self, event: SessionUpdate) -> ProtocolViolation | None:
        """Merge a `session.update`, or refuse a change of session type or model."""
        patch = event.session
        if patch["type"] != self._session["type"]:
            return ProtocolViolation(
                "invalid_value",
                f"This is a {self._session['type']} session; its type cannot change to "
                f"{patch['type']!r}. Open a new connection for a different session type.",
                "session.type",
                event.event_id,
            )
        if "model" in patch and patch["model"] != self._session.get("model"):
            return ProtocolViolation(
                "invalid_value",
                "The model cannot change within a session; connect again with ?model=.",
                "session.model",
                event.event_id,
            )
        self._session = merge_session(self._session, patch)
        return None

    # ---- items

    def add_committed_turn(
        self, item_id: str, audio_start_ms: int, audio_end_ms: int
    ) -> ItemAdded | None:
        """Add a committed audio turn once; None if it is already there.

        A client commit and the tracker's stream both report the same turn.
        """
        if item_id in self._items:
            return None
        previous = self._order[-1] if self._order else None
        item = events.user_audio_item(item_id, None)
        seconds = max(0, audio_end_ms - audio_start_ms) / 1000
        self._items[item_id] = ConversationItem(item, audio_seconds=seconds, is_turn=True)
        self._order.append(item_id)
        return ItemAdded(item, previous)

    def create_item(self, event: ItemCreate) -> ItemAdded | ProtocolViolation:
        """Insert a client's item at the end, first (`root`) or after `previous_item_id`."""
        raw = event.item
        item_id = raw.get("id") or events.new_id("item")
        if item_id in self._items:
            return ProtocolViolation(
                "invalid_value",
                f"An item with id '{item_id}' already exists in the conversation.",
                "item.id",
                event.event_id,
            )
        previous = event.previous_item_id
        if previous is not None and previous != "root" and previous not in self._items:
            return ProtocolViolation(
                "invalid_value",
                f"Previous item with id '{previous}' does not exist.",
                "previous_item_id",
                event.event_id,
            )
        item = _stored_item(raw, item_id)
        entry = ConversationItem(item)
        if item["type"] == "message" and item["role"] == "user":
            entry.is_turn = True
            entry.text = _message_text(item)
            entry.audio_seconds = 0.0
            if entry.text and _ROLE_PREFIX.match(entry.text):
                self._labelled_turns = True
        entry.is_ready = True
        if previous is None:
            previous = self._order[-1] if self._order else None
            self._order.append(item_id)
        elif previous == "root":
            self._order.insert(0, item_id)
            previous = None
        else:
            self._order.insert(self._order.index(previous) + 1, item_id)
        self._items[item_id] = entry
        return ItemAdded(item, previous)

    def delete_item(self, event: ItemDelete) -> ProtocolViolation | None:
        """Forget an item, and the turn's place in the composer's history."""
        entry = self._items.pop(event.item_id, None)
        if entry is None:
            return _item_not_found(event.item_id, event.event_id)
        self._order.remove(event.item_id)
        # A deleted turn is no longer context either: a client that hands a turn over again
        # (with its speaker corrected) has it composed afresh.
        self._history = [t for t in self._history if t.item_id != event.item_id]
        entry.is_ready = True
        return None

    def retrieve_item(self, event: ItemRetrieve) -> JsonObject | ProtocolViolation:
        entry = self._items.get(event.item_id)
        if entry is None:
            return _item_not_found(event.item_id, event.event_id)
        return entry.item

    def finish_turn(self, item_id: str, transcript: str, audio_seconds: float) -> None:
        """A turn's final transcript is in (a turn deleted meanwhile is ignored)."""
        entry = self._items.get(item_id)
        if entry is not None:
            entry.text = transcript
            entry.audio_seconds = audio_seconds or entry.audio_seconds
            entry.item["content"][0]["transcript"] = transcript
            entry.is_ready = True

    def fail_turn(self, item_id: str) -> None:
        """A turn could not be transcribed: a response stops waiting for it."""
        entry = self._items.get(item_id)
        if entry is not None:
            entry.is_ready = True

    def unready_turns(self) -> list[ConversationItem]:
        """Turns not yet composed whose transcript is still coming: a response waits."""
        return [e for e in self._items.values() if e.is_turn and not e.composed and not e.is_ready]

    # ---- responses

    def start_response(self, event: ResponseCreate) -> Response | ProtocolViolation:
        """Begin a response, billed for what the conversation holds now; one at a time."""
        if self._session["type"] == "transcription":
            return ProtocolViolation(
                "invalid_request_for_session_type",
                "A transcription session produces transcripts only and cannot create "
                "responses. Connect with ?model= for a realtime session to get tool calls.",
                None,
                event.event_id,
            )
        if self._response is not None:
            return ProtocolViolation(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self._response.id}. Wait until the response is finished before creating "
                "a new one.",
                None,
                event.event_id,
            )
        overrides = event.response
        response = Response(
            id=events.new_id("resp"),
            max_output_tokens=overrides.get("max_output_tokens")
            or self._session.get("max_output_tokens")
            or "inf",
            metadata=overrides.get("metadata"),
        )
        response.context = self._context(
            overrides.get("instructions") or self._session.get("instructions") or "",
            overrides.get("tools") or self._session.get("tools") or [],
        )
        self._response = response
        return response

    def cancel_response(self, event: ResponseCancel) -> Response | ProtocolViolation:
        """End the active response (the one named, if a name is given)."""
        response = self._response
        if response is None or (event.response_id and event.response_id != response.id):
            return ProtocolViolation(
                "response_cancel_not_active",
                "Cancellation failed: no active response found.",
                None,
                event.event_id,
            )
        self._response = None
        return response

    def drop_response(self) -> Response | None:
        """Forget the active response, if any (the connection is closing)."""
        response, self._response = self._response, None
        return response

    def response_failed(self, response: Response) -> None:
        """A response's composing raised: it is no longer active."""
        if self._response is response:
            self._response = None

    def response_body(
        self, response: Response, status: str, *, status_details: JsonObject | None = None
    ) -> JsonObject:
        return events.response_body(
            response.id,
            self._conversation_id,
            status=status,
            output=response.output,
            max_output_tokens=response.max_output_tokens,
            metadata=response.metadata,
            usage=response.usage,
            status_details=status_details,
        )

    def compose_request(self, overrides: JsonObject) -> ComposeRequest:
        """The turns a response composes now: not yet composed, transcribed, in order."""
        entries = [
            (item_id, self._items[item_id])
            for item_id in self._order
            if self._items[item_id].is_turn
            and not self._items[item_id].composed
            and self._items[item_id].is_ready
            # A client that hands over labelled text turns ("Client: ...") replaces each
            # audio turn with one; composing the audio turn too would write it twice.
            and not (self._labelled_turns and self._items[item_id].audio_seconds > 0)
        ]
        tools: list[JsonObject] = overrides.get("tools") or self._session.get("tools") or []
        return ComposeRequest(
            turns=[ComposerTurn(i, e.text) for i, e in entries if e.text],
            tools=tools,
            instructions=overrides.get("instructions") or self._session.get("instructions") or "",
            available_tools=_allowed_tools(
                tools, overrides.get("tool_choice", self._session.get("tool_choice"))
            ),
            history=self._history[-HISTORY_TURNS:],
            entries=entries,
        )

    def plan_calls(self, response: Response, composed: Sequence[ToolCallSpec]) -> CallPlan:
        """The composed calls not sent before, up to the response's output budget.

        Risk calls lead and are never cut: a flag that waits for a later response is lost
        when the session ends first. The first call always goes, whatever its size.
        """
        calls = [call for call in composed if not self._already_sent(call)]
        budget = response.max_output_tokens
        spent = 0
        planned: list[PlannedCall] = []
        status, details = "completed", None
        for call in calls:
            arguments = json.dumps(call.arguments)
            cost = text_tokens(call.name) + text_tokens(arguments)
            is_risk = call.name == FLAG_RISK
            if isinstance(budget, int) and planned and spent + cost > budget and not is_risk:
                status = "incomplete"
                details = {"type": "incomplete", "reason": "max_output_tokens"}
                break
            spent += cost
            planned.append(PlannedCall(call, arguments))
        left_ids = frozenset(i for c in calls[len(planned) :] for i in c.source_item_ids)
        return CallPlan(tuple(planned), status, details, spent, left_ids)

    def start_call(self, planned: PlannedCall) -> CallInProgress:
        """Mint a call's ids; it goes after the item that is last now."""
        item_id, call_id = events.new_id("item"), events.new_id("call")
        previous = self._order[-1] if self._order else None
        started = events.function_call_item(item_id, call_id, planned.spec.name, "", "in_progress")
        entry = ConversationItem(started, is_ready=True)
        return CallInProgress(planned, item_id, call_id, previous, entry)

    def add_call(self, call: CallInProgress) -> None:
        """The call's item joins the conversation (once `output_item.added` is sent)."""
        self._order.append(call.item_id)
        self._items[call.item_id] = call.entry

    def finish_call(self, response: Response, call: CallInProgress) -> JsonObject:
        """The call's arguments are all sent: its completed item, now in the output."""
        finished = events.function_call_item(
            call.item_id, call.call_id, call.name, call.arguments, "completed"
        )
        call.entry.item = finished
        response.output.append(finished)
        return finished

    def mark_sent(self, planned: PlannedCall) -> None:
        """The call is out: a later response composing its turns again will not resend it."""
        key = _call_key(planned.spec)
        for item_id in planned.spec.source_item_ids:
            if item_id in self._items:
                self._items[item_id].emitted.add(key)

    def finish_response(self, response: Response, request: ComposeRequest, plan: CallPlan) -> None:
        """Mark the turns composed, bill the response, and end it."""
        # Only the turns before the first one left unfinished count as composed: the next
        # response composes the rest in the same order with the same context, so its
        # calls come out the same and those already sent are not sent twice.
        finished = True
        for item_id, entry in request.entries:
            finished = finished and item_id not in plan.left_item_ids
            entry.composed = finished
            if entry.composed and entry.text:
                self._history.append(ComposerTurn(item_id, entry.text))
        response.usage = self._usage(response.context, plan.output_text_tokens)
        self._response = None

    def _already_sent(self, call: ToolCallSpec) -> bool:
        key = _call_key(call)
        sources = [self._items[i] for i in call.source_item_ids if i in self._items]
        return bool(sources) and all(key in item.emitted for item in sources)

    def _context(self, instructions: str, tools: list[JsonObject]) -> list[ContextBlock]:
        """What a response "sees", in the cloud's order: instructions, tools, every item."""
        blocks = [ContextBlock("instructions:" + instructions, text_tokens(instructions))]
        if tools:
            schema = json.dumps(tools)
            blocks.append(ContextBlock("tools:" + schema, text_tokens(schema)))
        for item_id in self._order:
            entry = self._items[item_id]
            item = entry.item
            if entry.audio_seconds > 0:
                blocks.append(ContextBlock(item_id, audio_tokens(entry.audio_seconds), True))
                continue
            if item["type"] == "message":
                tokens = text_tokens(_message_text(item) or "")
            elif item["type"] == "function_call":
                tokens = text_tokens(item.get("name", "")) + text_tokens(item.get("arguments", ""))
            elif item["type"] == "function_call_output":
                tokens = text_tokens(item.get("output", ""))
            else:
                continue
            blocks.append(ContextBlock(item_id, tokens))
        return blocks

    def _usage(self, context: list[ContextBlock], output_text_tokens: int) -> JsonObject:
        """A response's usage; the start it shares with an earlier response is cached."""
        cached_text, cached_audio = cached_split(context, self._contexts)
        self._contexts = [*self._contexts[-(CACHED_CONTEXTS - 1) :], context]
        return response_usage(
            input_text_tokens=sum(b.tokens for b in context if not b.is_audio),
            input_audio_tokens=sum(b.tokens for b in context if b.is_audio),
            output_text_tokens=output_text_tokens,
            cached_text_tokens=cached_text,
            cached_audio_tokens=cached_audio,
        )


def _item_not_found(item_id: str, event_id: str | None) -> ProtocolViolation:
    return ProtocolViolation(
        "item_not_found",
        f"Item with item_id '{item_id[:100]}' not found in the conversation.",
        "item_id",
        event_id,
    )


def _stored_item(raw: JsonObject, item_id: str) -> JsonObject:
    """The server's copy of a client item: id, object and status set, no audio bytes."""
    item = {k: v for k, v in raw.items() if k != "id"}
    item = {"id": item_id, "object": "realtime.item", **item}
    item.setdefault("status", "completed")
    if item["type"] == "message":
        item["content"] = [
            {k: v for k, v in part.items() if k != "audio"} for part in item["content"]
        ]
    return item


def _message_text(item: JsonObject) -> str | None:
    texts = [
        part.get("text") or part.get("transcript") or ""
        for part in item.get("content", [])
        if isinstance(part, dict)
    ]
    joined = " ".join(t for t in texts if t).strip()
    return joined or None


def _allowed_tools(tools: list[JsonObject], tool_choice: Any) -> set[str]:
    names = tool_names(tools)
    if tool_choice == "none":
        return set()
    if isinstance(tool_choice, dict) and isinstance(tool_choice.get("name"), str):
        return names & {tool_choice["name"]}
    return names


def _call_key(call: ToolCallSpec) -> str:
    return call.name + json.dumps(call.arguments, sort_keys=True)
