"""What the engine's conversation holds and what a response will be billed for (no I/O).

Each item the conversation holds has an estimated input cost, counted the way the local
engine bills it (audio at ten tokens a second, text at four characters a token), on top of
the instructions and tools every response reads. Responses' reported usage calibrates the
estimate upwards, so a prediction does not fall short on an engine whose tokenizer counts
more. Transcribed turns handed over as text wait here until a connection takes them.

`Conversation` only keeps state and answers questions; the connection sends the items.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Container
from dataclasses import dataclass

from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.usage import estimate_audio_tokens, estimate_text_tokens


@dataclass(frozen=True, slots=True)
class TextTurn:
    """A transcribed turn to hand over as a text item, in place of its audio item."""

    replaces_item_id: str
    item_id: str
    text: str


class Conversation:
    """The items of the current connection's conversation, their costs, and text turns due."""

    def __init__(self, settings: LinkSettings) -> None:
        self._items: list[str] = []
        self._deleting: set[str] = set()
        """Items forgotten (their delete is sent) that the engine has not said are gone."""
        self._item_tokens: dict[str, int] = {}
        """Estimated input tokens of each item the conversation holds, as the engine bills."""
        self._prefix_tokens = estimate_text_tokens(settings.instructions) + (
            estimate_text_tokens(json.dumps([dict(t) for t in settings.tools]))
            if settings.tools
            else 0
        )
        self._calibration = 1.0
        """Reported over estimated input of the responses so far (never below 1): the cloud's
        tokenizer is not the estimate's four characters a token."""
        self._text_turns: list[TextTurn] = []

    # -- items ----------------------------------------------------------------------------

    def item_added(self, item_id: str | None) -> None:
        """The engine says it holds `item_id` (an item deleted meanwhile stays forgotten)."""
        if item_id and item_id not in self._items and item_id not in self._deleting:
            self._items.append(item_id)

    def item_created(self, item_id: str) -> None:
        """The link sent `item_id` itself: held from now, not from the engine's word.

        A turn handed over again right after it was handed (its role changed) replaces a
        text item the engine may not have confirmed yet; it must still be deleted, or the
        model reads the turn twice, once with its old role.
        """
        self.item_added(item_id)

    def item_deleted(self, item_id: str) -> None:
        self._item_tokens.pop(item_id, None)
        self._deleting.discard(item_id)
        if item_id in self._items:
            self._items.remove(item_id)

    def holds(self, item_id: str) -> bool:
        return item_id in self._items

    def items_except(self, excluded: Container[str]) -> tuple[str, ...]:
        """The items held, in order, leaving out `excluded` (turns not transcribed yet)."""
        return tuple(i for i in self._items if i not in excluded)

    def count_audio(self, item_id: str, seconds: float) -> None:
        self._item_tokens[item_id] = estimate_audio_tokens(seconds)

    def count_text(self, item_id: str, *texts: str) -> None:
        self._item_tokens[item_id] = sum(estimate_text_tokens(text) for text in texts)

    def forget(self, item_id: str) -> bool:
        """The link is deleting `item_id`: True if it was held, so the delete is sent once.

        It stops being held (and counted) now, not when the engine confirms: a turn handed
        over as text and a pruning response may both name the same audio item, and a
        second delete of it is refused by the engine (`item_not_found`), which the
        clinician would see as a problem with the engine.
        """
        self._item_tokens.pop(item_id, None)
        if item_id not in self._items:
            return False
        self._items.remove(item_id)
        self._deleting.add(item_id)
        return True

    def clear(self) -> None:
        """A new connection: its conversation starts empty."""
        self._items.clear()
        self._deleting.clear()
        self._item_tokens.clear()

    # -- tokens ---------------------------------------------------------------------------

    def estimate(self) -> int:
        """Instructions, tools and every item held, uncalibrated."""
        return self._prefix_tokens + sum(self._item_tokens.values())

    def predicted_input_tokens(self) -> int:
        """The estimate scaled by the largest reported-to-estimated ratio seen so far."""
        return math.ceil(self.estimate() * self._calibration)

    def calibrate(self, estimate_at_create: int, reported_input_tokens: int) -> None:
        """A response estimated at `estimate_at_create` was billed `reported_input_tokens`."""
        if estimate_at_create > 0 and reported_input_tokens > 0:
            ratio = reported_input_tokens / estimate_at_create
            self._calibration = max(self._calibration, ratio)

    # -- text turns -----------------------------------------------------------------------

    def queue_text_turn(self, replaces_item_id: str, text: str) -> str:
        """Queue a turn to hand over as text; returns the text item's id."""
        item_id = f"turn_{secrets.token_hex(10)}"
        self._text_turns.append(TextTurn(replaces_item_id, item_id, text))
        return item_id

    def next_text_turn(self) -> TextTurn | None:
        """The oldest text turn not sent yet (it stays queued until `text_turn_sent`)."""
        return self._text_turns[0] if self._text_turns else None

    def text_turn_sent(self) -> None:
        self._text_turns.pop(0)
