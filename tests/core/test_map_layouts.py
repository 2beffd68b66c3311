"""t-SNE (openTSNE) and UMAP maps place added words into the existing layout instead of starting over."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from embedding_studio.core.maps.frame import tsne_frame
from embedding_studio.core.maps.umap_map import umap_available


def clusters(n_per: int = 40, k: int = 4, dim: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``k`` tight, well separated clusters, shuffled so every id range holds all of them."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, (k, dim))
    labels = rng.permutation(np.repeat(np.arange(k), n_per))
    return (centres[labels] + rng.normal(0, 0.3, (len(labels), dim))).astype(np.float32), labels


def assert_added_words_join_their_cluster(method: str) -> None:
    vectors, labels = clusters()
    words = [f"w{i}" for i in range(len(vectors))]
    counts = np.ones(len(vectors), dtype=np.int64)
    first = tsne_frame(vectors, np.arange(140), words, counts, 1.0, threading.Event(), method=method)
    assert first.projection == method and first.layout is not None and first.layout.size == 140
    added = np.array([0, 5, 150, 3, 159, 141])  # a search adds some words, a few drawn already
    ids = np.concatenate([np.arange(140), added[added >= 140]])
    second = tsne_frame(vectors, ids, words, counts, 1.0, threading.Event(), previous=first, method=method)
    np.testing.assert_array_equal(second.coords[:140], first.coords)  # nothing drawn moved
    assert second.layout is first.layout
    for k, i in enumerate(ids[140:].tolist(), start=140):  # each new word lands among its own cluster
        distance = np.linalg.norm(first.coords - second.coords[k], axis=1)
        nearest = labels[np.argsort(distance)[:5]]
        assert (nearest == labels[i]).all(), (i, nearest, labels[i])
    fewer = tsne_frame(vectors, ids[10:], words, counts, 1.0, threading.Event(), previous=second, method=method)
    np.testing.assert_array_equal(fewer.coords, second.coords[10:])  # words leaving move no one either


def test_tsne_places_added_words_without_moving_the_others():
    assert_added_words_join_their_cluster("tsne")


@pytest.mark.skipif(not umap_available(), reason="umap-learn is not installed (the `umap` extra)")
def test_umap_places_added_words_without_moving_the_others():
    assert_added_words_join_their_cluster("umap")


def test_many_more_words_are_laid_out_afresh():
    vectors, _ = clusters()
    words = [f"w{i}" for i in range(len(vectors))]
    counts = np.ones(len(vectors), dtype=np.int64)
    small = tsne_frame(vectors, np.arange(40), words, counts, 0.0, threading.Event())
    big = tsne_frame(vectors, np.arange(160), words, counts, 0.0, threading.Event(), previous=small)
    assert big.layout is not small.layout and big.layout.size == 160
