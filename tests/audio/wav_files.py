"""Writes real WAV files in every layout the reader must accept, for tests."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

# The 16-byte sub-format GUID of WAVE_FORMAT_EXTENSIBLE: the format tag, then a fixed tail.
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

FORMATS = {
    # name: (format tag, bits, encode)
    "u8": (1, 8),
    "s16": (1, 16),
    "s24": (1, 24),
    "s32": (1, 32),
    "f32": (3, 32),
    "f64": (3, 64),
}


def tone(
    rate_hz: int,
    seconds: float,
    freqs_hz: tuple[float, ...] = (440.0, 1000.0),
    amplitude: float = 0.4,
) -> npt.NDArray[np.float64]:
    """A sum of sines, each at `amplitude`, as float64 `(frames,)`."""
    t = np.arange(round(rate_hz * seconds)) / rate_hz
    return sum((amplitude * np.sin(2 * np.pi * f * t) for f in freqs_hz), np.zeros_like(t))


def encode(samples: npt.NDArray[np.float64], fmt: str) -> bytes:
    """Interleaved little-endian sample bytes for `(frames, channels)` floats in -1..1."""
    x = np.clip(samples, -1.0, 1.0).reshape(-1)
    if fmt == "u8":
        return np.clip(np.rint(x * 127.0 + 128.0), 0, 255).astype(np.uint8).tobytes()
    if fmt == "s16":
        return np.clip(np.rint(x * 32767.0), -32768, 32767).astype("<i2").tobytes()
    if fmt == "s24":
        v = np.clip(np.rint(x * 8388607.0), -8388608, 8388607).astype("<i4")
        return v.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    if fmt == "s32":
        return np.clip(np.rint(x * 2147483647.0), -(2**31), 2**31 - 1).astype("<i4").tobytes()
    if fmt == "f32":
        return x.astype("<f4").tobytes()
    if fmt == "f64":
        return x.astype("<f8").tobytes()
    raise ValueError(fmt)


def write_wav(
    path: Path,
    samples: npt.NDArray[np.float64],
    rate_hz: int,
    fmt: str = "s16",
    *,
    extensible: bool = False,
    extra_chunks: bytes = b"",
    data_size: int | None = None,
    riff_size: int | None = None,
    trailing: bytes = b"",
) -> Path:
    """Write `samples` (`(frames,)` or `(frames, channels)`) as a WAV file.

    `extra_chunks` go between 'fmt ' and 'data' (like LIST/fact chunks from editors);
    `data_size` and `riff_size` override the sizes in the headers, and `trailing` is appended
    after the audio (for files a crashed recorder left behind).
    """
    frames = samples.reshape(samples.shape[0], -1) if samples.ndim == 1 else samples
    channels = frames.shape[1]
    tag, bits = FORMATS[fmt]
    block_align = channels * bits // 8
    common = struct.pack("<HIIHH", channels, rate_hz, rate_hz * block_align, block_align, bits)
    if extensible:
        mask = (1 << channels) - 1
        fmt_body = (
            struct.pack("<H", 0xFFFE)
            + common
            + struct.pack("<HHI", 22, bits, mask)
            + struct.pack("<H", tag)
            + _GUID_TAIL
        )
    else:
        fmt_body = struct.pack("<H", tag) + common
    data = encode(frames, fmt)
    body = b"WAVE" + _chunk(b"fmt ", fmt_body) + extra_chunks
    size = len(data) if data_size is None else data_size
    body += b"data" + struct.pack("<I", size) + data + (b"\x00" if len(data) % 2 else b"")
    body += trailing
    riff = len(body) if riff_size is None else riff_size
    path.write_bytes(b"RIFF" + struct.pack("<I", riff) + body)
    return path


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def list_chunk(text: bytes) -> bytes:
    """An odd-sized LIST chunk, to check that padding bytes are honoured."""
    return _chunk(b"LIST", b"INFOICMT" + struct.pack("<I", len(text)) + text)
