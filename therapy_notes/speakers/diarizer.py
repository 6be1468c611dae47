"""Two-speaker online diarization of one session: which turn belongs to which voice.

Each turn (one VAD turn of 24 kHz PCM16, as the engines hand them over) is embedded by the
`SpeakerEncoder` and given a cluster at once: the first voiced turn founds cluster 0, the
first turn clearly unlike it founds cluster 1, and every later turn joins the nearer of the
two running-mean centroids. Because early decisions rest on little evidence, `settled()`
re-clusters every turn so far (two-means on the unit sphere) and may relabel old turns;
that is how labels settle as the session goes on. Cluster 0 is always the first voiced
turn's speaker. An optional enrolled voice print says which cluster is the clinician.

Thresholds, on cosine similarity between unit d-vectors. They were chosen on the DEV
utterances of the test fixtures (espeak-ng voices; the held-out TEST utterances were never
used) and from what d-vectors of real voices look like, where same-speaker similarity of
whole turns is usually 0.6-0.9 and different speakers 0.1-0.5:

- `NEW_SPEAKER_BELOW = 0.6`: on DEV, turns of one voice were 0.79-0.84 alike and of two
  voices 0.26-0.44; 0.6 is about the midpoint, and a wrong early split costs little because
  `settled()` merges or moves turns later.
- `SAME_VOICE_ABOVE = 0.75`: when settling, two centroids this alike are one voice split
  too early (a dictation, or a first turn in an unusual tone) and are folded into one. A
  centroid averages several turns, so one voice's halves are more alike than its single
  turns (0.84-0.88 on DEV); two voices' centroids were 0.33-0.41 alike.
- `CLEAR_MARGIN = 0.15`: a short turn (0.3-0.6 s of speech) or the enrolled voice is
  given a cluster only if it is at least this much nearer one centroid than the other and
  at least `NEW_SPEAKER_BELOW` alike. On DEV, 0.35-0.55 s pieces were 0.19-0.51 nearer
  their own voice's enrollment than the other's; 0.15 leaves room for real voices, which
  are less distinct than these.

Thread safety: the app calls one diarizer from a worker thread (`asyncio.to_thread`), one
call at a time; a lock makes overlapping calls wait rather than corrupt the state (turns
that overlap are then numbered in the order their embeddings finish). The encoder may be
shared between diarizers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from therapy_notes.speakers.encoder import EMBEDDING_DIM, SpeakerEncoder, speech_seconds

logger = logging.getLogger(__name__)

NEW_SPEAKER_BELOW = 0.6
SAME_VOICE_ABOVE = 0.75
CLEAR_MARGIN = 0.15
SHORT_TURN_MIN_SPEECH_S = 0.3
"""Below this a turn gets no cluster at all; from here to 0.6 s only a clear best guess."""
_MAX_ITERATIONS = 20

FloatArray = npt.NDArray[np.float32]


@dataclass(slots=True)
class _Turn:
    embedding: FloatArray | None
    """A full turn's d-vector (0.6 s of speech or more); it moves the centroids."""
    guess: FloatArray | None
    """A short turn's d-vector: labelled only when clearly nearer one centroid."""


def _unit(vector: npt.NDArray[np.floating]) -> FloatArray:
    return np.asarray(vector / (np.linalg.norm(vector) + 1e-12), dtype=np.float32)


