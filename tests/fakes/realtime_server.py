"""A deterministic Realtime server for tests: the real protocol on a real socket, no ASR.

It speaks the GA Realtime protocol closely enough for the official `openai` SDK to connect
and parse every event, but "recognizes" speech by a code (see `tests/fakes/audio.py`): a
10 ms frame with any non-zero sample is speech, and each run of speech frames with sample
value N is the word "wN". Responses are scripted by the test, and `input_tokens` grows with
what is still in the conversation, so pruning is measurable.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.fakes.audio import BYTES_PER_MS, FRAME_MS

FRAME_BYTES = FRAME_MS * BYTES_PER_MS
INSTRUCTION_TOKENS = 200
"""`input_tokens` of a response over an empty conversation."""
AUDIO_TOKENS_PER_S = 10
OTHER_ITEM_TOKENS = 30
"""`input_tokens` per non-audio item (function call, function call output)."""
OUTPUT_TOKENS_PER_CALL = 20


@dataclass(frozen=True, slots=True)
class UserTurn:
    """A transcribed user turn, as handed to the test's responder."""

    item_id: str
    transcript: str


Responder = Callable[[Sequence[UserTurn]], Sequence[tuple[str, dict[str, Any]]]]
"""Given the user turns transcribed since the last response, the function calls to make."""


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """An event the server received; `append` events keep their size, not their audio."""

    connection: int
    type: str
    payload: dict[str, Any]


@dataclass(slots=True)
class _Item:
    kind: str
    audio_ms: int = 0


