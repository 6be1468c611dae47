import struct
import wave

import numpy as np
import pytest

from therapy_notes.audio.wav_reader import SampleFormat, WavReader, decode_frames, read_wav_info
from therapy_notes.errors import AudioFileError

from .wav_files import list_chunk, tone, write_wav

ALL_FORMATS = [
    ("u8", SampleFormat.UINT8, 2 / 128),
    ("s16", SampleFormat.INT16, 2 / 32768),
    ("s24", SampleFormat.INT24, 1e-6),
    ("s32", SampleFormat.INT32, 1e-6),
    ("f32", SampleFormat.FLOAT32, 1e-7),
    ("f64", SampleFormat.FLOAT64, 1e-7),
]


@pytest.mark.parametrize(("fmt", "sample_format", "tolerance"), ALL_FORMATS)
@pytest.mark.parametrize("extensible", [False, True])
def test_decodes_every_format(tmp_path, fmt, sample_format, tolerance, extensible):
    rate = 22_050
    x = np.stack([tone(rate, 0.2), -0.5 * tone(rate, 0.2)], axis=1)
    path = write_wav(tmp_path / "a.wav", x, rate, fmt, extensible=extensible)
    info = read_wav_info(path)
    assert info.sample_format is sample_format
    assert (info.sample_rate_hz, info.channels, info.frames) == (rate, 2, len(x))
    assert info.duration_s == pytest.approx(0.2, abs=1 / rate)
    with WavReader(path) as reader:
        first = reader.read(1000)
        rest = reader.read(10**6)
        assert reader.read(10).shape == (0, 2)
    decoded = np.concatenate([first, rest])
    assert decoded.dtype == np.float32
    assert decoded.shape == x.shape
    np.testing.assert_allclose(decoded, x, atol=tolerance * 1.01)


def test_extremes_of_integer_formats():
    # The most negative code is -1.0 exactly; the sign of 24-bit samples is extended.
    assert decode_frames(bytes([0, 255, 128]), SampleFormat.UINT8, 1)[:, 0].tolist() == [
        -1.0,
        127 / 128,
        0.0,
    ]
    s24 = bytes([0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF])
    np.testing.assert_allclose(
        decode_frames(s24, SampleFormat.INT24, 1)[:, 0], [-1.0, 8388607 / 8388608, -1 / 8388608]
    )
    s32 = struct.pack("<ii", -(2**31), 2**30)
    np.testing.assert_allclose(decode_frames(s32, SampleFormat.INT32, 1)[:, 0], [-1.0, 0.5])


def test_agrees_with_the_standard_wave_module(tmp_path):
    rate = 16_000
    x = tone(rate, 0.3)
    path = write_wav(tmp_path / "std.wav", x, rate, "s16")
    with wave.open(str(path)) as w:
        expected = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    with WavReader(path) as reader:
        got = reader.read(10**6)[:, 0]
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_skips_other_chunks_with_padding(tmp_path):
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "list.wav", x, 8000, "s16", extra_chunks=list_chunk(b"odd"))
    info = read_wav_info(path)
    assert info.frames == len(x)
    with WavReader(path) as reader:
        np.testing.assert_allclose(reader.read(10**6)[:, 0], x, atol=2 / 32768)


def test_unknown_data_size_reads_to_end_of_file(tmp_path):
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "stream.wav", x, 8000, "s16", data_size=0xFFFFFFFF)
    assert read_wav_info(path).frames == len(x)


def test_trailing_partial_frame_is_ignored(tmp_path):
    x = np.stack([tone(8000, 0.01)] * 2, axis=1)
    path = write_wav(tmp_path / "partial.wav", x, 8000, "s16")
    raw = bytearray(path.read_bytes())
    # Declare one more byte of data than whole frames, and add it.
    data_at = raw.index(b"data")
    size = struct.unpack("<I", raw[data_at + 4 : data_at + 8])[0]
    raw[data_at + 4 : data_at + 8] = struct.pack("<I", size + 1)
    raw += b"\x01\x00"
    path.write_bytes(bytes(raw))
    assert read_wav_info(path).frames == len(x)


def bad(path, content: bytes):
    path.write_bytes(content)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(AudioFileError, match=r"nope\.wav does not exist"):
        read_wav_info(tmp_path / "nope.wav")


def test_folder(tmp_path):
    with pytest.raises(AudioFileError, match="is a folder"):
        read_wav_info(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a WAV file"),
        (b"ID3\x03 this is an mp3" + bytes(100), "not a WAV file"),
        (b"RIFF\x00\x00\x00\x00WAVE", "no 'fmt ' chunk"),
    ],
)
def test_not_a_wav(tmp_path, content, message):
    path = bad(tmp_path / "clip.wav", content)
    with pytest.raises(AudioFileError, match=message) as info:
        read_wav_info(path)
    assert "clip.wav" in str(info.value)


