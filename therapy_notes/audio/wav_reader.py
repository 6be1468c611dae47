"""A small, strict RIFF/WAVE reader for every uncompressed sample format.

Python's `wave` module refuses 32/64-bit float and WAVE_FORMAT_EXTENSIBLE files, which
recorders and editors write all the time, so the header is parsed here. Reading is
blocking file I/O: callers on the event loop run it through `asyncio.to_thread`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

import numpy as np
import numpy.typing as npt

from therapy_notes.errors import AudioFileError

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

_UNKNOWN_SIZE = 0xFFFFFFFF
"""Data size written by some streaming recorders that never went back to fix it."""

_CONVERT_HINT = (
    "Convert it to an uncompressed WAV (for example 16-bit PCM) in an audio editor, "
    "or choose another recording."
)


class SampleFormat(Enum):
    """How one sample is stored, with its size in bytes."""

    UINT8 = 1
    INT16 = 2
    INT24 = 3
    INT32 = 4
    FLOAT32 = 5
    FLOAT64 = 6

    @property
    def sample_bytes(self) -> int:
        """Bytes one sample of one channel takes."""
        return _SAMPLE_BYTES[self]


_SAMPLE_BYTES = {
    SampleFormat.UINT8: 1,
    SampleFormat.INT16: 2,
    SampleFormat.INT24: 3,
    SampleFormat.INT32: 4,
    SampleFormat.FLOAT32: 4,
    SampleFormat.FLOAT64: 8,
}


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What the header says about a WAV file's audio."""

    sample_rate_hz: int
    channels: int
    sample_format: SampleFormat
    block_align: int
    data_offset: int
    data_bytes: int
    warnings: tuple[str, ...] = ()
    """What was wrong with the header and how it was read anyway, for the caller to show.

    A crashed or killed recorder leaves sizes of 0 (it never went back to fill them in);
    the audio is still in the file, so it is read rather than refused, but the user should
    know the header was not trusted.
    """

    @property
    def frames(self) -> int:
        """Sample frames (one sample per channel) in the file; a cut-off last frame is ignored."""
        return self.data_bytes // self.block_align

    @property
    def duration_s(self) -> float:
        """Length of the audio in seconds."""
        return self.frames / self.sample_rate_hz


def read_wav_info(path: Path) -> WavInfo:
    """Read and check a WAV file's header.

    Raises:
        AudioFileError: the file is missing, unreadable, not a WAV file, uses a compressed or
            unknown format, or is shorter than its header says.
    """
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            return _parse_header(f, size, path)
    except FileNotFoundError as exc:
        raise AudioFileError(
            f"The recording {path} does not exist. Check the file name and folder."
        ) from exc
    except IsADirectoryError as exc:
        raise AudioFileError(f"{path} is a folder, not a recording. Choose a WAV file.") from exc
    except PermissionError as exc:
        raise AudioFileError(
            f"The recording {path} cannot be opened: permission denied. "
            "Check the file's permissions or copy it somewhere you can read."
        ) from exc
    except OSError as exc:
        raise AudioFileError(
            f"The recording {path} could not be read ({exc.strerror or exc}). "
            "Check the disk or copy the file again."
        ) from exc


