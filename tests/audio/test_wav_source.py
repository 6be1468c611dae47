import asyncio
import types
from pathlib import Path

import numpy as np
import pytest

from therapy_notes.audio.dsp import rms
from therapy_notes.audio.wav_source import WavSource
from therapy_notes.errors import AudioFileError
from therapy_notes.pcm import pcm16_to_float, resample

from .wav_files import tone, write_wav

SPEECH = Path(__file__).parent.parent / "fixtures" / "speech"


async def collect(source: WavSource) -> list[bytes]:
    return [chunk async for chunk in source.chunks()]


def peak_hz(x: np.ndarray, rate_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate_hz)[np.argmax(spectrum)])


def band_energy(x: np.ndarray, rate_hz: int, f_hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate_hz)
    return float(spectrum[np.abs(freqs - f_hz) < 10].sum())


def check_output(chunks: list[bytes], expected_samples: int, chunk_bytes: int = 4800) -> np.ndarray:
    assert all(len(c) == chunk_bytes for c in chunks[:-1])
    assert 0 < len(chunks[-1]) <= chunk_bytes
    assert len(chunks[-1]) % 2 == 0
    y = pcm16_to_float(b"".join(chunks))
    assert abs(len(y) - expected_samples) <= 2  # length preserved to the sample
    return y


@pytest.mark.parametrize(
    ("fmt", "rate", "channels", "extensible"),
    [
        ("u8", 8_000, 1, False),
        ("s16", 44_100, 2, False),
        ("s24", 48_000, 1, False),
        ("f32", 16_000, 1, False),
        ("f64", 22_050, 2, True),
        ("s32", 96_000, 6, True),
    ],
)
async def test_every_format_becomes_24k_mono_pcm16(tmp_path, fmt, rate, channels, extensible):
    seconds = 1.37
    x = tone(rate, seconds, amplitude=0.3)
    multi = np.stack([x] * channels, axis=1)
    path = write_wav(tmp_path / "t.wav", multi, rate, fmt, extensible=extensible)
    source = WavSource(path)
    assert source.duration_s == pytest.approx(seconds, abs=1 / rate)
    assert (source.sample_rate_hz, source.channels) == (rate, channels)
    y = check_output(await collect(source), round(seconds * 24_000))
    body = y[2400:-2400]
    # Both tones survive resampling with their power (each 0.3 amplitude -> RMS 0.3).
    assert rms(body) == pytest.approx(0.3, rel=0.02)
    assert band_energy(body, 24_000, 440.0) == pytest.approx(
        band_energy(body, 24_000, 1000.0), rel=0.1
    )


async def test_dominant_frequency_is_preserved(tmp_path):
    rate = 44_100
    x = tone(rate, 1.0, freqs_hz=(1234.0,), amplitude=0.5)
    path = write_wav(tmp_path / "f.wav", np.stack([x, x], axis=1), rate, "s16")
    y = check_output(await collect(WavSource(path)), 24_000)
    assert abs(peak_hz(y, 24_000) - 1234.0) < 2.0


async def test_stereo_is_mixed_to_mono(tmp_path):
    rate = 24_000
    left = tone(rate, 1.0, freqs_hz=(440.0,), amplitude=0.6)
    right = tone(rate, 1.0, freqs_hz=(1000.0,), amplitude=0.2)
    path = write_wav(tmp_path / "lr.wav", np.stack([left, right], axis=1), rate, "f32")
    y = check_output(await collect(WavSource(path)), 24_000)
    expected = (left + right) / 2
    np.testing.assert_allclose(y, expected, atol=2 / 32768)


async def test_opposite_channels_cancel(tmp_path):
    rate = 24_000
    x = tone(rate, 0.5, amplitude=0.4)
    path = write_wav(tmp_path / "phase.wav", np.stack([x, -x], axis=1), rate, "s16")
    y = pcm16_to_float(b"".join(await collect(WavSource(path))))
    assert float(np.max(np.abs(y))) <= 1 / 32768