def test_truncated_file(tmp_path):
    path = write_wav(tmp_path / "cut.wav", tone(16_000, 1.0), 16_000, "s16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioFileError, match="incomplete") as info:
        read_wav_info(path)
    assert "cut.wav" in str(info.value)


def test_header_cut_before_data(tmp_path):
    path = write_wav(tmp_path / "head.wav", tone(16_000, 0.1), 16_000, "s16")
    path.write_bytes(path.read_bytes()[:36])
    with pytest.raises(AudioFileError, match="no audio"):
        read_wav_info(path)


def test_compressed_format_is_refused(tmp_path):
    path = write_wav(tmp_path / "adpcm.wav", tone(8000, 0.1), 8000, "s16")
    raw = bytearray(path.read_bytes())
    raw[20:22] = struct.pack("<H", 0x0011)  # IMA ADPCM
    path.write_bytes(bytes(raw))
    with pytest.raises(AudioFileError, match="compressed") as info:
        read_wav_info(path)
    assert "Convert it" in str(info.value)


def test_unsupported_bit_depth_is_refused(tmp_path):
    path = write_wav(tmp_path / "12bit.wav", tone(8000, 0.1), 8000, "s16")
    raw = bytearray(path.read_bytes())
    raw[34:36] = struct.pack("<H", 12)
    path.write_bytes(bytes(raw))
    with pytest.raises(AudioFileError, match="12-bit"):
        read_wav_info(path)


def test_file_that_shrinks_while_reading(tmp_path):
    path = write_wav(tmp_path / "shrinks.wav", tone(8000, 1.0), 8000, "s16")
    reader = WavReader(path)
    try:
        path.write_bytes(path.read_bytes()[:200])
        with pytest.raises(AudioFileError, match="ended early"):
            reader.read(10**6)
    finally:
        reader.close()


@pytest.mark.parametrize("riff_size", [0, 0xFFFFFFFF, None])
def test_crashed_recorder_zero_data_size_reads_to_end_with_a_warning(tmp_path, riff_size):
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "crash.wav", x, 8000, "s16", data_size=0, riff_size=riff_size)
    info = read_wav_info(path)
    assert info.frames == len(x)
    assert len(info.warnings) == (1 if riff_size is None else 2)
    assert any("says it holds no audio" in w for w in info.warnings)
    assert all("crash.wav" in w for w in info.warnings)
    with WavReader(path) as reader:
        np.testing.assert_allclose(reader.read(10**6)[:, 0], x, atol=2 / 32768)
        assert reader.read(10).shape == (0, 1)


def test_data_size_smaller_than_the_file_reads_every_byte_with_a_warning(tmp_path):
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "short.wav", x, 8000, "s16", data_size=100)
    info = read_wav_info(path)
    assert info.frames == len(x)
    assert len(info.warnings) == 1
    assert "counts only 100 bytes" in info.warnings[0]
    with WavReader(path) as reader:
        np.testing.assert_allclose(reader.read(10**6)[:, 0], x, atol=2 / 32768)


def test_riff_size_unset_but_data_size_right_is_read_with_a_warning(tmp_path):
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "riff0.wav", x, 8000, "s16", riff_size=0)
    info = read_wav_info(path)
    assert info.frames == len(x)
    assert len(info.warnings) == 1
    assert "does not give the file's size" in info.warnings[0]


def test_a_chunk_after_the_audio_is_not_read_as_audio(tmp_path):
    # Editors put LIST chunks after the data chunk; a size that ends where one starts is right.
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "tail.wav", x, 8000, "s16", trailing=list_chunk(b"odd"))
    info = read_wav_info(path)
    assert info.frames == len(x)
    assert info.warnings == ()


def test_odd_trailing_byte_of_a_crashed_recording_is_dropped(tmp_path):
    x = tone(8000, 0.1)
    path = write_wav(tmp_path / "odd.wav", x, 8000, "s16", data_size=0, trailing=b"\x7f")
    info = read_wav_info(path)
    assert info.frames == len(x)
    assert info.data_bytes == 2 * len(x) + 1
    with WavReader(path) as reader:
        got = reader.read(10**6)
        assert got.shape == (len(x), 1)
        assert reader.read(10).shape == (0, 1)


def test_a_correct_file_has_no_warnings(tmp_path):
    path = write_wav(tmp_path / "ok.wav", tone(8000, 0.1), 8000, "s16")
    assert read_wav_info(path).warnings == ()


@pytest.mark.parametrize("trailing", [b"", b"\x01"])
def test_zero_data_size_and_no_audio_after_it_is_refused(tmp_path, trailing):
    path = write_wav(
        tmp_path / "empty.wav", np.zeros((0, 1)), 8000, "s16", data_size=0, trailing=trailing
    )
    with pytest.raises(AudioFileError, match="contains no audio") as info:
        read_wav_info(path)
    assert "empty.wav" in str(info.value)
