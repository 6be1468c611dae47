"""Silero voice activity detection, streamed window by window.

Uses the Silero v6 ONNX model that faster-whisper ships, so no extra download is needed.
One `VadModel` (an onnxruntime session, which is safe to share) serves every connection;
each connection owns a `StreamingVad` holding the recurrent state and the last samples,
so its probabilities are the same as if the whole stream had been scored at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime

from therapy_notes.errors import ModelError

WINDOW_SAMPLES = 512
"""Samples per VAD window at 16 kHz (32 ms)."""
_CONTEXT_SAMPLES = 64
_STATE_SHAPE = (1, 1, 128)


def bundled_vad_path() -> Path:
    """The Silero ONNX file inside the installed faster-whisper package."""
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / "silero_vad_v6.onnx"


class VadModel:
    """A loaded Silero session, shared by all connections."""

    def __init__(self, session: onnxruntime.InferenceSession) -> None:
        self._session = session

    @classmethod
    def load(cls, path: Path | None = None) -> VadModel:
        """Load the Silero ONNX model (the one bundled with faster-whisper by default).

        Raises:
            ModelError: the file is missing or not a model onnxruntime can run.
        """
        path = path or bundled_vad_path()
        options = onnxruntime.SessionOptions()
        # One thread: a 32 ms window takes well under a millisecond, and more threads
        # would only compete with the recogniser for the same cores.
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 4
        try:
            session = onnxruntime.InferenceSession(
                str(path), providers=["CPUExecutionProvider"], sess_options=options
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(
                f"The voice activity model {path} could not be loaded ({exc}). Reinstall "
                "Therapy Notes."
            ) from exc
        return cls(session)

    def run(
        self, windows: np.ndarray, h: np.ndarray, c: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Score a batch of context-prefixed windows; returns (probs, h, c)."""
        probs, h_out, c_out = self._session.run(None, {"input": windows, "h": h, "c": c})
        return (
            np.asarray(probs, dtype=np.float32).reshape(-1),
            np.asarray(h_out, dtype=np.float32),
            np.asarray(c_out, dtype=np.float32),
        )


class StreamingVad:
    """Speech probabilities for one stream of 16 kHz audio fed in pieces of any size."""

    def __init__(self, model: VadModel) -> None:
        self._model = model
        self._pending = np.zeros(0, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget the recurrent state and any partial window (a new, unrelated stream)."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(_CONTEXT_SAMPLES, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self.windows_done = 0

    def push(self, audio_16k: np.ndarray) -> np.ndarray:
        """Add audio; returns one probability per newly completed 512-sample window."""
        audio = np.concatenate([self._pending, np.asarray(audio_16k, dtype=np.float32)])
        count = audio.shape[0] // WINDOW_SAMPLES
        self._pending = audio[count * WINDOW_SAMPLES :]
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        windows = audio[: count * WINDOW_SAMPLES].reshape(count, WINDOW_SAMPLES)
        contexts = np.empty((count, _CONTEXT_SAMPLES), dtype=np.float32)
        contexts[0] = self._context
        contexts[1:] = windows[:-1, -_CONTEXT_SAMPLES:]
        batch = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1))
        probs, self._h, self._c = self._model.run(batch, self._h, self._c)
        self._context = windows[-1, -_CONTEXT_SAMPLES:].copy()
        self.windows_done += count
        return probs
