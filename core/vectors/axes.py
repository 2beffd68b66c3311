"""Semantic axes: a direction such as *he - she* or *rich - poor*, words placed and ranked along it,
and the same direction projected out of the vectors.

An axis is built from one or more word pairs; each pair's difference of unit vectors points from the
second pole to the first, and their mean, normalised, is the axis (averaging several pairs, *he-she*,
*man-woman*, *king-queen*, cancels what any one pair says besides the contrast). A word's place on
the axis is the cosine of its vector with that direction (SemAxis, An et al. 2018): positive towards
the first poles, negative towards the second. A pole may be a formula (``king - man``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import StudioError
from .model import Model


@dataclass(frozen=True)
class Axis:
    pairs: tuple[tuple[str, str], ...]
    direction: np.ndarray  # unit vector, float32

    @property
    def label(self) -> str:
        """``he, man <-> she, woman``: the first poles on the right of a map, the second on the left."""
        return f"{', '.join(b for _, b in self.pairs)} \u2190 \u2192 {', '.join(a for a, _ in self.pairs)}"

    @property
    def name(self) -> str:
        return ", ".join(f"{a}-{b}" for a, b in self.pairs)


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``"he-she, man-woman"`` or ``"he:she; man:woman"`` -> [("he", "she"), ("man", "woman")].

    Pairs are separated by commas or semicolons; the two poles of a pair by ``:``, by `` vs ``, or by a
    single ``-`` (``:`` keeps formulas such as ``king - man : queen - woman`` readable).
    """
    pairs = []
    for chunk in text.replace(";", ",").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        for separator in (":", " vs ", "-"):
            if separator in chunk:
                left, _, right = chunk.partition(separator)
                if separator == "-" and "-" in right:
                    raise StudioError(f"cannot read the pair '{chunk}': write the poles as a:b when they hold a '-'")
                break
        else:
            raise StudioError(f"cannot read the pair '{chunk}': write it as word-word, e.g. he-she")
        left, right = left.strip(), right.strip()
        if not left or not right:
            raise StudioError(f"the pair '{chunk}' needs a word on each side")
        pairs.append((left, right))
    if not pairs:
        raise StudioError("an axis needs at least one word pair, e.g. he-she, man-woman")
    return pairs


def semantic_axis(model: Model, pairs: Sequence[tuple[str, str]] | str) -> Axis:
    """The axis of ``pairs``: the normalised mean of unit(first) - unit(second) over the pairs."""
    if isinstance(pairs, str):
        pairs = parse_pairs(pairs)
    pairs = tuple((str(a), str(b)) for a, b in pairs)
    if not pairs:
        raise StudioError("an axis needs at least one word pair")
    differences = np.array([model.query_vector(a)[0] - model.query_vector(b)[0] for a, b in pairs],
                           dtype=np.float64)
    mean = differences.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if not norm > 1e-9:
        raise StudioError(f"the pairs {', '.join(f'{a}-{b}' for a, b in pairs)} cancel out: "
                          "the axis has no direction")
    return Axis(pairs, (mean / norm).astype(np.float32))


def positions(model: Model, axis: Axis, rows: np.ndarray | None = None) -> np.ndarray:
    """Each word's cosine with the axis (all words, or ``rows``): float32 in [-1, 1]."""
    unit = model.unit_vectors if rows is None else model.unit_vectors[np.asarray(rows)]
    return unit @ axis.direction


def rank_along(model: Model, axis: Axis, topn: int = 20, restrict_vocab: int | None = None
               ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The ``topn`` words furthest towards each end: (first poles' end, second poles' end).

    Only the ``restrict_vocab`` most frequent words compete (rare words' vectors are noisy and crowd
    the ends); the words that define the axis are left out.
    """
    n = len(model) if restrict_vocab is None else max(1, min(int(restrict_vocab), len(model)))
    scores = positions(model, axis, np.arange(n)).astype(np.float64)
    exclude = [i for i in (model.vocab.index.get(w) for pair in axis.pairs for w in pair) if i is not None and i < n]
    keep = np.ones(n, dtype=bool)
    keep[exclude] = False
    rows = np.flatnonzero(keep)
    order = rows[np.argsort(-scores[rows], kind="stable")]
    topn = max(0, min(int(topn), len(order)))
    words = model.words
    high = [(words[i], float(scores[i])) for i in order[:topn]]
    low = [(words[i], float(scores[i])) for i in order[::-1][:topn]]
    return high, low


def axis_map(model: Model, x: Axis, y: Axis, words: Sequence[str]) -> np.ndarray:
    """(n, 2) float32: each word's place on ``x`` and on ``y``."""
    rows = np.array([model.index(w) for w in words], dtype=np.int64)
    return np.column_stack([positions(model, x, rows), positions(model, y, rows)]).astype(np.float32)


def remove_direction(model: Model, direction: Axis | np.ndarray) -> Model:
    """A copy of ``model`` whose vectors have ``direction`` projected out: v - (v . d) d.

    Afterwards every word sits at 0 on that axis (Bolukbasi et al. 2016's "neutralise", applied to all
    words). The output table, settings and history are kept; the training state is not (this is a
    different model now, not one to resume).
    """
    d = direction.direction if isinstance(direction, Axis) else np.asarray(direction, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64).reshape(-1)
    if d.shape[0] != model.dim:
        raise StudioError(f"the direction has {d.shape[0]} values; the model has {model.dim} dimensions")
    norm = float(np.linalg.norm(d))
    if not norm > 0:
        raise StudioError("the direction is zero")
    d = d / norm
    vectors = model.vectors.astype(np.float64)
    projected = (vectors - np.outer(vectors @ d, d)).astype(np.float32)
    return Model(model.vocab, projected, model.output, model.config, model.loss_history)
