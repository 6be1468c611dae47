"""When the link may send `response.create`, and what a finished response leaves (no I/O).

One response is active at a time: a request made while one is active (or while the link
is down) is held and sent once, as soon as it can be. A response with tool calls stays
active until the service submits their outputs, so the next response reads them. Once a
completed response is over, the items it read (the note now reflects them) may be deleted
so each response's input stays bounded; a cut or failed one may need them again.

`ResponsePolicy` only keeps state and decides; the connection sends. It is generic over
the connection handle only to tell whether outputs belong to the current connection.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

ConnT = TypeVar("ConnT")

ALREADY_ACTIVE = "conversation_already_has_active_response"


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A `response.create` to send now."""

    event_id: str
    """An error naming this event id refused the create."""
    max_output_tokens: int | None
    """This response's cap, or None for the session's."""


@dataclass(frozen=True, slots=True)
class FinishedResponse:
    """What to do with a response the engine reported done."""

    prune: tuple[str, ...]
    """Items to delete once the response is over (now, or after its tool outputs)."""
    estimate_at_create: int
    """The conversation's estimated input when the response was created (for calibration)."""
    awaits_outputs: bool
    """It made tool calls: it stays active until `take_awaiting` and `over`."""


@dataclass(frozen=True, slots=True)
class AwaitingOutputs(Generic[ConnT]):
    """A finished response whose tool calls the service is running."""

    connection: ConnT
    """The connection whose conversation holds the calls."""
    prune: tuple[str, ...]


class ResponsePolicy(Generic[ConnT]):
    """One active response, one held request, and a response awaiting its tool outputs."""

    def __init__(self, *, prune_items: bool = True) -> None:
        self._prune_items = prune_items
        self._active = False
        self._pending = False
        self._awaiting: AwaitingOutputs[ConnT] | None = None
        self._max_output_tokens: int | None = None
        self._create_event_id = ""
        self._seen_items: tuple[str, ...] = ()
        """The items the active response read: pruned once it is over, if it completed."""
        self._estimate_at_create = 0

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def is_busy(self) -> bool:
        """A response is active or held."""
        return self._active or self._pending

    def request(self, max_output_tokens: int | None, *, is_live: bool) -> bool:
        """The service asks for a response; True: send it now (`begin`), else it is held.

        `max_output_tokens` applies to this response, or to the held one.
        """
        self._max_output_tokens = max_output_tokens
        if self._active or not is_live:
            self._pending = True
            return False
        return True

    def begin(self, seen_items: Sequence[str], estimate_tokens: int) -> CreateRequest:
        """A response is being created; it will read `seen_items`, estimated as given."""
        self._active = True
        self._seen_items = tuple(seen_items)
        self._estimate_at_create = estimate_tokens
        self._create_event_id = f"create_{secrets.token_hex(8)}"
        return CreateRequest(self._create_event_id, self._max_output_tokens)

    def create_failed(self) -> None:
        """The create could not be sent (the connection closed): hold it for the next one."""
        self._active, self._pending = False, True

    def finished(self, connection: ConnT, status: str, *, has_calls: bool) -> FinishedResponse:
        """The engine reported the response done (`response.done`)."""
        seen, self._seen_items = self._seen_items, ()
        prune = seen if self._prune_items and status == "completed" else ()
        if has_calls:
            self._awaiting = AwaitingOutputs(connection, prune)
        return FinishedResponse(prune, self._estimate_at_create, awaits_outputs=has_calls)

    def take_awaiting(self) -> AwaitingOutputs[ConnT] | None:
        """The response whose outputs are now being submitted, if one awaits them."""
        awaiting, self._awaiting = self._awaiting, None
        return awaiting

    def over(self, *, is_current: bool) -> bool:
        """The active response is over; True: send the held request now (`begin`).

        A request held for a connection that has since been replaced waits for the next.
        """
        self._active = False
        if self._pending and is_current:
            self._pending = False
            return True
        return False

    def server_error(self, code: str, event_id: str | None) -> bool:
        """A server error; True: it refused the active response's create.

        No `response.done` will come for a refused create, so it is over (reported as
        failed). A second create refused as "already active" is not sent again.
        """
        if code == ALREADY_ACTIVE:
            self._pending = False
        if self._active and event_id == self._create_event_id:
            self._active = False
            return True
        return False

    def start_connection(self) -> None:
        """A new connection's conversation starts empty.

        Calls awaiting outputs belonged to the old conversation, so their response is
        over; an active response without calls is lost, so it is requested again.
        """
        self._seen_items = ()
        if self._awaiting is not None:
            self._awaiting = None
            self._active = False
        if self._active:
            self._active, self._pending = False, True

    def take_held(self) -> bool:
        """The link is live again; True: send the held request now (`begin`)."""
        if self._pending:
            self._pending = False
            return True
        return False
