"""When a live session asks the model for a note update, and how much output it allows.

Every update re-reads the instructions, the tools and the conversation, so asking after
each turn would cost several times the session's own audio; asking too rarely leaves the
note empty while the clinician watches. This policy decides (batches of turns, time
passed, a risk cue, the end of the session, follow-ups of cut or failed responses) and
checks the token cap before every request. It does no I/O: the recording service asks
it, then talks to the link.

When turns the model already has changed role (the diarizer settled differently, or the
clinician swapped the roles), they must be handed over again before the next update reads
them, and a note written from the old roles must be written again. That is decided here
too, as one more step before an update: however many relabels came since the last
update, the turns are handed over again once, when the next update is due.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

NOTE_UPDATE_TURNS = 12
NOTE_UPDATE_INTERVAL_MS = 60_000
"""A note update is asked for once this much of the session has passed since the last one,
or sooner once this many turns wait (and always at the end). Every update re-reads the
instructions and tools, so one per turn would cost several times the session's own audio."""
FIRST_NOTE_UPDATE_TURNS = 3
"""The first update comes after this many turns, so the note visibly starts filling in."""
OUTPUT_ALLOWANCE_TURNS = 4
"""`max_output_tokens` is the allowance for about this many turns' entries; an update that
covers more gets that many times more, so a minute's turns are written in one response
instead of being cut and followed up (each follow-up re-reads the whole context)."""
TOOL_ERROR_FOLLOW_UPS = 2
"""Follow-ups in a row for responses whose tool calls failed (the model may correct them)."""


class UpdateAction(enum.Enum):
    """What the service does about a note update now."""

    WAIT = "wait"
    """No update now (none due, one in flight, turns held back, or the note is rewritten)."""
    ASK = "ask"
    """Ask for an update with `max_output_tokens`; the policy counts it as asked."""
    REWRITE = "rewrite"
    """An update is due but turns the model has changed role: hand them over again first
    (and remove what was written from them), call `end_rewrite`, then decide again."""
    PAUSED = "paused"
    """One is due but would cross the token cap: updates pause until the cap is raised."""


@dataclass(frozen=True, slots=True)
class UpdateDecision:
    """The policy's answer: the action, and the output allowance of an update asked for."""

    action: UpdateAction
    max_output_tokens: int = 0
    is_first_pause: bool = False
    """PAUSED for the first time since the cap was last raised: say so once."""


_WAIT = UpdateDecision(UpdateAction.WAIT)


