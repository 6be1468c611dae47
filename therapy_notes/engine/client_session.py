"""One client connection to the local engine: its socket, its turn tracker, its responses.

The I/O half of a session in the websockets library's sans-I/O shape: `Conversation`
decides what each client event means and what to answer, this drives it with the timing
that needs a loop (idle timeout, slicing big appends, waiting for transcripts, cancelling
a response) and moves the events between the socket and the tracker. Bad client input
gets an `error` event and the connection keeps working, as on the cloud.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from therapy_notes.domain import audio_format
from therapy_notes.engine.composer import compose, sections_from_session
from therapy_notes.engine.conversation import Conversation, PlannedCall, Response
from therapy_notes.engine.limits import IDLE_CLOSE_CODE, EngineLimits
from therapy_notes.engine.protocol import client_events as client
from therapy_notes.engine.protocol import server_events as events
from therapy_notes.engine.protocol.fields import JsonObject, ProtocolViolation
from therapy_notes.engine.turn_detection import VadSettings
from therapy_notes.engine.turn_events import (
    CommitTooShortError,
    TurnCommitted,
    TurnEvent,
    TurnFailed,
    TurnFinal,
    TurnPartial,
    TurnStarted,
    TurnStopped,
)

_log = logging.getLogger(__name__)

TRANSCRIPT_WAIT_S = 60.0
"""How long a response waits for turns still being recognised before it composes anyway."""
_DELTA_CHARS = 48
_APPEND_SLICE_BYTES = 5000 * audio_format.BYTES_PER_MS
"""Five seconds of audio (tens of milliseconds of voice detection): what one append may work
through before other sessions get their turn. Ordinary appends (20-100 ms) are one slice."""
_OFF_LOOP_BYTES = 256 * 1024
"""Messages larger than this are parsed (base64 decode included) on a worker thread."""


class TurnTrackerLike(Protocol):
    """What the server needs from a per-connection turn tracker (see `turns.TurnTracker`)."""

    @property
    def buffered_ms(self) -> float: ...
    def set_turn_detection(self, settings: VadSettings | None) -> None: ...
    def append(self, pcm16_24k: bytes) -> None: ...
    def commit(self) -> TurnCommitted: ...
    def clear(self) -> None: ...
    def events(self) -> AsyncIterator[TurnEvent]: ...
    async def aclose(self) -> None: ...


TrackerFactory = Callable[[Callable[[], str]], TurnTrackerLike]
"""Builds one tracker for a connection, given the server's item id generator."""


def vad_settings(session: JsonObject) -> VadSettings | None:
    """The tracker's VAD settings from a session config; None means manual commits only."""
    audio_in = (session.get("audio") or {}).get("input") or {}
    td = audio_in.get("turn_detection")
    if not isinstance(td, dict):
        return None
    defaults = VadSettings()
    if td.get("type") == "semantic_vad":
        return VadSettings.semantic_vad(str(td.get("eagerness") or "auto"))
    return VadSettings(
        threshold=float(td.get("threshold", defaults.threshold)),
        prefix_padding_ms=int(td.get("prefix_padding_ms", defaults.prefix_padding_ms)),
        silence_duration_ms=int(td.get("silence_duration_ms", defaults.silence_duration_ms)),
    )


