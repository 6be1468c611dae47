"""Which speech engine a clinician chose: an enum, so a misspelt choice cannot exist.

Stored as its value ("local", "openai", "custom") in the settings file.
"""

from __future__ import annotations

from enum import StrEnum


class EngineChoice(StrEnum):
    """The built-in offline engine, OpenAI's cloud, or a clinic's engine at a URL."""

    LOCAL = "local"
    OPENAI = "openai"
    CUSTOM = "custom"

    @property
    def is_cloud(self) -> bool:
        """Audio leaves this computer (to OpenAI or to a clinic's server)."""
        return self is not EngineChoice.LOCAL

    @property
    def label(self) -> str:
        """How the settings name it."""
        return _LABELS[self]


_LABELS = {
    EngineChoice.LOCAL: "Local (offline, built in)",
    EngineChoice.OPENAI: "OpenAI (cloud)",
    EngineChoice.CUSTOM: "Custom URL",
}
