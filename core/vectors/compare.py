"""Comparing two models: a word's neighbours side by side and their overlap, and the two models
aligned onto each other (orthogonal Procrustes) with the words ranked by how far they moved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import StudioError
from .model import Model


@dataclass(frozen=True)
class NeighbourComparison:
    word: str
    left: list[tuple[str, float]]
    right: list[tuple[str, float]]
    overlap: float  # |left ∩ right| / list length: 1.0 when both models agree on the whole list

    @property
    def shared(self) -> set[str]:
        return {w for w, _ in self.left} & {w for w, _ in self.right}


def compare_neighbours(left: Model, right: Model, word: str, topn: int = 10) -> NeighbourComparison:
    """The ``topn`` neighbours of ``word`` in each model and their overlap ("overlap at topn")."""
    a = left.most_similar(word, topn=topn)
    b = right.most_similar(word, topn=topn)
    shared = {w for w, _ in a} & {w for w, _ in b}
    length = min(len(a), len(b))
    return NeighbourComparison(word, a, b, len(shared) / length if length else 0.0)


def mean_overlap(left: Model, right: Model, words: Sequence[str] | None = None, topn: int = 10,
                 limit: int = 1000) -> float:
    """Mean overlap at ``topn`` over ``words`` (default: the ``limit`` most frequent words both know)."""
    if words is None:
        words = [w for w in left.words[:limit] if w in right]
    words = list(words)
    if not words:
        raise StudioError("the two models share none of the words to compare")
    return sum(compare_neighbours(left, right, w, topn).overlap for w in words) / len(words)


# --- aligned comparison ------------------------------------------------------------------------------
#
# Two trainings of word2vec (two corpora, two seeds, two epochs of one run, a model and imported
# vectors) agree at best up to a rotation of the whole space: distances between them mean nothing
# until one is rotated onto the other. HistWords (Hamilton et al. 2016) does this with orthogonal
# Procrustes over the shared words; so does this module, weighting each word by log(1 + its count),
# so that frequent words (whose vectors are well estimated) decide the rotation and a few rare words
# cannot pull it. The comparison works on any two Model objects, whatever made them.

DEFAULT_TOP = 10_000


def procrustes_rotation(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The orthogonal ``R`` (``a.shape[1]`` x ``b.shape[1]``) minimising ``sum_i w_i |a_i R - b_i|^2``.

    The SVD of ``a^T W b = U S V^T`` gives ``R = U V^T`` (Schönemann 1966). With different widths ``R``
    is a partial isometry: a model of 32 dimensions is laid into a space of 100 without stretching.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if weights is not None:
        a = a * np.asarray(weights, dtype=np.float64)[:, None]
    u, _, vt = np.linalg.svd(a.T @ b, full_matrices=False)
    return u @ vt


@dataclass(frozen=True)
class Alignment:
    """Two models' shared words, the left one's unit vectors rotated onto the right's, and what moved."""

    words: list[str]  # the shared words compared, most frequent first
    left: np.ndarray  # (n, d) unit vectors of the left model, rotated onto the right one
    right: np.ndarray  # (n, d) unit vectors of the right model
    rotation: np.ndarray
    movement: np.ndarray  # (n,) cosine distance between a word's two aligned vectors: 0 = unmoved, up to 2
    neighbour_change: np.ndarray  # (n,) 1 - Jaccard of its top-k neighbours (among the shared words) in each
    counts: np.ndarray  # (n,) the count used for weighting (0 where neither model knows counts)
    topn: int

    def ranking(self, by: str = "movement") -> np.ndarray:
        """Row indices, most changed first, by ``movement`` or ``neighbours``."""
        key = self.movement if by == "movement" else self.neighbour_change
        return np.argsort(-key, kind="stable")

    def movers(self, n: int = 20, by: str = "movement") -> list[dict]:
        rows = self.ranking(by)[:max(0, int(n))]
        return [{"word": self.words[i], "movement": float(self.movement[i]),
                 "neighbour_change": float(self.neighbour_change[i]), "count": int(self.counts[i])} for i in rows]

    @property
    def mean_movement(self) -> float:
        return float(self.movement.mean())


