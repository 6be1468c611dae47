"""What a session uses when nobody chose otherwise: one home for every default.

The command line's config, the window's settings and the recording service each used to
carry their own copy of these numbers, and a change to one left the others behind.
"""

from __future__ import annotations

CLOUD_MODEL = "gpt-realtime-2"
REASONING_EFFORTS = ("minimal", "low", "medium", "high", "xhigh")
REASONING_EFFORT = "medium"
MAX_OUTPUT_TOKENS = 250
"""A note update's output allowance for a few turns' entries (more turns, more allowance)."""
TOKEN_CAP = 200_000
"""Tokens one session may spend: a 60-minute session stays well inside it."""
TEMPLATE = "soap"
VAD_SILENCE_MS = 500
"""Silence that ends a turn under `server_vad`."""
LOCK_AFTER_MIN = 5
"""Minutes without keyboard or mouse input before the window locks."""