def _two_means(points: FloatArray, seeds: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Spherical k-means with k = 2 from `seeds` (2, 256); returns labels and centroids."""
    centroids = seeds.copy()
    labels = np.argmax(points @ centroids.T, axis=1)
    for _ in range(_MAX_ITERATIONS):
        for k in (0, 1):
            members = points[labels == k]
            if members.shape[0]:
                centroids[k] = _unit(members.sum(axis=0))
        new_labels = np.argmax(points @ centroids.T, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return labels, centroids


def _cohesion(points: FloatArray, labels: npt.NDArray[np.intp], centroids: FloatArray) -> float:
    """Sum of each point's similarity to its own centroid: higher is a tighter split."""
    return float(np.sum(np.einsum("ij,ij->i", points, centroids[labels])))


class OnlineDiarizer:
    """Who spoke each turn of ONE session with two speakers: cluster 0 or 1.

    Cluster 0 is whoever spoke the first voiced turn. Turns with too little speech get None.
    Not tied to an engine: it hears the same audio the link sends.
    """

    def __init__(
        self,
        encoder: SpeakerEncoder,
        clinician_voice: bytes | None = None,
        *,
        new_speaker_below: float = NEW_SPEAKER_BELOW,
        clear_margin: float = CLEAR_MARGIN,
        same_voice_above: float = SAME_VOICE_ABOVE,
    ) -> None:
        """Start an empty session.

        Args:
            encoder: the loaded speaker encoder (may be shared).
            clinician_voice: the clinician's stored `voice_print`, if they enrolled.
            new_speaker_below: a turn less alike than this to cluster 0 founds cluster 1.
            clear_margin: how much nearer one cluster a short turn or the enrolled voice
                must be to be given it.
            same_voice_above: when settling, centroids this alike are folded into one.

        Raises:
            ValueError: `clinician_voice` is not a voice print made by `voice_print`.
        """
        self._encoder = encoder
        self._new_speaker_below = new_speaker_below
        self._clear_margin = clear_margin
        self._same_voice_above = same_voice_above
        self._clinician = None if clinician_voice is None else _voice_from_bytes(clinician_voice)
        self._turns: list[_Turn] = []
        self._sums: list[npt.NDArray[np.float64]] = []
        self._counts: list[int] = []
        self._settled_at = -1
        self._settled: list[int | None] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public API

    def assign(self, pcm16_24k: bytes) -> int | None:
        """Embed one turn and give it a cluster now (later `settled()` may revise it).

        Args:
            pcm16_24k: the whole turn, PCM16 LE mono at 24 kHz.

        Returns:
            0 or 1, or None when the turn holds too little speech to tell.
        """
        embedding = self._encoder.embed(pcm16_24k)
        guess = None
        if embedding is None:
            guess = self._encoder.embed(pcm16_24k, min_speech_s=SHORT_TURN_MIN_SPEECH_S)
        with self._lock:
            self._turns.append(_Turn(embedding, guess))
            if embedding is None:
                return None if guess is None else self._clear_choice(guess)
            return self._assign_online(embedding)

    def voices(self, pieces: Sequence[bytes]) -> list[int | None]:
        """Which voice each consecutive piece of ONE turn is, without adding them as turns.

        For the sentences of a turn: quick replies run together into one turn, and a piece
        that is clearly another voice marks where to split it. With both voices known each
        piece is matched to them; before that, pieces are compared with the first voice
        (or with the turn's own first piece), so even the opening turn can be split.
        0 is the first voice, 1 the other; None where a piece is too short or unclear.
        """
        embeddings = [self._encoder.embed(piece) for piece in pieces]
        with self._lock:
            if len(self._sums) == 2:
                return [None if e is None else self._clear_choice(e) for e in embeddings]
            known = [e for e in embeddings if e is not None]
            if not known:
                return [None] * len(pieces)
            reference = self._centroids()[0] if self._sums else known[0]
            out: list[int | None] = []
            for e in embeddings:
                if e is None:
                    out.append(None)
                    continue
                similarity = float(reference @ e)
                if similarity >= self._new_speaker_below:
                    out.append(0)
                elif similarity < self._new_speaker_below - self._clear_margin:
                    out.append(1)
                else:
                    out.append(None)
            return out

    def settled(self) -> list[int | None]:
        """The current best cluster of every turn assigned so far, in order.

        Re-clusters all turns, so an early mistake (a split founded too soon, a turn that
        went to the wrong side before the other voice had enough evidence) is mended once
        the session holds more speech. The centroids that later turns join are refreshed.
        """
        with self._lock:
            return list(self._settle())

    def clinician_cluster(self) -> int | None:
        """Which cluster is the enrolled clinician; None without enrollment or when unclear."""
        with self._lock:
            if self._clinician is None:
                return None
            self._settle()
            return self._clear_choice(self._clinician)

    def voice_print(self, pcm16_24k: bytes) -> bytes | None:
        """A clinician's enrollment recording -> their voice print, or None if too short.

        The print is 256 float32 numbers (1 KiB), to be stored encrypted and passed back as
        `clinician_voice`. It is a summary of a voice, not audio, but still personal data.

        Args:
            pcm16_24k: the enrollment recording, PCM16 LE mono at 24 kHz; a few seconds.
        """
        embedding = self._encoder.embed(pcm16_24k)
        return None if embedding is None else embedding.astype("<f4").tobytes()

    def enrollment(self, pcm16_24k: bytes) -> tuple[bytes, float] | None:
        """The voice print of an enrollment recording and how many seconds of it were speech.

        None when the recording holds too little speech for any print; how much is enough
        for a reliable one is the caller's rule (it tells the user what to do).
        """
        seconds = speech_seconds(pcm16_24k)
        voice = self.voice_print(pcm16_24k)
        return None if voice is None else (voice, seconds)

    # ------------------------------------------------------------------ internals

    def _centroids(self) -> FloatArray:
        return np.stack([_unit(total) for total in self._sums])

    def _add(self, cluster: int, embedding: FloatArray) -> None:
        if cluster == len(self._sums):
            self._sums.append(np.zeros(EMBEDDING_DIM))
            self._counts.append(0)
        self._sums[cluster] += embedding
        self._counts[cluster] += 1

    def _assign_online(self, embedding: FloatArray) -> int:
        if not self._sums:
            cluster = 0
        else:
            similarities = self._centroids() @ embedding
            if len(self._sums) == 1:
                cluster = 0 if similarities[0] >= self._new_speaker_below else 1
            else:
                cluster = int(np.argmax(similarities))
        if cluster == len(self._sums):
            logger.debug("second speaker founded at turn %d", len(self._turns) - 1)
        self._add(cluster, embedding)
        return cluster

    def _clear_choice(self, embedding: FloatArray) -> int | None:
        """The cluster `embedding` clearly belongs to, or None."""
        if not self._sums:
            return None
        similarities = self._centroids() @ embedding
        best = int(np.argmax(similarities))
        if similarities[best] < self._new_speaker_below:
            return None
        if len(similarities) == 2 and similarities[best] - similarities[1 - best] < (
            self._clear_margin
        ):
            return None
        return best

    def _settle(self) -> list[int | None]:
        if self._settled_at == len(self._turns):
            return self._settled
        full = [i for i, turn in enumerate(self._turns) if turn.embedding is not None]
        labels: dict[int, int] = dict.fromkeys(full, 0)
        if len(self._sums) == 2 and len(full) >= 2:
            points = np.stack([e for i in full if (e := self._turns[i].embedding) is not None])
            labels = self._recluster(full, points)
        self._settled = [
            labels[i] if i in labels else (None if t.guess is None else self._clear_choice(t.guess))
            for i, t in enumerate(self._turns)
        ]
        self._settled_at = len(self._turns)
        return self._settled

    def _recluster(self, full: list[int], points: FloatArray) -> dict[int, int]:
        """Two-means from the online centroids and from the farthest pair; keep the tighter.

        Refreshes the centroids (or folds them into one when both halves are one voice),
        renumbered so cluster 0 holds the first voiced turn.
        """
        farthest = int(np.argmin(points @ points[0]))
        candidates = [
            _two_means(points, self._centroids()),
            _two_means(points, np.stack([points[0], points[farthest]])),
        ]
        labels, centroids = max(candidates, key=lambda c: _cohesion(points, *c))
        if labels[0] == 1:
            labels, centroids = 1 - labels, centroids[::-1].copy()
        if not (labels == 1).any() or float(centroids[0] @ centroids[1]) >= (
            self._same_voice_above
        ):
            # One voice after all (e.g. a dictation): fold, so a real second voice can
            # still found cluster 1 later.
            self._sums = [points.sum(axis=0).astype(np.float64)]
            self._counts = [points.shape[0]]
            return dict.fromkeys(full, 0)
        self._sums = [points[labels == k].sum(axis=0).astype(np.float64) for k in (0, 1)]
        self._counts = [int((labels == k).sum()) for k in (0, 1)]
        return {turn: int(label) for turn, label in zip(full, labels, strict=True)}


def _voice_from_bytes(voice: bytes) -> FloatArray:
    if len(voice) != EMBEDDING_DIM * 4:
        raise ValueError(
            f"clinician_voice is {len(voice)} bytes; a voice print is {EMBEDDING_DIM * 4}"
        )
    vector = np.frombuffer(voice, dtype="<f4").astype(np.float32)
    if not np.isfinite(vector).all() or np.linalg.norm(vector) == 0:
        raise ValueError("clinician_voice is not a voice print")
    return _unit(vector)
