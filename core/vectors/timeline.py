"""The training timeline: cheap snapshots of a run, kept with the model, to scrub and to question later.

A snapshot is taken before the first batch, at 1/8, 1/4 and 1/2 of the first epoch (where most of the
movement happens) and at every epoch end. It holds

- the 2D map of the ``map_words`` most frequent words (PCA of their vectors, rotated onto the previous
  snapshot's map by orthogonal Procrustes, so scrubbing does not flip or spin), and
- the unit vectors of the ``tracked`` most frequent words, as int8 codes with one scale per word
  (cosines within about 0.01 of the float ones), from which any word's top-k neighbours among them at
  that snapshot are computed when asked.

Storing the vectors rather than the neighbour lists keeps a snapshot to about a millisecond of the
training thread (a top-10 over 2,000 x 2,000 cosines costs ~50 ms, which 24 snapshots would make 10%
of the article's job) and lets any k be asked afterwards. Sizes are bounded: ``tracked`` x dim is at
most :data:`TRACKED_BYTES` per snapshot, and a timeline keeps at most :data:`MAX_SNAPSHOTS` (a longer
run snapshots every few epochs instead of every one).
"""

from __future__ import annotations

import math
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..text.vocab import Vocab
from .compare import procrustes_rotation
from .model import Model

TRACKED_WORDS = 2000  # the most frequent words whose neighbours each snapshot can answer for
TRACKED_BYTES = 128 << 10  # ... fewer for wide vectors: tracked x dim int8 codes stay under this
MAP_WORDS = 1000  # words placed on each snapshot's 2D map (the app draws the first few hundred)
FIRST_EPOCH = (0.125, 0.25, 0.5)  # fractions of the first epoch with a snapshot of their own
MAX_SNAPSHOTS = 64