@dataclass(slots=True)
class _Conn:
    """One connection's session: its own audio clock, buffer and conversation."""

    number: int
    ws: ServerConnection
    silence_ms: int = 500
    config: dict[str, Any] = field(default_factory=dict)
    remainder: bytes = b""
    audio_ms: int = 0
    buffer_start_ms: int = 0
    buffer_ms: int = 0
    speech_item: str | None = None
    speech_start_ms: int = 0
    last_speech_end_ms: int = 0
    silence_run_ms: int = 0
    words: list[int] = field(default_factory=list)
    run_value: int = 0
    items: dict[str, _Item] = field(default_factory=dict)
    last_item: str | None = None
    pending_turns: list[UserTurn] = field(default_factory=list)
    response_task: asyncio.Task[None] | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class FakeRealtimeServer:
    """Serves `/v1/realtime` on 127.0.0.1; restartable on the same port.

    Args:
        responder: which function calls each `response.create` makes (none by default).
        response_delay_s: how long a response stays active before `response.done`.
        transcription_delay_s: how long each turn takes to "transcribe" (a busy engine).
        expire_after_s: send `session_expired` and close each connection after this long.
    """

    def __init__(
        self,
        *,
        responder: Responder | None = None,
        response_delay_s: float = 0.0,
        transcription_delay_s: float = 0.0,
        expire_after_s: float | None = None,
    ) -> None:
        self.responder: Responder = responder or (lambda turns: [])
        self.response_delay_s = response_delay_s
        self.transcription_delay_s = transcription_delay_s
        self.expire_after_s = expire_after_s
        self.reject_status: int | None = None
        self.hang_up_handshakes = 0
        """How many of the next handshakes to cut off before any HTTP response."""
        self.received: list[ClientEvent] = []
        self.sent: list[str] = []
        """The type of every event sent, in order."""
        self.responses: list[dict[str, Any]] = []
        """Every `response.done` payload's `response`, in order."""
        self.connections_accepted = 0
        self.connection_log: list[tuple[float, int, str]] = []
        """(monotonic time, connection number, "open" or "closed") in order."""
        self.port = 0
        self._server: Server | None = None
        self._conns: dict[int, _Conn] = {}
        self._ids = itertools.count(1)

    # -- control ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What `AsyncOpenAI(websocket_base_url=...)` needs."""
        return f"ws://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        """Listen on a free port the first time, on the same port after `stop()`."""
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port,
            process_request=self._process_request,
            max_size=None,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection abruptly."""
        if self._server is not None:
            # Stop accepting first and let accepts already under way finish: a connection
            # accepted while the asyncio server closes leaks its transport (CPython 3.11).
            loop = asyncio.get_running_loop()
            for sock in self._server.sockets:
                loop.remove_reader(sock.fileno())
            await asyncio.sleep(0.01)
        await self.drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def drop_all(self) -> None:
        """Abort every connection without a closing handshake, as a dead network would."""
        for conn in list(self._conns.values()):
            conn.ws.transport.abort()
        for _ in range(100):
            if not self._conns:
                break
            await asyncio.sleep(0.01)

    async def send_malformed(self) -> None:
        """A frame that is not JSON, to every connection."""
        for conn in list(self._conns.values()):
            await conn.ws.send("{this is not json")

    async def send_raw_event(self, event: dict[str, Any]) -> None:
        """Any event, to every connection."""
        for conn in list(self._conns.values()):
            await self._send(conn, event)

    def events_of(self, kind: str) -> list[ClientEvent]:
        """The received client events of one type, in order."""
        return [e for e in self.received if e.type == kind]

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    # -- connection handling ----------------------------------------------------------------

    def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        if not request.path.startswith("/v1/realtime"):
            return ws.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if self.hang_up_handshakes > 0:
            self.hang_up_handshakes -= 1
            ws.transport.abort()
            return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "hung up\n")
        if self.reject_status is not None:
            return ws.respond(HTTPStatus(self.reject_status), "refused\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections_accepted += 1
        conn = _Conn(self.connections_accepted, ws)
        self._conns[conn.number] = conn
        self.connection_log.append((time.monotonic(), conn.number, "open"))
        try:
            await self._send(conn, {"type": "session.created", "session": self._session(conn)})
            if self.expire_after_s is not None:
                self._spawn(conn, self._expire(conn, self.expire_after_s))
            async for message in ws:
                await self._on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            for task in list(conn.tasks):
                task.cancel()
            await asyncio.gather(*conn.tasks, return_exceptions=True)
            self._conns.pop(conn.number, None)
            self.connection_log.append((time.monotonic(), conn.number, "closed"))

    async def _on_message(self, conn: _Conn, message: str | bytes) -> None:
        event = json.loads(message)
        kind = event.get("type", "")
        payload = dict(event)
        if kind == "input_audio_buffer.append":
            audio = base64.b64decode(event["audio"])
            payload["audio"] = len(audio)
            self.received.append(ClientEvent(conn.number, kind, payload))
            await self._on_audio(conn, audio)
            return
        self.received.append(ClientEvent(conn.number, kind, payload))
        if kind == "session.update":
            await self._on_session_update(conn, event)
        elif kind == "input_audio_buffer.commit":
            if conn.buffer_ms < 100:
                await self._error(
                    conn,
                    "input_audio_buffer_commit_empty",
                    "Error committing input audio buffer: buffer too small.",
                    event,
                )
            else:
                await self._commit(conn)
        elif kind == "input_audio_buffer.clear":
            self._reset_buffer(conn)
            await self._send(conn, {"type": "input_audio_buffer.cleared"})
        elif kind == "response.create":
            await self._on_response_create(conn, event)
        elif kind == "conversation.item.create":
            await self._on_item_create(conn, event)
        elif kind == "conversation.item.delete":
            item_id = event.get("item_id", "")
            if conn.items.pop(item_id, None) is None:
                await self._error(
                    conn, "item_not_found", f"Item with item_id not found: {item_id}", event
                )
            else:
                await self._send(conn, {"type": "conversation.item.deleted", "item_id": item_id})
        else:
            await self._error(conn, "unknown_event", f"Unknown event type {kind!r}", event)

    async def _on_session_update(self, conn: _Conn, event: dict[str, Any]) -> None:
        session = event.get("session") or {}
        if "type" not in session:
            await self._error(
                conn,
                "missing_required_parameter",
                "Missing required parameter: 'session.type'.",
                event,
            )
            return
        conn.config.update(session)
        detection = (session.get("audio") or {}).get("input", {}).get("turn_detection") or {}
        if "silence_duration_ms" in detection:
            conn.silence_ms = int(detection["silence_duration_ms"])
        await self._send(conn, {"type": "session.updated", "session": self._session(conn)})

    def _session(self, conn: _Conn) -> dict[str, Any]:
        return {
            "type": "realtime",
            "id": f"sess_{conn.number}",
            "object": "realtime.session",
            "model": conn.config.get("model", "gpt-realtime-2"),
            "output_modalities": conn.config.get("output_modalities", ["text"]),
            "instructions": conn.config.get("instructions", ""),
            "audio": conn.config.get("audio")
            or {"input": {"format": {"type": "audio/pcm", "rate": 24_000}}},
            "tools": conn.config.get("tools", []),
            "expires_at": 0,
        }

    # -- audio and VAD ----------------------------------------------------------------------

    async def _on_audio(self, conn: _Conn, audio: bytes) -> None:
        data = conn.remainder + audio
        whole = len(data) - len(data) % FRAME_BYTES
        conn.remainder = data[whole:]
        if not whole:
            return
        frames = np.frombuffer(data[:whole], dtype="<i2").reshape(-1, FRAME_BYTES // 2)
        peaks = np.abs(frames.astype(np.int32)).max(axis=1)
        for peak in peaks.tolist():
            await self._on_frame(conn, int(peak))

    async def _on_frame(self, conn: _Conn, value: int) -> None:
        frame_start = conn.audio_ms
        conn.audio_ms += FRAME_MS
        conn.buffer_ms += FRAME_MS
        if value:
            if conn.speech_item is None:
                conn.speech_item = self._new_id("item")
                conn.speech_start_ms = frame_start
                await self._send(
                    conn,
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": frame_start,
                        "item_id": conn.speech_item,
                    },
                )
            if value != conn.run_value:
                conn.words.append(value)
            conn.run_value = value
            conn.silence_run_ms = 0
            conn.last_speech_end_ms = conn.audio_ms
            return
        conn.run_value = 0
        if conn.speech_item is None:
            return
        conn.silence_run_ms += FRAME_MS
        if conn.silence_run_ms >= conn.silence_ms:
            await self._send(
                conn,
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": conn.last_speech_end_ms,
                    "item_id": conn.speech_item,
                },
            )
            await self._commit(conn)

    def _reset_buffer(self, conn: _Conn) -> None:
        conn.buffer_start_ms = conn.audio_ms
        conn.buffer_ms = 0
        conn.speech_item = None
        conn.words = []
        conn.run_value = 0
        conn.silence_run_ms = 0

    async def _commit(self, conn: _Conn) -> None:
        """Turn the buffer into a user item, then "transcribe" it."""
        item_id = conn.speech_item or self._new_id("item")
        words = list(conn.words)
        start_ms = conn.speech_start_ms if conn.speech_item else conn.buffer_start_ms
        end_ms = conn.last_speech_end_ms if conn.speech_item else conn.audio_ms
        audio_ms = max(end_ms - start_ms, 0)
        self._reset_buffer(conn)
        previous, conn.last_item = conn.last_item, item_id
        conn.items[item_id] = _Item("user_audio", audio_ms)
        await self._send(
            conn,
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": previous,
            },
        )
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        for kind in ("conversation.item.added", "conversation.item.done"):
            await self._send(conn, {"type": kind, "item": item, "previous_item_id": previous})
        transcript = " ".join(f"w{n}" for n in words)
        if self.transcription_delay_s:
            await asyncio.sleep(self.transcription_delay_s)
        if transcript:
            await self._send(
                conn,
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": item_id,
                    "content_index": 0,
                    "delta": transcript.split()[0],
                },
            )
        await self._send(
            conn,
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": transcript,
                "logprobs": None,
                "usage": {"type": "duration", "seconds": audio_ms / 1000},
            },
        )
        conn.pending_turns.append(UserTurn(item_id, transcript))

    # -- responses and items ----------------------------------------------------------------

    async def _on_response_create(self, conn: _Conn, event: dict[str, Any]) -> None:
        if conn.response_task is not None and not conn.response_task.done():
            await self._error(
                conn,
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress.",
                event,
            )
            return
        turns, conn.pending_turns = conn.pending_turns, []
        conn.response_task = self._spawn(conn, self._respond(conn, turns))

    async def _respond(self, conn: _Conn, turns: list[UserTurn]) -> None:
        response_id = self._new_id("resp")
        base = {
            "object": "realtime.response",
            "id": response_id,
            "conversation_id": f"conv_{conn.number}",
            "output_modalities": ["text"],
            "max_output_tokens": "inf",
            "metadata": None,
            "status_details": None,
            "audio": None,
            "usage": None,
        }
        input_tokens = self._input_tokens(conn)
        audio_tokens = sum(
            round(i.audio_ms / 1000 * AUDIO_TOKENS_PER_S)
            for i in conn.items.values()
            if i.kind == "user_audio"
        )
        await self._send(
            conn,
            {
                "type": "response.created",
                "response": {**base, "status": "in_progress", "output": []},
            },
        )
        output: list[dict[str, Any]] = []
        for index, (name, arguments) in enumerate(self.responder(turns)):
            item_id = self._new_id("item")
            text = json.dumps(arguments)
            item = {
                "id": item_id,
                "object": "realtime.item",
                "type": "function_call",
                "status": "in_progress",
                "call_id": self._new_id("call"),
                "name": name,
                "arguments": "",
            }
            ids = {
                "response_id": response_id,
                "item_id": item_id,
                "output_index": index,
                "call_id": item["call_id"],
            }
            await self._send(
                conn,
                {
                    "type": "response.output_item.added",
                    "response_id": response_id,
                    "output_index": index,
                    "item": item,
                },
            )
            previous, conn.last_item = conn.last_item, item_id
            conn.items[item_id] = _Item("function_call")
            await self._send(
                conn,
                {"type": "conversation.item.added", "item": item, "previous_item_id": previous},
            )
            await self._send(
                conn, {"type": "response.function_call_arguments.delta", **ids, "delta": text}
            )
            await self._send(
                conn,
                {
                    "type": "response.function_call_arguments.done",
                    **ids,
                    "name": name,
                    "arguments": text,
                },
            )
            done = {**item, "status": "completed", "arguments": text}
            await self._send(
                conn,
                {
                    "type": "response.output_item.done",
                    "response_id": response_id,
                    "output_index": index,
                    "item": done,
                },
            )
            await self._send(
                conn, {"type": "conversation.item.done", "item": done, "previous_item_id": previous}
            )
            output.append(done)
        if self.response_delay_s:
            await asyncio.sleep(self.response_delay_s)
        output_tokens = 5 + OUTPUT_TOKENS_PER_CALL * len(output)
        usage = {
            "total_tokens": input_tokens + output_tokens,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "input_token_details": {
                "text_tokens": input_tokens - audio_tokens,
                "audio_tokens": audio_tokens,
                "image_tokens": 0,
                "cached_tokens": 0,
                "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
            },
            "output_token_details": {"text_tokens": output_tokens, "audio_tokens": 0},
        }
        response = {**base, "status": "completed", "output": output, "usage": usage}
        self.responses.append(response)
        await self._send(conn, {"type": "response.done", "response": response})

    def _input_tokens(self, conn: _Conn) -> int:
        tokens = INSTRUCTION_TOKENS
        for item in conn.items.values():
            if item.kind == "user_audio":
                tokens += round(item.audio_ms / 1000 * AUDIO_TOKENS_PER_S)
            else:
                tokens += OTHER_ITEM_TOKENS
        return tokens

    async def _on_item_create(self, conn: _Conn, event: dict[str, Any]) -> None:
        item = dict(event.get("item") or {})
        item.setdefault("id", self._new_id("item"))
        item.setdefault("object", "realtime.item")
        item.setdefault("status", "completed")
        previous, conn.last_item = conn.last_item, item["id"]
        conn.items[item["id"]] = _Item(str(item.get("type", "message")))
        for kind in ("conversation.item.added", "conversation.item.done"):
            await self._send(conn, {"type": kind, "item": item, "previous_item_id": previous})

    async def _expire(self, conn: _Conn, after_s: float) -> None:
        await asyncio.sleep(after_s)
        await self._send(
            conn,
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "code": "session_expired",
                    "message": "Your session hit the maximum duration of 60 minutes.",
                    "param": None,
                    "event_id": None,
                },
            },
        )
        await conn.ws.close()

    # -- plumbing ---------------------------------------------------------------------------

    async def _error(self, conn: _Conn, code: str, message: str, event: dict[str, Any]) -> None:
        await self._send(
            conn,
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "code": code,
                    "message": message,
                    "param": None,
                    "event_id": event.get("event_id"),
                },
            },
        )

    async def _send(self, conn: _Conn, event: dict[str, Any]) -> None:
        event = {"event_id": self._new_id("event"), **event}
        self.sent.append(event["type"])
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(json.dumps(event))

    def _spawn(self, conn: _Conn, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        conn.tasks.add(task)
        task.add_done_callback(conn.tasks.discard)
        return task

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"
