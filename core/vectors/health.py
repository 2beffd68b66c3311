"""Collapsed vectors: a model whose words all point nearly the same way, said out loud.

SGNS pulls every word at first towards one shared direction and only later spreads them apart; a run
too short for its corpus stops in between. The loss looks ordinary, yet every cosine is near 1 and the
neighbours are noise: 60,000 tokens of a novel at dim 100, window 5, 5 epochs give a mean cosine of
0.98 among the most frequent words, and 99% of them have a neighbour above 0.99. Measured on the five
Dostoevsky books (1M tokens), slices of one of them and generated corpora, dims 2-300: trained models
measure 0.15-0.57 (0.66 at dim 2), runs stopped too early 0.74-0.85 (the books at 1 epoch: 0.85, and
their top-10 neighbours share 0.12 with a 5-epoch run's where two 5-epoch seeds share 0.49), collapsed
ones 0.88-0.999. Hence the threshold 0.7. The nearest-neighbour cosine was measured too and not used:
the demo corpus's planted synonyms, and any model of a few dimensions, put most words' nearest
neighbour above 0.99 when healthy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import Model

#: Above this mean cosine among the most frequent words a model counts as collapsed (see the docstring).
COLLAPSED_MEAN_COSINE = 0.7
#: How many of the most frequent words are measured: the ones people query, and enough for a steady mean.
MEASURED_WORDS = 2000


@dataclass(frozen=True)
class Collapse:
    """A collapsed model: its mean cosine among its ``words`` most frequent words."""

    mean_cosine: float
    words: int

    def message(self) -> str:
        """One line: what it means and what to try, most effective first (more epochs moved a collapsed
        60,000-token model from 0.98 to 0.32 at 20 epochs; 3x the text to 0.76; dim 32 only to 0.96;
        a lower min_count not at all, so it is not suggested)."""
        return (f"collapsed vectors: the {self.words:,} most frequent words point nearly the same way "
                f"(mean cosine {_down(self.mean_cosine)}; trained models measure 0.2-0.5), so every word looks "
                f"close to every other and neighbours mean little; try more epochs first, then more text "
                f"or fewer dimensions")

    def __str__(self) -> str:
        return self.message()


def _down(value: float) -> str:
    """Two decimals rounded down, so that 0.9992 reads 0.99, never a perfect 1.00 it is not."""
    return f"{math.floor(value * 100) / 100:.2f}"


def mean_cosine(vectors: np.ndarray) -> float:
    """The mean cosine over every pair of distinct rows (zero rows left out), exactly and without the
    n x n table: the squared length of the unit rows' sum is n plus twice the sum over pairs (2 ms for
    2,000 rows of 300 dims)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    kept = norms > 0
    n = int(kept.sum())
    if n < 2:
        return float("nan")
    total = ((1.0 / norms[kept]) @ vectors[kept]).astype(np.float64)  # the sum of the unit rows
    return float((total @ total - n) / (n * (n - 1)))


def diagnose(model: Model, words: int = MEASURED_WORDS) -> Collapse | None:
    """A :class:`Collapse` when ``model``'s most frequent words point nearly one way, else None.

    Reads only the first ``words`` rows (models keep their words most frequent first), so it costs
    a few milliseconds whatever the vocabulary.
    """
    rows = model.vectors[: min(words, len(model))]
    value = mean_cosine(rows)
    if not value > COLLAPSED_MEAN_COSINE:  # NaN (fewer than two words) is no collapse
        return None
    return Collapse(round(value, 4), len(rows))
