import asyncio

import numpy as np
import pytest

from therapy_notes.audio.devices import load_sounddevice
from therapy_notes.audio.dsp import rms
from therapy_notes.audio.recorder import AudioRecorder
from therapy_notes.errors import (
    AudioDeviceError,
    MicrophoneLostError,
    MicrophoneMissingError,
    MicrophonePermissionError,
)
from therapy_notes.pcm import pcm16_to_float

from .fake_sounddevice import FakeSoundDevice
from .wav_files import tone


def peak_hz(x: np.ndarray, rate_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate_hz)[np.argmax(spectrum)])


def mic(rate_hz: int = 48_000, amplitude: float = 0.1, **kwargs: object) -> FakeSoundDevice:
    audio = tone(rate_hz, 2.0, freqs_hz=(1000.0,), amplitude=amplitude).astype(np.float32)
    return FakeSoundDevice(audio, rate_hz=rate_hz, **kwargs)


async def take(recorder: AudioRecorder, n: int) -> list[bytes]:
    got = []
    async for chunk in recorder.chunks():
        got.append(chunk)
        if len(got) == n:
            break
    return got


async def test_chunks_arrive_converted_at_24k_mono():
    sd = mic(48_000)
    async with AudioRecorder(sd, normalise=False) as recorder:
        assert recorder.sample_rate_hz == 48_000
        delivered_at_arrival = []
        chunks = []
        async for chunk in recorder.chunks():
            chunks.append(chunk)
            delivered_at_arrival.append(sd.streams[0].blocks_delivered)
            if len(chunks) == 8:
                break
    assert all(len(c) == 4800 for c in chunks)
    # They come at the device's pace: chunk k only once the device has delivered block k.
    assert all(delivered >= k + 1 for k, delivered in enumerate(delivered_at_arrival))
    y = pcm16_to_float(b"".join(chunks))[1200:]
    assert abs(peak_hz(y, 24_000) - 1000.0) < 5.0
    assert rms(y) == pytest.approx(0.1 / np.sqrt(2), rel=0.02)  # the fake's buffer was copied
    assert not np.isnan(y).any()
    stream = sd.streams[0]
    assert (stream.samplerate, stream.channels, stream.blocksize) == (48_000, 1, 4800)
    assert stream.closed


async def test_level_follows_the_input():
    quiet, loud = mic(amplitude=0.01), mic(amplitude=0.5)
    levels = []
    for sd in (quiet, loud):
        recorder = AudioRecorder(sd)
        assert recorder.level == 0.0  # nothing heard yet
        async with recorder:
            await take(recorder, 3)
            levels.append(recorder.level)
    # 0.01 peak -> -43 dBFS -> 0.28; 0.5 peak -> -9 dBFS -> 0.85
    assert levels[0] == pytest.approx(0.28, abs=0.02)
    assert levels[1] == pytest.approx(0.85, abs=0.02)


async def test_gain_normalisation_lifts_a_quiet_microphone():
    sd = mic(amplitude=0.02)  # -37 dBFS
    async with AudioRecorder(sd) as recorder:
        chunks = await take(recorder, 30)
    y = pcm16_to_float(b"".join(chunks[-5:]))
    assert rms(y) > 0.02 / np.sqrt(2) * 3  # at least +10 dB after a few seconds
    assert float(np.max(np.abs(y))) < 0.99


async def test_other_device_rates_are_resampled():
    sd = mic(44_100)
    async with AudioRecorder(sd, normalise=False) as recorder:
        chunks = await take(recorder, 6)
    assert recorder.sample_rate_hz == 44_100
    y = pcm16_to_float(b"".join(chunks))[1200:]
    assert abs(peak_hz(y, 24_000) - 1000.0) < 5.0


async def test_falls_back_when_the_default_rate_is_refused():
    sd = mic(44_100, refused_rates_hz=frozenset({44_100}))
    async with AudioRecorder(sd) as recorder:
        assert recorder.sample_rate_hz == 48_000
        assert len(await take(recorder, 2)) == 2