def _parse_header(f: BinaryIO, file_size: int, path: Path) -> WavInfo:
    riff = f.read(12)
    if len(riff) < 12 or riff[0:4] != b"RIFF" or riff[8:12] != b"WAVE":
        raise AudioFileError(
            f"{path} is not a WAV file (it has no RIFF/WAVE header). {_CONVERT_HINT}"
        )
    warnings: list[str] = []
    riff_size = struct.unpack("<I", riff[4:8])[0]
    if riff_size in (0, _UNKNOWN_SIZE):
        # Streaming and crashed recorders leave this unset; the chunks are walked by the file.
        warnings.append(
            f"The header of {path} does not give the file's size (the recording was probably "
            "not finished properly); it was read to the end of the file."
        )
    fmt: tuple[int, int, int, int, SampleFormat] | None = None
    data: tuple[int, int] | None = None
    position = 12
    while position + 8 <= file_size and (fmt is None or data is None):
        f.seek(position)
        header = f.read(8)
        if len(header) < 8:
            break
        chunk_id, chunk_size = header[0:4], struct.unpack("<I", header[4:8])[0]
        body_offset = position + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(f.read(min(chunk_size, 64)), path)
        elif chunk_id == b"data":
            chunk_size = _data_size(f, path, body_offset, chunk_size, file_size, warnings)
            data = (body_offset, chunk_size)
        position = body_offset + chunk_size + (chunk_size & 1)
    if fmt is None:
        raise AudioFileError(f"{path} is damaged: it has no 'fmt ' chunk. {_CONVERT_HINT}")
    if data is None:
        raise AudioFileError(
            f"{path} is damaged or truncated: it has no audio ('data' chunk). {_CONVERT_HINT}"
        )
    channels, rate, block_align, _, sample_format = fmt
    if data[1] < block_align:
        raise AudioFileError(
            f"The recording {path} contains no audio: its data chunk is empty. The recorder "
            "probably stopped before it saved anything; choose another recording."
        )
    return WavInfo(rate, channels, sample_format, block_align, data[0], data[1], tuple(warnings))


def _data_size(
    f: BinaryIO, path: Path, body_offset: int, declared: int, file_size: int, warnings: list[str]
) -> int:
    """The bytes of audio the data chunk really holds, trusting its header only when it fits.

    A recorder that crashes or is killed leaves the size it wrote at the start (often 0),
    and the audio follows anyway. A size smaller than the file is trusted only when another
    chunk header follows it (editors put LIST chunks after the audio); otherwise the rest of
    the file is audio the header does not count.
    """
    available = file_size - body_offset
    if declared == _UNKNOWN_SIZE:
        return available
    if declared > available:
        raise AudioFileError(
            f"The recording {path} is incomplete: its header promises {declared} bytes "
            f"of audio but only {available} are in the file. The copy or the recording "
            "was cut short; copy it again or export it again from the recorder."
        )
    after = body_offset + declared + (declared & 1)
    if after >= file_size or _is_chunk_header(f, after, file_size):
        return declared
    if declared == 0:
        warnings.append(
            f"The header of {path} says it holds no audio, which is what a recorder that "
            f"crashed leaves behind; the {available} bytes after the header were read as "
            "audio. Check the transcript against the recording."
        )
    else:
        warnings.append(
            f"The header of {path} counts only {declared} bytes of audio but {available} "
            "follow it (the recorder did not finish the file); all of them were read. "
            "Check the transcript against the recording."
        )
    return available


def _is_chunk_header(f: BinaryIO, offset: int, file_size: int) -> bool:
    """Whether the bytes at `offset` look like a RIFF chunk's id and size, not like samples."""
    f.seek(offset)
    header = f.read(8)
    if len(header) < 8:
        return False
    chunk_id, size = header[0:4], struct.unpack("<I", header[4:8])[0]
    is_ascii = all(0x20 <= b <= 0x7E for b in chunk_id) and chunk_id[0] != 0x20
    return is_ascii and offset + 8 + size <= file_size


def _parse_fmt(body: bytes, path: Path) -> tuple[int, int, int, int, SampleFormat]:
    if len(body) < 16:
        raise AudioFileError(f"{path} is damaged: its format chunk is too short. {_CONVERT_HINT}")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise AudioFileError(
                f"{path} is damaged: its extensible format chunk is too short. {_CONVERT_HINT}"
            )
        # The sub-format GUID starts with the plain format tag (PCM or IEEE float).
        tag = struct.unpack("<H", body[24:26])[0]
    if channels < 1 or rate < 1:
        raise AudioFileError(
            f"{path} is damaged: it claims {channels} channels at {rate} Hz. {_CONVERT_HINT}"
        )
    sample_format = _sample_format(tag, bits, path)
    if block_align != channels * sample_format.sample_bytes:
        raise AudioFileError(
            f"{path} is damaged: its frame size ({block_align} bytes) does not match "
            f"{channels} channels of {bits}-bit samples. {_CONVERT_HINT}"
        )
    return channels, rate, block_align, bits, sample_format