class NoteUpdatePolicy:
    """Decides one session's note updates from what it is told; asks the cap to reserve."""

    def __init__(
        self,
        *,
        max_output_tokens: int,
        reserve: Callable[[int], bool],
        update_turns: int = NOTE_UPDATE_TURNS,
        update_interval_ms: int = NOTE_UPDATE_INTERVAL_MS,
        first_update_turns: int = FIRST_NOTE_UPDATE_TURNS,
    ) -> None:
        self._max_output_tokens = max_output_tokens
        self._reserve = reserve
        self._update_turns = update_turns
        self._update_interval_ms = update_interval_ms
        self._first_update_turns = first_update_turns
        self._unanswered = 0
        """Turns handed to the model since the last note update was asked for."""
        self._heard_ms = 0
        self._last_update_ms = 0
        """Session time of the last turn heard, and when the last note update was asked for."""
        self._updating = False
        """A note update was asked for and its response is not handled yet."""
        self._updates_asked = 0
        self._rewriting = False
        """Turns are being handed over again with new roles: no update meanwhile."""
        self._update_due = False
        """The next update is asked for at once: a turn handed over may state a risk, the
        clinician swapped the roles, or turns were just handed over again."""
        self._tool_error_follow_ups = 0
        self._ending = False
        self._allowance = max_output_tokens
        """Output tokens the last update was allowed; its follow-ups get the same."""
        self._cap_notice_given = False

    @property
    def is_updating(self) -> bool:
        """An update is in flight, or turns are being handed over again ahead of one."""
        return self._updating or self._rewriting

    def turn_handed(self) -> None:
        """A turn went to the model: one more for the next update to write up."""
        self._unanswered += 1

    def heard(self, end_ms: int) -> None:
        """A turn ending at `end_ms` of the session was transcribed."""
        self._heard_ms = max(self._heard_ms, end_ms)

    def mark_due(self) -> None:
        """The next update goes at once (a risk cue, or a swap of the roles)."""
        self._update_due = True

    def end(self) -> None:
        """The session is ending: every turn not yet asked about is asked about."""
        self._ending = True

    def end_rewrite(self) -> None:
        """The turns of a `REWRITE` were handed over again: the update follows at once."""
        self._rewriting = False
        self._update_due = True

    def cap_raised(self) -> None:
        """The cap was raised: a later pause is announced again."""
        self._cap_notice_given = False

    def decide(
        self,
        *,
        predicted_input_tokens: Callable[[], int],
        due: bool = False,
        follow_up: bool = False,
        is_holding: bool = False,
        stale_turns: int = 0,
    ) -> UpdateDecision:
        """Whether to ask for an update now, and only if it fits under the token cap.

        Due: enough turns wait (`update_turns`; the first time, fewer), enough of the
        session has passed (`update_interval_ms`), a turn may state a risk, the session
        is ending, or a response wants a follow-up (`follow_up`).
        The cap is checked with the whole of the request (the input the conversation
        holds now plus the output allowance), so it is never crossed.

        `stale_turns` handed turns would be handed over again because roles changed: then
        a due update is preceded by `REWRITE`, and only if the update after it (which
        writes those turns again) fits under the cap; otherwise nothing is removed.
        """
        if self._updating or is_holding or self._rewriting:
            return _WAIT
        due = due or self._update_due
        waited_ms = self._heard_ms - self._last_update_ms
        batch_due = (
            self._unanswered >= self._update_turns
            or waited_ms >= self._update_interval_ms
            or (self._updates_asked == 0 and self._unanswered >= self._first_update_turns)
        )
        if stale_turns:
            if not (due or follow_up or self._ending or batch_due):
                return _WAIT
            return self._rewrite(predicted_input_tokens, stale_turns)
        if not follow_up:
            if self._unanswered == 0 or not (due or self._ending or batch_due):
                return _WAIT
            self._allowance = self._allowance_for(self._unanswered)
        if not self._reserve(predicted_input_tokens() + self._allowance):
            return self._paused()
        self._updating = True
        self._update_due = False
        self._updates_asked += 1
        self._unanswered = 0
        self._last_update_ms = self._heard_ms
        return UpdateDecision(UpdateAction.ASK, self._allowance)

    def _rewrite(self, predicted_input_tokens: Callable[[], int], turns: int) -> UpdateDecision:
        """Hand `turns` over again, if the update that writes them up then fits the cap.

        The turns handed again are counted again as they are handed, so they are taken off
        the turns waiting now (all of them, when every handed turn goes again).
        """
        waiting = max(0, self._unanswered - turns)
        allowance = self._allowance_for(waiting + turns)
        if not self._reserve(predicted_input_tokens() + allowance):
            return self._paused()
        self._unanswered = waiting
        self._rewriting = True
        self._tool_error_follow_ups = 0
        return UpdateDecision(UpdateAction.REWRITE, allowance)

    def _allowance_for(self, turns: int) -> int:
        return self._max_output_tokens * max(1, math.ceil(turns / OUTPUT_ALLOWANCE_TURNS))

    def _paused(self) -> UpdateDecision:
        is_first_pause = not self._cap_notice_given
        self._cap_notice_given = True
        return UpdateDecision(UpdateAction.PAUSED, is_first_pause=is_first_pause)

    def response_done(self, *, is_incomplete: bool, has_failed_tools: bool) -> bool:
        """A note update's response was handled; True if a follow-up is due at once.

        A response cut at `max_output_tokens` still has the same turns to write; one whose
        tool calls failed is followed up at most `TOOL_ERROR_FOLLOW_UPS` times in a row.
        """
        self._updating = False
        if is_incomplete:
            return True
        if has_failed_tools and self._tool_error_follow_ups < TOOL_ERROR_FOLLOW_UPS:
            self._tool_error_follow_ups += 1
            return True
        self._tool_error_follow_ups = 0
        return False