async def test_slow_consumer_drops_oldest_and_counts_overruns():
    sd = mic(overflow_every=4)
    async with AudioRecorder(sd, max_chunks=5) as recorder:
        seen_queue = []
        got = 0
        async for _ in recorder.chunks():
            got += 1
            seen_queue.append(recorder.queued_chunks)
            await asyncio.sleep(0.4)  # far slower than 100 ms per chunk
            if got == 4:
                break
        overruns = recorder.overruns
    assert overruns >= 3
    assert max(seen_queue) <= 5
    assert recorder.input_overflows >= 2


async def test_callback_stays_tiny():
    sd = mic()
    async with AudioRecorder(sd) as recorder:
        await take(recorder, 10)
        overruns = recorder.overruns
    # Copy and hop only: every block reached the loop and none was dropped for a slow
    # callback (tests/benchmarks/test_loop_stalls.py measures how long a callback takes).
    assert sd.streams[0].blocks_delivered >= 10
    assert overruns == 0


async def test_stop_ends_chunks_and_closes_the_stream():
    sd = mic()
    recorder = AudioRecorder(sd)
    await recorder.start()
    asyncio.get_running_loop().call_later(0.35, recorder.stop)
    chunks = [c async for c in recorder.chunks()]
    assert 2 <= len(chunks) <= 6
    assert not recorder.is_running
    assert sd.streams[0].closed
    assert not sd.streams[0].active


async def test_chunks_starts_the_stream_by_itself():
    sd = mic()
    recorder = AudioRecorder(sd)
    try:
        assert len(await take(recorder, 2)) == 2
    finally:
        recorder.stop()
    assert sd.streams[0].closed


async def test_device_error_on_open_becomes_audio_device_error():
    sd = mic(open_error="Device unavailable [PaErrorCode -9985]")
    recorder = AudioRecorder(sd)
    with pytest.raises(AudioDeviceError, match="Device unavailable") as info:
        await recorder.start()
    assert "microphone is connected" in str(info.value)
    assert "Privacy" in str(info.value)


async def test_no_input_device():
    sd = mic(has_device=False)
    with pytest.raises(MicrophoneMissingError, match="find a microphone"):
        await AudioRecorder(sd).start()


async def test_unknown_device_name():
    with pytest.raises(MicrophoneMissingError, match="No input device matching"):
        await AudioRecorder(mic(), device="Studio mic").start()


async def test_refused_access_is_a_permission_error():
    sd = mic(open_error="Permission denied [PaErrorCode -9986]")
    with pytest.raises(MicrophonePermissionError, match="Privacy"):
        await AudioRecorder(sd).start()


async def test_named_device_is_used():
    sd = mic()
    async with AudioRecorder(sd, device="USB headset") as recorder:
        await take(recorder, 1)
    assert sd.streams[0].device == "USB headset"
    assert recorder.sample_rate_hz == 16_000


@pytest.mark.expected_log(
    "therapy_notes.audio.recorder", "WARNING", match=r"Microphone stream ended unexpectedly"
)
async def test_device_that_goes_away_raises(caplog):
    sd = mic(loop_audio=False)  # the stream ends after 2 s of audio, like an unplugged mic
    recorder = AudioRecorder(sd)
    got: list[bytes] = []

    async def drain() -> None:
        async for chunk in recorder.chunks():
            got.append(chunk)

    with pytest.raises(MicrophoneLostError, match="stopped delivering audio"):
        await drain()
    recorder.stop()
    assert len(got) >= 15
    assert "ended unexpectedly" in caplog.text


async def test_real_portaudio_without_a_device_fails_clearly():
    sd = load_sounddevice()
    if any(d["max_input_channels"] > 0 for d in sd.query_devices()):
        device = "no such microphone on this machine"
        match = "No input device matching"
    else:
        device = None
        match = "find a microphone"
    with pytest.raises(AudioDeviceError, match=match):
        await AudioRecorder(sd, device=device).start()