async def test_full_scale_input_clips_safely(tmp_path):
    rate = 48_000
    # A full-scale square wave: resampling rings past +-1.0 (Gibbs), which must clip, not wrap.
    x = np.where(np.arange(rate) % 96 < 48, 1.0, -1.0)
    path = write_wav(tmp_path / "square.wav", x, rate, "f32")
    y = pcm16_to_float(b"".join(await collect(WavSource(path))))
    assert float(np.max(y)) == pytest.approx(32767 / 32768)
    assert float(np.min(y)) == -1.0
    # Where the resampled signal overshoots, the output sits at the rail instead of wrapping.
    reference = resample(x.astype(np.float32), rate, 24_000)
    assert float(np.max(reference)) > 1.0  # the test really exercises clipping
    n = min(len(reference), len(y))
    np.testing.assert_allclose(y[:n], np.clip(reference[:n], -1.0, 32767 / 32768), atol=1e-3)


async def test_custom_chunk_size(tmp_path):
    path = write_wav(tmp_path / "c.wav", tone(24_000, 0.5), 24_000, "s16")
    chunks = await collect(WavSource(path, chunk_ms=20))
    check_output(chunks, 12_000, chunk_bytes=960)
    assert len(chunks) == 25


async def test_realtime_pacing_takes_the_files_duration(tmp_path):
    path = write_wav(tmp_path / "rt.wav", tone(16_000, 1.0), 16_000, "s16")
    source = WavSource(path, realtime=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    arrivals = []
    async for _ in source.chunks():
        arrivals.append(loop.time() - started)
    assert len(arrivals) == 10
    # Like a microphone: chunk k arrives once its 100 ms have passed, never before (a busy
    # machine only makes chunks later; how close to the schedule they come is measured in
    # tests/benchmarks/test_loop_stalls.py).
    assert all(at >= 0.1 * (k + 1) - 0.01 for k, at in enumerate(arrivals))


class _ScheduleClock:
    """The pacing's clock and waits, faked: each wait is recorded and passes at once.

    What the source waits for is then its schedule alone, whatever the machine's load:
    the test asserts the schedule, not how long a wall clock took.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def timeout(self, delay: float) -> "_PassedWait":
        self.waits.append(delay)
        self.now += delay
        return _PassedWait()


class _PassedWait:
    async def __aenter__(self) -> None:
        raise TimeoutError  # the wait is over as soon as it starts

    async def __aexit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize(("speed", "expected_s"), [(1.0, 2.0), (4.0, 0.5)])
async def test_speed_scales_the_pacing(tmp_path, monkeypatch, speed, expected_s):
    from therapy_notes.audio import wav_source

    path = write_wav(tmp_path / "fast.wav", tone(16_000, 2.0), 16_000, "s16")
    clock = _ScheduleClock()
    fake_asyncio = types.SimpleNamespace(
        **{name: getattr(asyncio, name) for name in ("Event", "sleep", "to_thread")},
        timeout=clock.timeout,
    )
    monkeypatch.setattr(wav_source, "time", clock)
    monkeypatch.setattr(wav_source, "asyncio", fake_asyncio)
    chunks = await collect(WavSource(path, realtime=True, speed=speed))
    assert len(chunks) == 20
    # Each chunk waits until its audio would have been heard at `speed`: 2 s of audio at
    # 4x is released over half a second, at 1x over two.
    assert len(clock.waits) == 20
    assert all(wait == pytest.approx(0.1 / speed) for wait in clock.waits)
    assert clock.now == pytest.approx(expected_s)


def test_speed_must_be_positive(tmp_path):
    path = write_wav(tmp_path / "fast.wav", tone(16_000, 0.2), 16_000, "s16")
    with pytest.raises(ValueError):
        WavSource(path, speed=0)


async def test_realtime_schedule_does_not_drift(tmp_path):
    # 300 chunks: sleeping a fixed 100 ms after each (instead of to a schedule) would add up
    # the loop's wake-up lateness, a millisecond or more per chunk.
    # The drift itself (an upper bound on lateness) is measured in
    # tests/benchmarks/test_loop_stalls.py; here the schedule is checked from its outcome:
    # each chunk's due time comes from the start, so a late chunk lets the next go at once.
    path = write_wav(tmp_path / "drift.wav", tone(8_000, 30.0), 8_000, "s16")
    loop = asyncio.get_running_loop()
    started = loop.time()
    arrivals = []
    async for _ in WavSource(path, realtime=True, speed=15.0).chunks():
        arrivals.append(loop.time() - started)
        if len(arrivals) == 10:
            await asyncio.sleep(0.3)  # the consumer falls behind by 4.5 chunks
    assert len(arrivals) == 300
    assert all(at >= (k + 1) / 150 - 0.005 for k, at in enumerate(arrivals))
    # Catching up: the chunks that were due during the stall come back to back, with no
    # sleep between them, so the stall does not push every later chunk back.
    caught_up = arrivals[10:14]
    assert caught_up == sorted(caught_up)
    assert arrivals[14] - arrivals[10] < arrivals[10] - arrivals[9]


async def test_fast_mode_is_quick_and_yields_to_the_loop(tmp_path):
    path = write_wav(tmp_path / "long.wav", tone(48_000, 60.0), 48_000, "s16")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    chunks = await collect(WavSource(path))
    task.cancel()
    assert len(chunks) == 600
    assert ticks >= 600  # the loop ran other work between chunks


async def test_reading_happens_off_the_loop(tmp_path, monkeypatch):
    import threading

    from therapy_notes.audio import wav_reader

    loop_thread = threading.get_ident()
    read_threads = set()
    original = wav_reader.WavReader.read

    block_sizes = []

    def spying_read(self, max_frames):
        read_threads.add(threading.get_ident())
        block_sizes.append(max_frames)
        return original(self, max_frames)

    monkeypatch.setattr(wav_reader.WavReader, "read", spying_read)
    path = write_wav(tmp_path / "off.wav", tone(48_000, 3.0), 48_000, "s24")
    chunks = await collect(WavSource(path))
    assert len(chunks) == 30
    assert read_threads
    assert loop_thread not in read_threads
    assert max(block_sizes) <= 48_000  # a second at a time, never the whole file


async def test_loop_stays_responsive_while_a_big_block_decodes(tmp_path):
    path = write_wav(tmp_path / "big.wav", tone(96_000, 20.0), 96_000, "f64")
    beats = 0
    beats_at_chunk = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal beats
        while not stop.is_set():
            await asyncio.sleep(0)
            beats += 1

    task = asyncio.create_task(heartbeat())
    source = WavSource(path)
    async for _ in source.chunks():
        beats_at_chunk.append(beats)
        await asyncio.sleep(0.001)  # a consumer that does some work
    stop.set()
    await task
    assert len(beats_at_chunk) == 200
    # A second of 96 kHz f64 is decoded for every 10 chunks, on a worker thread: the loop
    # keeps beating while it decodes, so the first chunk of each block comes after beats.
    block_starts = beats_at_chunk[10::10]
    previous_ends = beats_at_chunk[9:-1:10]
    assert all(start > end for start, end in zip(block_starts, previous_ends, strict=True))


async def test_stop_ends_the_iteration(tmp_path):
    path = write_wav(tmp_path / "stop.wav", tone(24_000, 5.0), 24_000, "s16")
    source = WavSource(path)
    got = []
    async for chunk in source.chunks():
        got.append(chunk)
        if len(got) == 3:
            source.stop()
    assert len(got) == 3


async def test_stop_cuts_a_realtime_wait_short(tmp_path):
    path = write_wav(tmp_path / "slow.wav", tone(24_000, 5.0), 24_000, "s16")
    source = WavSource(path, realtime=True, speed=0.001)  # 100 s per chunk
    asyncio.get_running_loop().call_later(0.2, source.stop)
    chunks = await asyncio.wait_for(collect(source), 60)  # without the cut: 100 s, a hang
    assert chunks == []


async def test_missing_file_fails_when_made(tmp_path):
    with pytest.raises(AudioFileError, match=r"session\.wav"):
        WavSource(tmp_path / "session.wav")


async def test_not_a_wav_fails_with_the_name(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(AudioFileError, match=r"notes\.txt is not a WAV file"):
        WavSource(path)


async def test_file_deleted_before_reading(tmp_path):
    path = write_wav(tmp_path / "gone.wav", tone(8000, 0.5), 8000, "s16")
    source = WavSource(path)
    path.unlink()
    with pytest.raises(AudioFileError, match=r"gone\.wav"):
        await collect(source)


@pytest.mark.parametrize("name", ["pain_shoulder", "long_session"])
async def test_speech_fixture_decodes_to_its_duration(name):
    import wave

    path = SPEECH / f"{name}.wav"
    with wave.open(str(path)) as w:
        expected_s = w.getnframes() / w.getframerate()
        expected = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    source = WavSource(path)
    assert source.duration_s == pytest.approx(expected_s)
    data = b"".join(await collect(source))
    assert len(data) // 2 == round(expected_s * 24_000)
    # The fixtures are already mono 24 kHz PCM16, so they pass through bit for bit.
    np.testing.assert_array_equal(np.frombuffer(data, dtype="<i2"), expected)
