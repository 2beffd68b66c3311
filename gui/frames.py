"""A frame of the embedding view: which words are drawn and where, as copies safe to hand across threads.

Frames are computed off the UI thread (in the training thread while training, in a background job
otherwise). Each new frame is aligned to the previous one on the words they share, so the picture
does not flip or spin between refreshes even when searched words join or leave the drawn set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import orthogonal_procrustes

from core.maps.projection import pca_2d


@dataclass(frozen=True)
class Frame:
    """Projected positions of some words of a model, at one moment of training."""

    ids: np.ndarray  # int64 rows of the vocabulary, in drawing order
    words: list[str]
    counts: np.ndarray  # int64
    coords: np.ndarray  # (n, 2) float32
    epoch: float = 0.0  # fractional epoch the frame was taken at
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def drawn_ids(n_words: int, top: int, extra_ids: list[int] | tuple[int, ...] = ()) -> np.ndarray:
    """The ``top`` most frequent rows (the vocabulary is sorted by count) plus any extra rows."""
    ids = list(range(min(top, n_words)))
    seen = set(ids)
    ids += [i for i in extra_ids if 0 <= i < n_words and i not in seen and not seen.add(i)]
    return np.asarray(ids, dtype=np.int64)


def compute_frame(vectors: np.ndarray, ids: np.ndarray, words: list[str], counts: np.ndarray,
                  previous: Frame | None = None, epoch: float = 0.0) -> Frame:
    """Copy the rows ``ids`` of ``vectors``, project them to 2D and align them to ``previous``."""
    ids = np.asarray(ids, dtype=np.int64)
    rows = vectors[ids]  # fancy indexing copies: the live table may keep changing
    coords = _unit_spread(pca_2d(rows))
    if previous is not None and len(previous):
        coords = align_on_shared(coords, ids, previous)
    return Frame(ids, [words[i] for i in ids], np.asarray(counts)[ids].copy(), coords, epoch)


def untrained_frame(vocab, dim: int, seed: int, top: int) -> Frame:
    """The map before any training, as the article's "before" figure: the most frequent words at their
    initial vectors (the same ones Train will start from, for this dimension and seed)."""
    from core.train.sgns import initial_rows

    count = min(top, len(vocab))
    frame = compute_frame(initial_rows(count, dim, seed), np.arange(count), vocab.words, vocab.counts)
    frame.extra["before"] = True
    return frame


def _unit_spread(coords: np.ndarray) -> np.ndarray:
    """Centre and scale to unit RMS radius: vectors grow a lot while training, the picture should not."""
    centred = coords - coords.mean(axis=0) if len(coords) else coords
    spread = float(np.sqrt((centred ** 2).sum(axis=1).mean())) if len(coords) else 0.0
    return (centred / spread).astype(np.float32) if spread > 0 and np.isfinite(spread) else centred


def align_on_shared(coords: np.ndarray, ids: np.ndarray, previous: Frame) -> np.ndarray:
    """Rotate/reflect ``coords`` about its centroid to best match ``previous`` on the rows both hold."""
    _, mine, theirs = np.intersect1d(ids, previous.ids, assume_unique=True, return_indices=True)
    if len(mine) < 3:
        return coords
    a = coords[mine].astype(np.float64)
    b = previous.coords[theirs].astype(np.float64)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return coords
    a_centre, b_centre = a.mean(axis=0), b.mean(axis=0)
    if not np.any(a - a_centre) or not np.any(b - b_centre):
        return coords
    rotation, _ = orthogonal_procrustes(a - a_centre, b - b_centre)
    return ((coords - a_centre) @ rotation + b_centre).astype(np.float32)
