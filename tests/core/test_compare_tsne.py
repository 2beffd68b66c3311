"""Comparing models, and t-SNE that can be cancelled."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from embedding_studio.core.vectors.compare import compare_neighbours, mean_overlap
from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.vectors.model import Model
from embedding_studio.core.maps.tsne import Cancelled, tsne_2d, tsne_2d_cancellable
from embedding_studio.core.text.vocab import Vocab


def random_model(seed: int, n: int = 60, dim: int = 8) -> Model:
    rng = np.random.default_rng(seed)
    return Model(Vocab([f"w{i}" for i in range(n)], np.arange(n, 0, -1)), rng.normal(size=(n, dim)))


def test_a_model_agrees_with_itself_and_neighbours_line_up():
    a = random_model(0)
    same = compare_neighbours(a, a, "w3", topn=10)
    assert same.overlap == 1.0 and same.left == same.right and len(same.shared) == 10
    assert mean_overlap(a, a, topn=5) == 1.0


def test_overlap_counts_shared_neighbours():
    a, b = random_model(0), random_model(1)
    result = compare_neighbours(a, b, "w3", topn=10)
    expected = len({w for w, _ in a.most_similar("w3", 10)} & {w for w, _ in b.most_similar("w3", 10)}) / 10
    assert result.overlap == expected < 1.0
    with pytest.raises(UnknownWordError):
        compare_neighbours(a, b, "nope")


def test_tsne_separates_two_clusters_and_small_inputs_do_not_fail():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 0.1, (30, 5)), rng.normal(5, 0.1, (30, 5))])
    coords = tsne_2d(points)
    assert coords.shape == (60, 2)
    within = np.linalg.norm(coords[:30] - coords[:30].mean(0), axis=1).mean()
    between = np.linalg.norm(coords[:30].mean(0) - coords[30:].mean(0))
    assert between > 3 * within
    assert tsne_2d(points[:2]).shape == (2, 2)


def test_cancellable_tsne_returns_a_result_or_stops_promptly():
    rng = np.random.default_rng(0)
    small = rng.normal(size=(40, 4))
    assert tsne_2d_cancellable(small, cancelled=lambda: False).shape == (40, 2)
    big = rng.normal(size=(3000, 50))  # far more work than one poll's wait
    asked = []

    def cancelled():
        asked.append(True)
        return True

    with pytest.raises(Cancelled):  # not a result: the work was abandoned before it was complete
        tsne_2d_cancellable(big, cancelled=cancelled)
    assert len(asked) == 1  # it gave up at the first "cancelled", without waiting for the work
    assert not [p for p in multiprocessing.active_children() if p.name == "tsne"]  # and ended the process
