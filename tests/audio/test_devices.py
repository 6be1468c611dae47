import types

import numpy as np
import pytest

from therapy_notes.audio.devices import (
    InputDevice,
    list_input_devices,
    load_sounddevice,
    portaudio_missing_message,
)
from therapy_notes.errors import AudioDeviceError

from .fake_sounddevice import FakeSoundDevice, PortAudioError


def test_loads_the_real_sounddevice():
    sd = load_sounddevice()
    assert sd.__name__ == "sounddevice"
    assert issubclass(sd.PortAudioError, Exception)


def test_missing_portaudio_becomes_a_device_error_with_install_hint():
    def no_portaudio(name: str) -> types.ModuleType:
        raise OSError("PortAudio library not found")

    with pytest.raises(AudioDeviceError, match="PortAudio is not installed") as info:
        load_sounddevice(no_portaudio)
    assert isinstance(info.value.__cause__, OSError)


def test_missing_package_becomes_a_device_error():
    def not_installed(name: str) -> types.ModuleType:
        raise ModuleNotFoundError(name)

    with pytest.raises(AudioDeviceError, match="PortAudio"):
        load_sounddevice(not_installed)


def test_linux_hint_names_the_debian_package(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    assert "libportaudio2" in portaudio_missing_message()


def test_lists_only_inputs_and_marks_the_default():
    sd = FakeSoundDevice(np.zeros(10, dtype=np.float32))
    assert list_input_devices(sd) == [
        InputDevice(index=1, name="Desk microphone", default_samplerate=48000.0, is_default=True),
        InputDevice(index=2, name="USB headset", default_samplerate=16000.0, is_default=False),
    ]


def test_no_default_device():
    sd = FakeSoundDevice(np.zeros(10, dtype=np.float32))
    sd.default.device = [-1, -1]
    assert [d.is_default for d in list_input_devices(sd)] == [False, False]


def test_listing_failure_becomes_a_device_error(monkeypatch):
    sd = FakeSoundDevice(np.zeros(10, dtype=np.float32))

    def broken(*args: object, **kwargs: object) -> None:
        raise PortAudioError("Error querying host API")

    monkeypatch.setattr(sd, "query_devices", broken)
    with pytest.raises(AudioDeviceError, match="microphone is connected"):
        list_input_devices(sd)


def test_real_portaudio_listing_has_no_output_only_devices():
    sd = load_sounddevice()
    devices = list_input_devices(sd)
    for device in devices:
        assert sd.query_devices(device.index)["max_input_channels"] >= 1
    assert sum(d.is_default for d in devices) <= 1
