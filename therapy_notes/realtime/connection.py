"""One logical realtime session over the official `openai` SDK, kept alive for hours.

The link survives what a clinic's network does to it: it reconnects with backoff and
re-sends every byte of audio whose transcript has not come back yet, so a dropped socket
loses no speech. It rolls a cloud session over to a fresh connection before the 60-minute
limit without a gap, and deletes conversation items once the note reflects them so each
response's input stays bounded.

Data flows one way: the link reports, the service decides. It never calls into the service.
A response's tool calls arrive in its `ResponseCompleted`; the service runs them and hands
the outputs back with `submit_tool_outputs` (until then the response counts as active, so a
held request waits for them). It never asks for a note update on its own either: the
service does, before each `response.create`, from `predicted_input_tokens` (what the
conversation holds now, as the engine will bill it) and its budget, having recorded each
response's usage from the event itself.

This module is the I/O shell: it connects, sends, receives and reconnects. What it sends
and reports is decided without I/O beside it: `replay` (which audio a new connection is
sent, session time), `conversation` (the items held and their estimated cost),
`responses` (when `response.create` may go, what is pruned), `decoding` (server events
-> domain events); `failures` classifies what goes wrong.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, cast

from openai import AsyncOpenAI
from openai.resources.realtime.realtime import AsyncRealtimeConnection
from openai.types.websocket_connection_options import WebSocketConnectionOptions
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

from therapy_notes.domain.events import (
    LinkDraining,
    LinkEvent,
    LinkFlushed,
    LinkState,
    LinkStateChanged,
    ResponseCompleted,
    ToolResult,
)
from therapy_notes.domain.link import LinkSettings
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import AuthError, UserFacingError
from therapy_notes.realtime import decoding, failures
from therapy_notes.realtime.backoff import backoff_delays
from therapy_notes.realtime.conversation import Conversation
from therapy_notes.realtime.decoding import ServerEventDecoder
from therapy_notes.realtime.replay import AudioReplay
from therapy_notes.realtime.responses import ResponsePolicy
from therapy_notes.realtime.session_config import session_payload

_log = logging.getLogger(__name__)

CLOUD_ROLLOVER_S = 55 * 60
"""The cloud ends a session at 60 minutes; roll over well before."""


class RealtimeConnection:
    """Implements the services' `RealtimeLink` over `AsyncOpenAI().realtime.connect()`."""

    def __init__(
        self,
        settings: LinkSettings,
        *,
        base_url: str,
        api_key: str,
        ssl_context: ssl.SSLContext | None = None,
        rollover_after_s: float | None = None,
        connect_timeout_s: float = 10.0,
        max_attempts: int = 30,
        delays: Callable[[], Iterator[float]] = backoff_delays,
        prune_items: bool = True,
    ) -> None:
        self._settings = settings
        self._client = AsyncOpenAI(api_key=api_key, websocket_base_url=base_url, max_retries=0)
        # A clinic engine with its own certificate authority: websockets takes `ssl` at
        # connect time; the SDK passes the options through but does not declare that key.
        self._ws_options = cast(
            "WebSocketConnectionOptions", {"ssl": ssl_context} if ssl_context is not None else {}
        )
        self._rollover_after_s = rollover_after_s
        self._connect_timeout_s = connect_timeout_s
        self._max_attempts = max_attempts
        self._delays = delays

        self._events: asyncio.Queue[LinkEvent | None] = asyncio.Queue()
        self._conn: AsyncRealtimeConnection | None = None
        self._send_lock = asyncio.Lock()
        self._run_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = asyncio.Event()
        self._start_error: UserFacingError | None = None
        self._closing = False

        self._replay = AudioReplay()
        self._fence_passed = False

        self._conversation = Conversation(settings)
        self._responses: ResponsePolicy[AsyncRealtimeConnection] = ResponsePolicy(
            prune_items=prune_items
        )
        self._decoder = ServerEventDecoder(self._replay, self._conversation)
        self._last_heard = time.monotonic()
        """When the engine last sent anything: a busy engine is slow, a silent one is gone."""
        self.connections_opened = 0

    # -- public API -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and configure; raises AuthError or EngineUnavailableError."""
        self._run_task = asyncio.create_task(self._run(), name="realtime-link")
        await self._started.wait()
        if self._start_error is not None:
            raise self._start_error

    async def send_audio(self, pcm16: bytes) -> None:
        """Keep the audio for replay, then send it if the link is live."""
        await self._pace()
        async with self._send_lock:
            self._replay.append(pcm16)
            conn = self._conn
            if conn is None:
                return
            with contextlib.suppress(ConnectionClosed):
                await conn.input_audio_buffer.append(audio=base64.b64encode(pcm16).decode())

    def events(self) -> AsyncIterator[LinkEvent]:
        """Domain events until the link is closed."""
        return self._iterate_events()

    async def request_response(self, *, max_output_tokens: int | None = None) -> None:
        """Send `response.create` now, or once the active response has finished.

        The caller has decided that it may (its budget); a request made while one is active,
        or while the link is down, is sent as soon as it can be, once. `max_output_tokens`
        overrides the session's for this response (and a held one).
        """
        conn = self._conn
        send_now = self._responses.request(max_output_tokens, is_live=conn is not None)
        if send_now and conn is not None:
            await self._create_response(conn)

    async def add_text_turn(self, replaces_item_id: str, text: str) -> str:
        """Hand a transcribed turn to the model as text, in place of its audio item.

        The model then reads who said it ("Client: ...") and is not billed for the same
        audio again in every later response. A turn handed over while the link is down is
        sent once it is back. Returns the text item's id, which the note's tool calls cite.
        """
        item_id = self._conversation.queue_text_turn(replaces_item_id, text)
        conn = self._conn
        if conn is not None:
            await self._send_text_turns(conn)
        return item_id

    async def _send_text_turns(self, conn: AsyncRealtimeConnection) -> None:
        async with self._send_lock:
            while (turn := self._conversation.next_text_turn()) is not None:
                try:
                    if self._conversation.forget(turn.replaces_item_id):
                        await conn.conversation.item.delete(item_id=turn.replaces_item_id)
                    self._conversation.count_text(turn.item_id, turn.text)
                    await conn.conversation.item.create(
                        item={
                            "id": turn.item_id,
                            "type": "message",
                            "role": "user",
                            "content": [{"type": "input_text", "text": turn.text}],
                        }
                    )
                except ConnectionClosed:
                    return
                self._conversation.item_created(turn.item_id)
                self._conversation.text_turn_sent()

    @property
    def session_audio_ms(self) -> int:
        return self._replay.session_audio_ms

    def predicted_input_tokens(self) -> int:
        """Input tokens a `response.create` sent now would be billed for.

        Instructions, tools and every item the conversation holds (audio at ten tokens a
        second, text at four characters a token, as the local engine counts), scaled by the
        largest ratio of reported to estimated input seen so far, so it does not fall short
        on an engine whose tokenizer counts more.
        """
        return self._conversation.predicted_input_tokens()

    @property
    def is_busy(self) -> bool:
        """A response is active or held."""
        return self._responses.is_busy

    async def flush(self, *, timeout_s: float = 120.0) -> None:
        """Commit buffered speech and wait until every turn is transcribed.

        However long a busy machine needs: the wait ends early only when the engine has said
        nothing at all for `timeout_s` (it is gone or hung); `LinkFlushed` then counts what
        was lost. `LinkDraining` reports the turns left about once a second.

        An empty `session.update` is a fence: the server answers it only after it has
        processed all audio sent before it, so once `session.updated` is back every turn in
        that audio is known. Only a turn still being spoken is committed (committing
        trailing silence would bill, and may invent, a transcript). A reconnect, with its
        replay, needs a new fence.
        """
        fenced: AsyncRealtimeConnection | None = None
        committed = False
        reported = time.monotonic()
        while time.monotonic() - self._last_heard < timeout_s:
            if self._run_task is None or self._run_task.done():
                break
            conn = self._conn
            if conn is not None and conn is not fenced:
                fenced, committed = conn, False
                await self._fence(conn, commit=False)
            elif conn is not None and self._fence_passed:
                speaking = self._replay.speaking
                if speaking and not committed:
                    committed = True
                    await self._fence(conn, commit=True)
                elif speaking == self._replay.untranscribed:
                    break  # nothing left that can still be transcribed
            if self._replay.untranscribed and time.monotonic() - reported >= 1.0:
                reported = time.monotonic()
                self._emit(LinkDraining(self._replay.untranscribed))
            await asyncio.sleep(0.02)
        lost = self._replay.ended
        if lost:
            _log.warning("flushed with %d turn(s) untranscribed", lost)
        self._emit(LinkFlushed(lost))

    async def wait_until_idle(self, *, timeout_s: float = 120.0) -> bool:
        """Wait for the active (or held) response while the engine keeps talking.

        Returns False when the engine went quiet for `timeout_s` with a response still due.
        """
        while self.is_busy and self._conn is not None:
            if time.monotonic() - self._last_heard >= timeout_s:
                return False
            await asyncio.sleep(0.05)
        return not self.is_busy

    async def _pace(self) -> None:
        """Hold a file's audio while the engine is several turns behind (files only)."""
        while self._settings.pace_to_engine and self._conn is not None and not self._closing:
            if not self._replay.is_ahead:
                return
            await asyncio.sleep(0.05)

    async def _fence(self, conn: AsyncRealtimeConnection, *, commit: bool) -> None:
        self._fence_passed = False
        with contextlib.suppress(ConnectionClosed):
            async with self._send_lock:
                if commit:
                    await conn.input_audio_buffer.commit()
                await conn.session.update(session={"type": "realtime"})

    async def close(self) -> None:
        """Close the connection and end `events()`."""
        self._closing = True
        for task in [*self._tasks, *([self._run_task] if self._run_task else [])]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._run_task is not None:
            await asyncio.gather(self._run_task, return_exceptions=True)
        await self._drop_connection()
        self._emit(LinkStateChanged(LinkState.CLOSED))
        self._events.put_nowait(None)

    # -- connection lifecycle ---------------------------------------------------------------

    async def _run(self) -> None:
        delays: Iterator[float] | None = None
        attempt = 0
        while not self._closing:
            reason = ""
            try:
                conn = await self._open()
                attempt, delays = 0, None
                await self._serve(conn)
                reason = "the connection closed"
            except AuthError as exc:
                await self._drop_connection()
                self._fail(exc)
                return
            except failures.SessionExpiredError:
                _log.info("session expired; reconnecting at once")
                await self._drop_connection()
                continue
            except failures.RECONNECT_ERRORS as exc:
                reason = failures.describe(exc)
                _log.info("realtime link down (%s)", type(exc).__name__)
            await self._drop_connection()
            attempt += 1
            if attempt > self._max_attempts or (not self._started.is_set() and attempt > 3):
                self._fail(failures.unreachable(reason))
                return
            self._emit(LinkStateChanged(LinkState.RECONNECTING, attempt, reason))
            delays = delays or self._delays()
            await asyncio.sleep(next(delays))

    async def _open(self) -> AsyncRealtimeConnection:
        """Connect, configure, replay unfinished audio, then go live."""
        if not self._started.is_set():
            self._emit(LinkStateChanged(LinkState.CONNECTING))
        try:
            conn = await asyncio.wait_for(
                self._client.realtime.connect(
                    model=self._settings.model, websocket_connection_options=self._ws_options
                ).enter(),
                self._connect_timeout_s,
            )
        except InvalidStatus as exc:
            refused = failures.refused_handshake(exc)
            if refused is not None:
                raise refused from exc
            raise
        except InvalidURI as exc:
            raise failures.bad_url(exc) from exc
        self.connections_opened += 1
        try:
            await self._configure(conn)
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.close()
            raise
        async with self._send_lock:
            self._replay.start_connection()
            self._conversation.clear()
            self._responses.start_connection()
            for chunk in self._replay.chunks():
                await conn.input_audio_buffer.append(audio=base64.b64encode(chunk).decode())
            self._conn = conn
        await self._send_text_turns(conn)
        self._emit(LinkStateChanged(LinkState.LIVE))
        self._started.set()
        if self._responses.take_held():
            await self._create_response(conn)
        return conn

    async def _configure(self, conn: AsyncRealtimeConnection) -> None:
        await conn.session.update(session=session_payload(self._settings))  # type: ignore[arg-type]
        deadline = time.monotonic() + self._connect_timeout_s
        while time.monotonic() < deadline:
            event = await asyncio.wait_for(conn.recv(), max(deadline - time.monotonic(), 0.01))
            if event.type == "session.updated":
                return
            if event.type == "error":
                failures.check_fatal(event.error.code, event.error.message)
                self._emit(decoding.server_error(event))
        raise TimeoutError("no session.updated from the engine")

    async def _serve(self, conn: AsyncRealtimeConnection) -> None:
        """Receive until the connection drops, or hand over to a fresh one at rollover."""
        opened = time.monotonic()
        while True:
            timeout = None
            if self._rollover_after_s is not None:
                timeout = max(self._rollover_after_s - (time.monotonic() - opened), 0.0)
            try:
                raw = await asyncio.wait_for(conn.recv_bytes(), timeout)
            except TimeoutError:
                if self._rollover_after_s is None:
                    raise
                conn = await self._roll_over(conn)
                opened = time.monotonic()
                continue
            await self._handle_raw(conn, raw)

    async def _roll_over(self, old: AsyncRealtimeConnection) -> AsyncRealtimeConnection:
        """Open the next connection first, then switch: audio keeps flowing throughout."""
        _log.info("rolling the realtime session over to a new connection")
        try:
            new = await self._open()
        except failures.CONNECTION_ERRORS as exc:
            _log.warning("rollover failed (%s); keeping the current connection", type(exc).__name__)
            return old
        task = asyncio.create_task(old.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return new

    async def _drop_connection(self) -> None:
        async with self._send_lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    def _fail(self, error: UserFacingError) -> None:
        self._emit(LinkStateChanged(LinkState.FAILED, reason=str(error), error=error))
        if not self._started.is_set():
            self._start_error = error
            self._started.set()
        self._closing = True
        self._events.put_nowait(None)

    # -- server events ----------------------------------------------------------------------

    async def _handle_raw(self, conn: AsyncRealtimeConnection, raw: bytes) -> None:
        self._last_heard = time.monotonic()
        try:
            event = conn.parse_event(raw)
            kind = event.type
        except (ValueError, TypeError, AttributeError):
            _log.warning("ignored a malformed server event (%d bytes)", len(raw))
            self._emit(decoding.MALFORMED_EVENT)
            return
        await self._handle(conn, event, kind)

    async def _handle(self, conn: AsyncRealtimeConnection, event: Any, kind: str) -> None:
        if kind == "session.updated":
            self._fence_passed = True
        elif kind == "response.done":
            self._spawn(self._finish_response(conn, event.response))
        elif kind == "error":
            self._handle_error(event)
        elif (decoded := self._decoder.decode(event)) is not None:
            self._emit(decoded)

    def _handle_error(self, event: Any) -> None:
        code = event.error.code or ""
        kind = failures.classify(code)
        failures.check_fatal(code, event.error.message)
        if kind is failures.ServerErrorKind.EXPIRED:
            raise failures.SessionExpiredError
        refused_create = self._responses.server_error(code, event.error.event_id)
        if kind is failures.ServerErrorKind.QUIET:
            _log.debug("server error %s (expected)", code)
        else:
            _log.warning("server error %s (param %s)", code, event.error.param)
            self._emit(decoding.server_error(event))
        if refused_create:
            # The engine refused the `response.create` itself: no `response.done` will come,
            # so report the update as failed and let the service decide again.
            self._emit(ResponseCompleted("", "failed", TokenUsage()))

    # -- responses and tools ----------------------------------------------------------------

    async def _create_response(self, conn: AsyncRealtimeConnection) -> None:
        seen = self._conversation.items_except(self._replay.untranscribed_ids)
        create = self._responses.begin(seen, self._conversation.estimate())
        try:
            if create.max_output_tokens is None:
                await conn.response.create(event_id=create.event_id)
            else:
                await conn.response.create(
                    event_id=create.event_id,
                    response={"max_output_tokens": create.max_output_tokens},
                )
        except ConnectionClosed:
            self._responses.create_failed()

    async def _finish_response(self, conn: AsyncRealtimeConnection, response: Any) -> None:
        """Report the response with its calls; without calls it is over at once.

        A response with calls stays active until `submit_tool_outputs`: the model's next
        response must read their outputs. Whether another response follows (a cut one has
        more to write, a failed tool may be retried) is the service's decision, made on
        `ResponseCompleted`.
        """
        completed = decoding.response_completed(response)
        status, calls = completed.status, completed.calls
        finished = self._responses.finished(conn, status, has_calls=bool(calls))
        self._conversation.calibrate(finished.estimate_at_create, completed.usage.input_tokens)
        if finished.awaits_outputs:
            self._emit(completed)
            return
        await self._prune(conn, finished.prune)
        self._emit(completed)
        await self._response_over(conn)

    async def submit_tool_outputs(self, results: Sequence[ToolResult]) -> None:
        """Send the outputs of the last response's calls, then let the next response go.

        Outputs for a connection that has since been replaced (or lost meanwhile) are
        dropped: the new conversation never held those calls. The response is over then,
        and is not asked for again on the next connection: its calls were carried out.
        """
        awaiting = self._responses.take_awaiting()
        if awaiting is None:
            return
        conn = awaiting.connection
        if self._conn is not conn:
            self._responses.over(is_current=False)
            return
        try:
            for result in results:
                item_id = f"out_{secrets.token_hex(10)}"
                self._conversation.count_text(item_id, result.output)
                await conn.conversation.item.create(
                    item={
                        "id": item_id,
                        "type": "function_call_output",
                        "call_id": result.call_id,
                        "output": result.output,
                    }
                )
        except ConnectionClosed:
            _log.info("connection closed while sending tool outputs")
            self._responses.over(is_current=False)
            return
        await self._prune(conn, awaiting.prune)
        await self._response_over(conn)

    async def _prune(self, conn: AsyncRealtimeConnection, item_ids: Sequence[str]) -> None:
        """Delete the items a completed response has written up (`FinishedResponse.prune`)."""
        try:
            for item_id in item_ids:
                if self._conversation.forget(item_id):  # not replaced by its text meanwhile
                    await conn.conversation.item.delete(item_id=item_id)
        except ConnectionClosed:
            _log.info("connection closed while pruning the conversation")

    async def _response_over(self, conn: AsyncRealtimeConnection) -> None:
        if self._responses.over(is_current=self._conn is conn):
            await self._create_response(conn)

    # -- plumbing ---------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("link task failed", exc_info=task.exception())

    def _emit(self, event: LinkEvent) -> None:
        self._events.put_nowait(event)

    async def _iterate_events(self) -> AsyncIterator[LinkEvent]:
        while True:
            event = await self._events.get()
            if event is None:
                return
            yield event
