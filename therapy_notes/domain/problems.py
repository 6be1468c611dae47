"""What went wrong with a recording, in the clinician's words, and what they can do.

A failed session used to read as "Engine: Local Failed", whatever the cause. The cause is
in the error's type (the adapters translate library errors at their boundary), so one
rule here names it ("No microphone found"), keeps the error's own text as the detail (it
already says what to try), and picks the one action that fixes it, which the session
view offers as a button.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from therapy_notes.errors import (
    AudioDeviceError,
    AuthError,
    EngineUnavailableError,
    MicrophoneLostError,
    MicrophoneMissingError,
    MicrophonePermissionError,
    StorageError,
    UserFacingError,
)


class Remedy(StrEnum):
    """The action that fixes a problem, offered beside it."""

    MICROPHONE_SETTINGS = "microphone_settings"
    """Choose or test another microphone (Settings, clinician page)."""
    PRIVACY_SETTINGS = "privacy_settings"
    """Allow the microphone for this app in the operating system, then choose it here."""
    ENGINE_SETTINGS = "engine_settings"
    """Check the engine, its address, key or token (Settings, Advanced page)."""
    NONE = "none"


REMEDY_LABELS = {
    Remedy.MICROPHONE_SETTINGS: "Open microphone settings…",
    Remedy.PRIVACY_SETTINGS: "Open microphone settings…",
    Remedy.ENGINE_SETTINGS: "Open engine settings…",
    Remedy.NONE: "",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One failure as the session view shows it: a headline, the detail, the remedy."""

    title: str
    detail: str
    remedy: Remedy = Remedy.NONE

    @property
    def action_label(self) -> str:
        """The remedy button's text, or "" when there is nothing to open."""
        return REMEDY_LABELS[self.remedy]


_RULES: tuple[tuple[type[UserFacingError], str, Remedy], ...] = (
    (MicrophoneMissingError, "No microphone found", Remedy.MICROPHONE_SETTINGS),
    (MicrophonePermissionError, "Microphone access is blocked", Remedy.PRIVACY_SETTINGS),
    (MicrophoneLostError, "The microphone stopped", Remedy.MICROPHONE_SETTINGS),
    (AudioDeviceError, "The microphone could not be used", Remedy.MICROPHONE_SETTINGS),
    (AuthError, "The engine refused the key", Remedy.ENGINE_SETTINGS),
    (EngineUnavailableError, "The speech engine cannot be reached", Remedy.ENGINE_SETTINGS),
    (StorageError, "The session could not be saved", Remedy.NONE),
)


def problem_for(error: UserFacingError) -> Problem:
    """The problem `error` means for the clinician (most specific type first)."""
    detail = str(error).strip() or type(error).__name__
    for kind, title, remedy in _RULES:
        if isinstance(error, kind):
            return Problem(title, detail, remedy)
    return Problem("Recording stopped", detail)


def problem_from_message(message: str) -> Problem:
    """A failure known only by its text (a connection that gave up): an engine problem."""
    return Problem(
        "The connection to the speech engine was lost",
        message.strip() or "The speech engine stopped answering.",
        Remedy.ENGINE_SETTINGS,
    )


def engine_problem(message: str) -> Problem:
    """The speech engine did not start (the local engine) or is not configured (cloud)."""
    return Problem(
        "The speech engine is not running",
        message.strip() or "The speech engine could not start.",
        Remedy.ENGINE_SETTINGS,
    )