class ClientSession:
    """One client connection: drives its `Conversation` with the socket and the tracker."""

    def __init__(
        self,
        ws: ServerConnection,
        tracker_factory: TrackerFactory,
        session_type: str,
        model: str | None,
        limits: EngineLimits | None = None,
    ) -> None:
        self._ws = ws
        self._limits = limits or EngineLimits()
        self._conversation = Conversation(session_type, model)
        self._tracker = tracker_factory(lambda: events.new_id("item"))
        self._response_tasks: dict[str, asyncio.Task[None]] = {}
        self._readiness = asyncio.Event()
        """Set whenever a turn may have become ready: a waiting response looks again."""

    # ---- lifecycle

    @property
    def session_id(self) -> str:
        return self._conversation.session_id

    async def run(self) -> None:
        conversation = self._conversation
        _log.info("connection %s opened (%s)", self.session_id, conversation.session["type"])
        pump = asyncio.create_task(self._pump_turn_events(), name=f"turns-{self.session_id}")
        try:
            await self._send(
                events.session_created(
                    conversation.session, conversation.session_id, conversation.created_at_s
                )
            )
            await self._send(events.conversation_created(conversation.conversation_id))
            self._tracker.set_turn_detection(vad_settings(conversation.session))
            while True:
                try:
                    async with asyncio.timeout(self._limits.idle_timeout_s):
                        message = await self._ws.recv()
                except TimeoutError:
                    await self._close_idle()
                    break
                await self._dispatch(await _parse(message))
        except ConnectionClosed:
            pass
        finally:
            await self._cancel_response()
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await self._tracker.aclose()
            _log.info("connection %s closed", self.session_id)

    async def _close_idle(self) -> None:
        """A silent client holds a session slot; free it with a reason the client can show."""
        minutes = self._limits.idle_timeout_s / 60
        _log.info("connection %s idle for %.0f min, closing", self.session_id, minutes)
        await self._error(
            "idle_timeout",
            f"No client events for {minutes:g} minutes; the session was closed. Reconnect "
            "to continue.",
            None,
        )
        await self._ws.close(IDLE_CLOSE_CODE, "idle_timeout")

    async def _on_append(self, event: client.AudioAppend) -> None:
        """Buffer audio unless it would pass the per-session cap (then drop it and say so)."""
        limit_ms = self._limits.max_buffer_s * 1000
        if self._tracker.buffered_ms + len(event.audio) / audio_format.BYTES_PER_MS > limit_ms:
            await self._error(
                "input_audio_buffer_too_large",
                f"The input audio buffer would exceed {self._limits.max_buffer_s / 60:g} "
                "minutes of uncommitted audio; this chunk was dropped. Commit or clear the "
                "buffer, or turn on server VAD.",
                event.event_id,
            )
            return
        # Turn detection over the largest append (15 MiB, 5.5 minutes) takes seconds of CPU;
        # in one piece it would hold the event loop, and every other clinician's session
        # with it, that long. Taken five seconds at a time, the others go on in between.
        audio = event.audio
        for start in range(0, len(audio), _APPEND_SLICE_BYTES):
            self._tracker.append(audio[start : start + _APPEND_SLICE_BYTES])
            if start + _APPEND_SLICE_BYTES < len(audio):
                await asyncio.sleep(0)

    async def _send(self, event: JsonObject) -> None:
        await self._ws.send(json.dumps(event))

    async def _refuse(self, violation: ProtocolViolation) -> None:
        await self._send(events.error_event(violation))

    async def _error(
        self, code: str, message: str, event_id: str | None, param: str | None = None
    ) -> None:
        await self._refuse(ProtocolViolation(code, message, param, event_id))

    # ---- client events

    async def _dispatch(self, event: client.ClientEvent | ProtocolViolation) -> None:
        conversation = self._conversation
        match event:
            case ProtocolViolation():
                _log.info("refused client event (%s) on %s", event.code, self.session_id)
                await self._refuse(event)
            case client.SessionUpdate():
                refused = conversation.update_session(event)
                if refused is not None:
                    await self._refuse(refused)
                    return
                self._tracker.set_turn_detection(vad_settings(conversation.session))
                await self._send(
                    events.session_updated(
                        conversation.session, conversation.session_id, conversation.created_at_s
                    )
                )
            case client.AudioAppend():
                await self._on_append(event)
            case client.AudioCommit():
                await self._on_commit(event)
            case client.AudioClear():
                self._tracker.clear()
                await self._send(events.buffer_cleared())
            case client.ItemCreate():
                added = conversation.create_item(event)
                if isinstance(added, ProtocolViolation):
                    await self._refuse(added)
                    return
                await self._send(events.item_added(added.item, added.previous_item_id))
                await self._send(events.item_done(added.item, added.previous_item_id))
            case client.ItemDelete():
                refused = conversation.delete_item(event)
                if refused is not None:
                    await self._refuse(refused)
                    return
                self._readiness.set()
                await self._send(events.item_deleted(event.item_id))
            case client.ItemRetrieve():
                item = conversation.retrieve_item(event)
                if isinstance(item, ProtocolViolation):
                    await self._refuse(item)
                else:
                    await self._send(events.item_retrieved(item))
            case client.ResponseCreate():
                await self._on_response_create(event)
            case client.ResponseCancel():
                await self._on_response_cancel(event)

    async def _on_commit(self, event: client.AudioCommit) -> None:
        try:
            committed = self._tracker.commit()
        except CommitTooShortError as exc:
            await self._error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"100ms of audio, but buffer only has {exc.buffered_ms:.2f}ms of audio.",
                event.event_id,
            )
            return
        await self._on_turn_committed(committed)

    async def _on_response_create(self, event: client.ResponseCreate) -> None:
        response = self._conversation.start_response(event)
        if isinstance(response, ProtocolViolation):
            await self._refuse(response)
            return
        await self._send(
            events.response_created(self._conversation.response_body(response, "in_progress"))
        )
        self._response_tasks[response.id] = asyncio.create_task(
            self._run_response(response, event.response), name=f"response-{response.id}"
        )

    async def _on_response_cancel(self, event: client.ResponseCancel) -> None:
        response = self._conversation.cancel_response(event)
        if isinstance(response, ProtocolViolation):
            await self._refuse(response)
            return
        await self._stop_task(response)
        details = {"type": "cancelled", "reason": "client_cancelled"}
        await self._send(
            events.response_done(
                self._conversation.response_body(response, "cancelled", status_details=details)
            )
        )

    async def _cancel_response(self) -> None:
        response = self._conversation.drop_response()
        if response is not None:
            await self._stop_task(response)

    async def _stop_task(self, response: Response) -> None:
        task = self._response_tasks.pop(response.id, None)
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # ---- responses

    async def _run_response(self, response: Response, overrides: JsonObject) -> None:
        try:
            await self._compose_response(response, overrides)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001 - a task's top: log, answer `failed`, keep serving
            _log.exception("response %s failed", response.id)
            details = {"type": "failed", "error": {"type": "server_error", "code": "local_engine"}}
            self._conversation.response_failed(response)
            with contextlib.suppress(ConnectionClosed):
                await self._send(
                    events.response_done(
                        self._conversation.response_body(response, "failed", status_details=details)
                    )
                )
        finally:
            self._response_tasks.pop(response.id, None)

    async def _compose_response(self, response: Response, overrides: JsonObject) -> None:
        conversation = self._conversation
        await self._wait_for_transcripts()
        request = conversation.compose_request(overrides)
        # Composing re-reads the conversation so far: a worker thread, so a long session's
        # note update never holds up another client's audio on this loop.
        composed = await asyncio.to_thread(
            compose,
            request.turns,
            sections_from_session(request.tools, request.instructions),
            available_tools=request.available_tools,
            history=request.history,
        )
        plan = conversation.plan_calls(response, composed)
        for index, planned in enumerate(plan.calls):
            await self._emit_call(response, index, planned)
            conversation.mark_sent(planned)
        conversation.finish_response(response, request, plan)
        await self._send(
            events.response_done(
                conversation.response_body(
                    response, plan.status, status_details=plan.status_details
                )
            )
        )
        _log.info("response %s %s with %d calls", response.id, plan.status, len(plan.calls))

    async def _wait_for_transcripts(self) -> None:
        """Wait (a bounded time) for the turns still being recognised when the response began."""
        pending = self._conversation.unready_turns()
        if not pending:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(TRANSCRIPT_WAIT_S):
                while not all(entry.is_ready for entry in pending):
                    self._readiness.clear()
                    await self._readiness.wait()

    async def _emit_call(self, response: Response, index: int, planned: PlannedCall) -> None:
        call = self._conversation.start_call(planned)
        started = call.entry.item
        await self._send(events.output_item_added(response.id, index, started))
        self._conversation.add_call(call)
        await self._send(events.item_added(started, call.previous_item_id))
        arguments = call.arguments
        for start in range(0, len(arguments), _DELTA_CHARS):
            await self._send(
                events.arguments_delta(
                    response.id,
                    call.item_id,
                    index,
                    call.call_id,
                    arguments[start : start + _DELTA_CHARS],
                )
            )
            await asyncio.sleep(0)
        await self._send(
            events.arguments_done(
                response.id, call.item_id, index, call.call_id, call.name, arguments
            )
        )
        finished = self._conversation.finish_call(response, call)
        await self._send(events.output_item_done(response.id, index, finished))
        await self._send(events.item_done(finished, call.previous_item_id))

    # ---- turns from the tracker

    async def _pump_turn_events(self) -> None:
        try:
            async for event in self._tracker.events():
                await self._on_turn_event(event)
        except ConnectionClosed:
            pass

    async def _on_turn_event(self, event: TurnEvent) -> None:
        conversation = self._conversation
        match event:
            case TurnStarted():
                await self._send(events.speech_started(event.item_id, event.audio_start_ms))
            case TurnPartial():
                if conversation.is_transcribing and (event.delta or event.tentative):
                    await self._send(
                        events.transcription_delta(event.item_id, event.delta, event.tentative)
                    )
            case TurnStopped():
                await self._send(events.speech_stopped(event.item_id, event.audio_end_ms))
            case TurnCommitted():
                await self._on_turn_committed(event)
            case TurnFinal():
                conversation.finish_turn(event.item_id, event.transcript, event.audio_seconds)
                self._readiness.set()
                if conversation.is_transcribing:
                    await self._send(
                        events.transcription_completed(
                            event.item_id, event.transcript, event.audio_seconds
                        )
                    )
            case TurnFailed():
                conversation.fail_turn(event.item_id)
                self._readiness.set()
                if conversation.is_transcribing:
                    await self._send(events.transcription_failed(event.item_id, event.message))

    async def _on_turn_committed(self, event: TurnCommitted) -> None:
        """Announce a committed audio turn once, whether from `commit()` or the stream."""
        added = self._conversation.add_committed_turn(
            event.item_id, event.audio_start_ms, event.audio_end_ms
        )
        if added is None:
            return
        await self._send(events.buffer_committed(event.item_id, added.previous_item_id))
        await self._send(events.item_added(added.item, added.previous_item_id))
        await self._send(events.item_done(added.item, added.previous_item_id))


async def _parse(message: str | bytes) -> client.ClientEvent | ProtocolViolation:
    """Parse a client message; a large one off the event loop, so other sessions keep moving.

    A 15 MiB append takes tens of milliseconds to decode; on the loop every other session's
    events would wait that long.
    """
    if len(message) > _OFF_LOOP_BYTES:
        return await asyncio.to_thread(client.parse_client_event, message)
    return client.parse_client_event(message)
