"""Frames: projected, scaled to a fixed spread, and aligned to the previous frame so the map holds still."""

import threading

import numpy as np
import pytest

from embedding_studio.core.maps.frame import Frame, drawn_ids, pca_frame, tsne_frame, untrained_frame
from embedding_studio.core.maps.projection import align
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.train.sgns import initial_rows


def test_alignment_undoes_a_rotation_and_reflection_on_the_shared_rows():
    rng = np.random.default_rng(0)
    before = rng.standard_normal((50, 2)).astype(np.float32)
    angle = 1.1
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.diag([1, -1])
    # the new frame: rows in another order, 10 rows gone, 5 new ones
    ids = np.concatenate([rng.permutation(40), [100, 101, 102, 103, 104]])
    moved = np.concatenate([before[ids[:40]] @ turn.T + [3.0, -2.0], rng.standard_normal((5, 2))]).astype(np.float32)
    aligned = align(moved, ids, before, np.arange(50))
    np.testing.assert_allclose(aligned[:40], before[ids[:40]], atol=1e-4)


def test_alignment_needs_three_shared_rows():
    previous = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
    coords = np.array([[5, 5], [6, 5], [7, 7]], dtype=np.float32)
    np.testing.assert_array_equal(align(coords, np.array([0, 1, 9]), previous, np.arange(4)), coords)


def test_pca_frame_copies_centres_and_scales():
    rng = np.random.default_rng(1)
    vectors = 40 * rng.standard_normal((30, 8)).astype(np.float32)
    ids = drawn_ids(30, 10, (25, 3, 25))
    assert ids.tolist() == list(range(10)) + [25]
    frame = pca_frame(vectors, ids, [f"w{i}" for i in range(30)], np.arange(30, 0, -1))
    assert frame.words[-1] == "w25" and frame.counts[-1] == 5 and frame.projection == "pca" and not frame.before
    np.testing.assert_allclose(frame.coords.mean(axis=0), 0, atol=1e-5)
    assert np.sqrt((frame.coords ** 2).sum(axis=1).mean()) == pytest.approx(1, abs=1e-5)
    vectors[:] = 0  # the frame holds copies
    assert np.any(frame.coords)
    assert frame.shows(ids[::-1], [f"w{i}" for i in range(30)])
    assert not frame.shows(ids[:-1], [f"w{i}" for i in range(30)])


def test_a_new_pca_frame_follows_the_previous_one():
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((100, 16)) * np.linspace(4, 0.5, 16)
    words = [f"w{i}" for i in range(100)]
    first = pca_frame(vectors, np.arange(100), words, np.ones(100))
    for flipped in (first.coords * [-1, 1], first.coords * [1, -1], -first.coords):
        previous = first.replace(coords=flipped.astype(np.float32))
        nudged = vectors + rng.standard_normal(vectors.shape) * 0.01
        second = pca_frame(nudged, np.arange(100), words, np.ones(100), previous)
        assert np.abs(second.coords - previous.coords).max() < 0.2  # followed, never mirrored


def test_the_untrained_frame_is_the_start_of_training():
    vocab = Vocab([f"w{i}" for i in range(20)], np.arange(40, 20, -1))
    frame = untrained_frame(vocab, dim=8, seed=3, top=12)
    assert frame.before and len(frame) == 12 and frame.words == vocab.words[:12]
    expected = pca_frame(initial_rows(12, 8, 3), np.arange(12), vocab.words, vocab.counts)
    np.testing.assert_allclose(frame.coords, expected.coords)


def test_a_tsne_frame_is_marked_and_can_be_cancelled():
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((12, 4)).astype(np.float32)
    words = [f"w{i}" for i in range(12)]
    frame = tsne_frame(vectors, np.arange(12), words, np.ones(12), 3.0, threading.Event())
    assert isinstance(frame, Frame) and frame.projection == "tsne" and frame.epoch == 3.0
    cancelled = threading.Event()
    cancelled.set()
    assert tsne_frame(vectors, np.arange(12), words, np.ones(12), 3.0, cancelled) is None
