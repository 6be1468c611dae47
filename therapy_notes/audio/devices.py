"""Loading PortAudio (through sounddevice) and listing microphones.

This module and `recorder` are the only places that touch sounddevice; its errors are
translated here into `AudioDeviceError`, whose messages say what the user can do.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from therapy_notes.errors import (
    AudioDeviceError,
    MicrophoneMissingError,
    MicrophonePermissionError,
)

logger = logging.getLogger(__name__)

MICROPHONE_HINT = (
    "Check that a microphone is connected and switched on, and that this app is allowed to "
    "use it (on macOS and Windows: the microphone setting under Privacy in System Settings)."
)


@dataclass(frozen=True, slots=True)
class InputDevice:
    """One audio input the user can choose."""

    index: int
    name: str
    default_samplerate: float
    is_default: bool


def portaudio_missing_message() -> str:
    """What to tell the user when the PortAudio library cannot be loaded."""
    if sys.platform.startswith("linux"):
        how = "On Debian/Ubuntu install it with: sudo apt install libportaudio2"
    elif sys.platform == "darwin":
        how = "Reinstall the app, or install PortAudio (for example: brew install portaudio)"
    else:
        how = "Reinstall the app to restore its audio libraries"
    return (
        "PortAudio is not installed, so the microphone cannot be used. "
        f"{how}. Recordings from WAV files still work."
    )


def load_sounddevice(
    import_module: Callable[[str], ModuleType] = importlib.import_module,
) -> ModuleType:
    """Import sounddevice, turning a missing PortAudio into an `AudioDeviceError`.

    sounddevice loads the PortAudio shared library at import and raises a bare `OSError`
    when it is absent; the app should say how to install it instead of crashing.

    Args:
        import_module: how to import a module by name (a test passes a failing one).

    Raises:
        AudioDeviceError: PortAudio or sounddevice is missing.
    """
    try:
        return import_module("sounddevice")
    except (OSError, ImportError) as exc:
        logger.info("sounddevice unavailable: %s", type(exc).__name__)
        raise AudioDeviceError(portaudio_missing_message()) from exc


_MISSING_WORDS = ("no input device", "error querying device", "invalid device", "no device")
_PERMISSION_WORDS = ("permission", "denied", "not permitted", "not authorized", "unauthori")


def device_error(sd: ModuleType, exc: Exception, action: str) -> AudioDeviceError:
    """Translate a sounddevice failure during `action` into a user-facing error.

    The subclass says which problem it is (no device, access refused, or another device
    failure), so the window can name it and offer the right fix.
    """
    detail = str(exc).strip() or type(exc).__name__
    lowered = detail.lower()
    kind: type[AudioDeviceError] = AudioDeviceError
    if any(word in lowered for word in _PERMISSION_WORDS):
        kind = MicrophonePermissionError
    elif any(word in lowered for word in _MISSING_WORDS):
        kind = MicrophoneMissingError
    if isinstance(exc, sd.PortAudioError | ValueError):
        return kind(f"Could not {action}: {detail}. {MICROPHONE_HINT}")
    return kind(f"Could not {action} ({detail}). {MICROPHONE_HINT}")


def list_input_devices(sd: ModuleType) -> list[InputDevice]:
    """Every device with at least one input channel, the system default marked.

    Raises:
        AudioDeviceError: PortAudio could not list the devices.
    """
    try:
        devices: Any = sd.query_devices()
        default_input = _default_input_index(sd)
    except sd.PortAudioError as exc:
        raise device_error(sd, exc, "list the audio devices") from exc
    found: list[InputDevice] = []
    for position, device in enumerate(devices):
        if int(device["max_input_channels"]) < 1:
            continue
        index = int(device.get("index", position))
        found.append(
            InputDevice(
                index=index,
                name=str(device["name"]),
                default_samplerate=float(device["default_samplerate"]),
                is_default=index == default_input,
            )
        )
    return found


def _default_input_index(sd: ModuleType) -> int | None:
    # `sd.default.device` is an (input, output) pair, or one value for both; -1 means none.
    default: Any = sd.default.device
    try:
        index = default[0]
    except (TypeError, IndexError, KeyError):
        index = default
    try:
        value = int(index)
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None