def _sample_format(tag: int, bits: int, path: Path) -> SampleFormat:
    if tag == WAVE_FORMAT_PCM:
        formats = {
            8: SampleFormat.UINT8,
            16: SampleFormat.INT16,
            24: SampleFormat.INT24,
            32: SampleFormat.INT32,
        }
    elif tag == WAVE_FORMAT_IEEE_FLOAT:
        formats = {32: SampleFormat.FLOAT32, 64: SampleFormat.FLOAT64}
    else:
        raise AudioFileError(
            f"{path} uses a compressed or unusual WAV encoding (format 0x{tag:04x}), "
            f"which this app cannot read. {_CONVERT_HINT}"
        )
    if bits not in formats:
        raise AudioFileError(
            f"{path} has {bits}-bit samples, which this app cannot read. {_CONVERT_HINT}"
        )
    return formats[bits]


def decode_frames(
    raw: bytes, sample_format: SampleFormat, channels: int
) -> npt.NDArray[np.float32]:
    """Decode whole frames of little-endian samples to float32 `(frames, channels)` in -1..1."""
    frame_bytes = sample_format.sample_bytes * channels
    usable = len(raw) - len(raw) % frame_bytes
    buf = raw[:usable]
    samples: npt.NDArray[np.float32]
    if sample_format is SampleFormat.UINT8:
        u8 = np.frombuffer(buf, dtype=np.uint8)
        samples = ((u8.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    elif sample_format is SampleFormat.INT16:
        samples = (np.frombuffer(buf, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)
    elif sample_format is SampleFormat.INT24:
        b = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        # Place the three bytes in the top of an int32, so the arithmetic shift sign-extends.
        value = (b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)
        samples = ((value >> 8).astype(np.float32) / 8388608.0).astype(np.float32)
    elif sample_format is SampleFormat.INT32:
        samples = (np.frombuffer(buf, dtype="<i4").astype(np.float64) / 2147483648.0).astype(
            np.float32
        )
    elif sample_format is SampleFormat.FLOAT32:
        samples = np.frombuffer(buf, dtype="<f4").astype(np.float32)
    else:
        samples = np.frombuffer(buf, dtype="<f8").astype(np.float32)
    return samples.reshape(-1, channels)


class WavReader:
    """Reads a WAV file's frames block by block, so an hour-long file never sits in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.info = read_wav_info(path)
        try:
            self._file: BinaryIO = path.open("rb")
            self._file.seek(self.info.data_offset)
        except OSError as exc:
            raise AudioFileError(
                f"The recording {path} could not be opened again for reading ({exc}). "
                "Check that it was not moved or deleted."
            ) from exc
        self._frames_left = self.info.frames

    def read(self, max_frames: int) -> npt.NDArray[np.float32]:
        """Up to `max_frames` frames as float32 `(frames, channels)`; empty at the end.

        Raises:
            AudioFileError: the file shrank or failed while being read.
        """
        frames = min(max_frames, self._frames_left)
        if frames <= 0:
            return np.zeros((0, self.info.channels), dtype=np.float32)
        wanted = frames * self.info.block_align
        try:
            raw = self._file.read(wanted)
        except OSError as exc:
            raise AudioFileError(
                f"Reading the recording {self.path} failed ({exc}). Check the disk and try again."
            ) from exc
        if len(raw) < wanted:
            raise AudioFileError(
                f"The recording {self.path} ended early while being read; it may have been "
                "changed or cut short. Copy it again and retry."
            )
        self._frames_left -= frames
        return decode_frames(raw, self.info.sample_format, self.info.channels)

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