def tracked_words(n_words: int, dim: int) -> int:
    """How many of the most frequent words a snapshot keeps vectors for."""
    return int(min(n_words, TRACKED_WORDS, max(100, TRACKED_BYTES // max(dim, 1))))


@dataclass
class Timeline:
    """Snapshots of one model's training, oldest first (see the module's description)."""

    epochs: np.ndarray  # (S,) float64: epochs of training done when each was taken (fractional early on)
    losses: np.ndarray  # (S,) float64: mean loss since the previous snapshot (ln 2 before training)
    codes: np.ndarray  # (S, W, dim) int8: the tracked words' unit vectors / scale
    scales: np.ndarray  # (S, W) float32
    maps: np.ndarray  # (S, M, 2) float32: the map words' aligned 2D places
    _units: dict = field(default_factory=dict, repr=False, compare=False)  # snapshot -> unit vectors

    @classmethod
    def empty(cls, tracked: int, dim: int, map_words: int) -> "Timeline":
        return cls(np.zeros(0), np.zeros(0), np.zeros((0, tracked, dim), np.int8),
                   np.zeros((0, tracked), np.float32), np.zeros((0, map_words, 2), np.float32))

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def tracked(self) -> int:
        return self.codes.shape[1]

    @property
    def map_words(self) -> int:
        return self.maps.shape[1]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.epochs, self.losses, self.codes, self.scales, self.maps))

    def label(self, s: int) -> str:
        """"before training", "epoch 0.25", "epoch 3"."""
        epoch = float(self.epochs[s])
        if epoch == 0:
            return "before training"
        return f"epoch {epoch:.2f}" if epoch != int(epoch) else f"epoch {int(epoch)}"

    # -- taking snapshots
    def append(self, epoch: float, loss: float, vectors: np.ndarray) -> bool:
        """A snapshot of ``vectors`` (the model's input table, or at least its first rows); False, and
        nothing kept, if they hold NaN or infinity (a run blowing up: the trainer is about to say so)."""
        tracked, maps = self.tracked, self.map_words
        rows = np.array(vectors[:max(tracked, maps)], dtype=np.float64)  # one copy of the live rows
        if not np.isfinite(rows).all() or np.abs(rows).max(initial=0) > 1e150:
            return False
        unit = rows[:tracked] / np.maximum(np.linalg.norm(rows[:tracked], axis=1, keepdims=True), 1e-12)
        scale = np.maximum(np.abs(unit).max(axis=1), 1e-12) / 127.0
        codes = np.rint(unit / scale[:, None]).astype(np.int8)
        coords = _pca_2d(rows[:maps])
        if len(self):
            coords = _aligned(coords, self.maps[-1])
        self.epochs = np.append(self.epochs, float(epoch))
        self.losses = np.append(self.losses, float(loss))
        self.codes = np.concatenate([self.codes, codes[None]])
        self.scales = np.concatenate([self.scales, scale.astype(np.float32)[None]])
        self.maps = np.concatenate([self.maps, coords[None]])
        if len(self) > MAX_SNAPSHOTS:  # thin out: every other one of the middle, first and last kept
            keep = np.ones(len(self), dtype=bool)
            keep[1:-1:2] = False
            self._select(keep)
        return True

    def copy(self) -> "Timeline":
        """A copy that can grow apart from this one: snapshots replace the arrays and never change them,
        so the copy shares them; only the cache of unit vectors is its own."""
        return dataclasses.replace(self, _units={})

    def _select(self, keep: np.ndarray) -> None:
        self.epochs, self.losses = self.epochs[keep], self.losses[keep]
        self.codes, self.scales, self.maps = self.codes[keep], self.scales[keep], self.maps[keep]
        self._units.clear()

    def check(self) -> str | None:
        """What is inconsistent in the arrays (a damaged file), or None."""
        s = len(self.epochs)
        if not (self.losses.shape == (s,) and self.codes.shape[0] == s and self.scales.shape == self.codes.shape[:2]
                and self.maps.shape[0] == s and self.maps.shape[2:] == (2,)):
            return "its arrays disagree in size"
        if self.codes.dtype != np.int8:
            return "its vector codes are not int8"
        if not (np.isfinite(self.epochs).all() and np.isfinite(self.scales).all() and np.isfinite(self.maps).all()):
            return "it holds NaN or infinity"
        if (np.diff(self.epochs) < 0).any() or (self.epochs < 0).any() or (self.scales < 0).any():
            return "its epochs go backwards or its scales are negative"
        return None

    # -- asking
    def unit(self, s: int) -> np.ndarray:
        """The tracked words' unit vectors at snapshot ``s`` (float32, W x dim; cached)."""
        if s not in self._units:
            vectors = self.codes[s].astype(np.float32) * self.scales[s][:, None]
            self._units[s] = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            if len(self._units) > 8:
                self._units.pop(next(iter(self._units)))
        return self._units[s]

    def neighbours(self, s: int, word: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosines of the ``k`` tracked words nearest ``word`` (a row < tracked) at snapshot ``s``."""
        unit = self.unit(s)
        cosines = unit @ unit[word]
        cosines[word] = -np.inf
        k = min(k, len(cosines) - 1)
        top = np.argpartition(-cosines, k - 1)[:k] if k < len(cosines) else np.arange(len(cosines))
        top = top[np.argsort(-cosines[top], kind="stable")]
        return top, cosines[top]

    def as_model(self, s: int, vocab: Vocab) -> Model:
        """Snapshot ``s`` as a model of the tracked words (of ``vocab``, the run's), so the usual queries
        (most_similar, analogies) can answer from it while a run trains or a snapshot is shown."""
        tracked = Vocab(vocab.words[:self.tracked], vocab.counts[:self.tracked], {}, vocab.min_count)
        return Model(tracked, self.unit(s))

    def history(self, word: int, k: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
        """``word``'s neighbours at every snapshot, oldest first."""
        return [self.neighbours(s, word, k) for s in range(len(self))]

    def all_neighbours(self, s: int, k: int = 10, words: int | None = None) -> np.ndarray:
        """The top-``k`` rows of each of the first ``words`` tracked words at snapshot ``s`` ((words, k))."""
        unit = self.unit(s)
        words = self.tracked if words is None else min(words, self.tracked)
        out = np.empty((words, k), dtype=np.int64)
        for lo in range(0, words, 512):  # in blocks: a block's cosines, not all of them, in memory
            cosines = unit[lo:min(lo + 512, words)] @ unit.T
            cosines[np.arange(len(cosines)), np.arange(lo, lo + len(cosines))] = -np.inf
            # from the top: partitioning the negated block took twice as long (benchmarks/README.md, #16)
            out[lo:lo + len(cosines)] = np.argpartition(cosines, cosines.shape[1] - k, axis=1)[:, -k:]
        return out

    def movers(self, s: int, k: int = 10, words: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the tracked words by how much their top-``k`` changed from snapshot ``s - 1`` to ``s``
        (1 - Jaccard of the two sets; 1 = all new), most changed first, and those changes."""
        if not 1 <= s < len(self):
            raise IndexError(f"movers need a snapshot after the first; got {s} of {len(self)}")
        before, after = self.all_neighbours(s - 1, k, words), self.all_neighbours(s, k, words)
        shared = _row_overlap(before, after)
        change = 1.0 - shared / (2 * k - shared)
        order = np.argsort(-change, kind="stable")
        return order, change[order]


def _row_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many ids each row of ``a`` shares with the same row of ``b`` (rows hold distinct ids)."""
    n, k = a.shape
    both = np.sort(np.concatenate([a, b], axis=1), axis=1)
    return (both[:, 1:] == both[:, :-1]).sum(axis=1)


def _pca_2d(points: np.ndarray) -> np.ndarray:
    """First two principal components, scaled to unit RMS radius (as the live map: core.maps.projection)."""
    points = np.asarray(points, dtype=np.float64)
    centred = points - points.mean(axis=0)
    coords = np.zeros((len(points), 2))
    if len(points) >= 3 and points.shape[1] >= 2:
        _, vectors = np.linalg.eigh(centred.T @ centred)
        coords = centred @ vectors[:, ::-1][:, :2]
    spread = float(np.sqrt((coords ** 2).sum(axis=1).mean())) if len(coords) else 0.0
    return (coords / spread if spread > 0 and math.isfinite(spread) else coords).astype(np.float32)


def _aligned(coords: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``coords`` rotated/reflected onto ``previous`` (the same words, row for row)."""
    a, b = coords.astype(np.float64), previous.astype(np.float64)
    if not (np.any(a) and np.any(b)):
        return coords
    return (a @ procrustes_rotation(a, b)).astype(np.float32)


class TimelineRecorder:
    """Decides when a run takes its snapshots, and takes them; used by the trainer's watcher.

    ``epochs_before``: epochs the model had trained before this run (a continued run appends to its
    timeline); ``first_batch``: where the run starts in its schedule (a resumed run skips what it did).
    """

    def __init__(self, timeline: Timeline | None, n_words: int, dim: int, per_epoch: int, run_epochs: int,
                 epochs_before: int, first_batch: int):
        if timeline is None or timeline.codes.shape[1:] != (tracked_words(n_words, dim), dim):
            timeline = Timeline.empty(tracked_words(n_words, dim), dim, min(n_words, MAP_WORDS))
        self.timeline = timeline
        self.per_epoch = per_epoch
        # epochs of the model's life at batch 0 of this schedule
        self.base = epochs_before - first_batch // per_epoch
        every = max(1, math.ceil(run_epochs / (MAX_SNAPSHOTS - len(FIRST_EPOCH) - 1)))
        batches = [round(f * per_epoch) for f in FIRST_EPOCH] if self.base == 0 else []
        batches += [e * per_epoch for e in range(every, run_epochs + 1, every)]
        if run_epochs % every:
            batches.append(run_epochs * per_epoch)
        self.due = sorted(b for b in set(batches) if b > first_batch and b > 0)
        self.last = first_batch
        self.fresh = self.base == 0 and first_batch == 0 and len(timeline) == 0

    def start(self, vectors: np.ndarray) -> None:
        """Before the first batch of a model's first run: the untrained model (its loss is ln 2)."""
        if self.fresh:
            self.timeline.append(0.0, math.log(2), vectors)

    def next_due(self) -> int | None:
        return self.due[0] if self.due else None

    def take(self, batch: int, loss: float, vectors: np.ndarray) -> None:
        """The snapshot due at ``batch`` (all batches before it done)."""
        while self.due and self.due[0] <= batch:
            self.due.pop(0)
        self.timeline.append(self.base + batch / self.per_epoch, loss, vectors)
        self.last = batch
