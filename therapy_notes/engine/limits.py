"""What one client may cost the local engine: sessions, buffered audio, idle time.

Every limit answers with an error the client can show (PROTOCOL.md section 10); the
close codes say whether to retry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def default_max_sessions() -> int:
    """Two sessions per core: recognition of one session uses about one core at its peaks."""
    return 2 * (os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """What one client may cost the server; every limit answers with a clear error.

    Attributes:
        max_sessions: concurrent connections; the next one gets `session_limit_reached`.
        max_buffer_s: uncommitted audio per session (15 minutes); more is refused, not kept.
        idle_timeout_s: a connection that sends nothing for this long is closed.
        open_timeout_s: the TCP, TLS and WebSocket handshake must finish within this.
        max_queue: received messages buffered per connection before reading pauses.
    """

    max_sessions: int = field(default_factory=default_max_sessions)
    max_buffer_s: float = 15 * 60.0
    idle_timeout_s: float = 10 * 60.0
    open_timeout_s: float = 10.0
    max_queue: int = 4


SESSION_LIMIT_CLOSE_CODE = 1013
""""Try again later": the server is full, not broken."""
IDLE_CLOSE_CODE = 1000