def shared_words(left: Model, right: Model, top: int | None = DEFAULT_TOP) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The words both models hold (exact spelling), most frequent first, at most ``top`` of them.

    Returns the words, their rows in each model, and their counts (the smaller of the two where both
    models know counts; imported vectors know none, and then the file's order, by convention most
    frequent first, decides).
    """
    right_index = right.vocab.index
    mine = np.array([i for i, w in enumerate(left.words) if w in right_index], dtype=np.int64)
    if len(mine) < 2:
        raise StudioError(f"the two models share {len(mine)} word(s); comparing them needs at least 2")
    theirs = np.array([right_index[left.words[i]] for i in mine], dtype=np.int64)
    lc, rc = left.counts[mine].astype(np.int64), right.counts[theirs].astype(np.int64)
    counts = np.where((lc > 0) & (rc > 0), np.minimum(lc, rc), np.maximum(lc, rc))
    order = np.argsort(-counts, kind="stable") if counts.any() else np.argsort(np.minimum(mine, theirs), kind="stable")
    if top is not None:
        if top < 2:
            raise StudioError(f"aligning needs at least 2 shared words, got top={top}")
        order = order[:top]
    words = [left.words[i] for i in mine[order]]
    return words, mine[order], theirs[order], counts[order]


def align_models(left: Model, right: Model, top: int | None = DEFAULT_TOP, topn: int = 10,
                 weighted: bool = True) -> Alignment:
    """Rotate ``left`` onto ``right`` over their shared words, and measure how far each word moved.

    Movement is the cosine distance between a word's aligned vectors; neighbour change is one minus
    the Jaccard overlap of its ``topn`` nearest shared words in each model (rotation-free: it needs no
    alignment, and says whether a word changed company rather than place). A model compared with a
    rotated copy of itself moves by ~0 and changes no neighbours.
    """
    words, mine, theirs, counts = shared_words(left, right, top)
    a = left.unit_vectors[mine].astype(np.float64)
    b = right.unit_vectors[theirs].astype(np.float64)
    weights = np.log1p(counts.astype(np.float64)) if weighted and counts.any() else None
    rotation = procrustes_rotation(a, b, weights)
    rotated = a @ rotation
    norms = np.linalg.norm(rotated, axis=1)
    norms[norms == 0] = 1.0
    movement = 1.0 - np.einsum("ij,ij->i", rotated, b) / norms
    change = 1.0 - neighbour_jaccard(a, b, topn)
    return Alignment(words, rotated.astype(np.float32), b.astype(np.float32), rotation, movement.clip(0, 2),
                     change, counts, topn)


def top_neighbours(unit: np.ndarray, topn: int, block: int = 2048) -> np.ndarray:
    """(n, topn) rows of each row's ``topn`` nearest other rows by cosine, in blocks to bound memory."""
    unit = np.asarray(unit, dtype=np.float32)
    n = len(unit)
    k = max(0, min(int(topn), n - 1))
    result = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, block):
        scores = unit[start:start + block] @ unit.T
        rows = np.arange(start, min(start + block, n))
        scores[rows - start, rows] = -np.inf
        # the k largest, without negating a copy of the block first (that doubled the time measured here)
        part = np.argpartition(scores, n - k, axis=1)[:, n - k:] if k else np.empty((len(rows), 0), dtype=np.int64)
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
        result[start:start + block] = np.take_along_axis(part, order, axis=1)
    return result


def neighbour_jaccard(a: np.ndarray, b: np.ndarray, topn: int) -> np.ndarray:
    """Per row, the Jaccard overlap of its ``topn`` nearest rows in ``a`` and in ``b`` (same row order)."""
    return jaccard_rows(top_neighbours(a, topn), top_neighbours(b, topn))


def jaccard_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row by row, |x_i ∩ y_i| / |x_i ∪ y_i| of two (n, k) integer tables of distinct ids per row."""
    k = x.shape[1]
    if k == 0:
        return np.ones(len(x))
    shared = (x[:, :, None] == y[:, None, :]).any(axis=2).sum(axis=1)
    return shared / (2 * k - shared)
