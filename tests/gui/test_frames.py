"""Frames: projected, scaled to a fixed spread, and aligned to the previous frame so the map holds still."""

import numpy as np
import pytest

from gui.frames import Frame, align_on_shared, compute_frame, drawn_ids


def previous_frame(ids, coords) -> Frame:
    ids = np.asarray(ids, dtype=np.int64)
    return Frame(ids, [f"w{i}" for i in ids], np.ones(len(ids), dtype=np.int64), np.asarray(coords, np.float32))


def test_alignment_undoes_a_rotation_and_reflection_on_the_shared_rows():
    rng = np.random.default_rng(0)
    before = rng.standard_normal((50, 2)).astype(np.float32)
    previous = previous_frame(np.arange(50), before)
    angle = 1.1
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.diag([1, -1])
    # the new frame: rows in another order, 10 rows gone, 5 new ones
    ids = np.concatenate([rng.permutation(40), [100, 101, 102, 103, 104]])
    moved = np.concatenate([before[ids[:40]] @ turn.T + [3.0, -2.0], rng.standard_normal((5, 2))]).astype(np.float32)
    aligned = align_on_shared(moved, ids, previous)
    np.testing.assert_allclose(aligned[:40], before[ids[:40]], atol=1e-4)


def test_alignment_needs_three_shared_rows():
    previous = previous_frame([0, 1, 2, 3], [[0, 0], [1, 0], [0, 1], [1, 1]])
    coords = np.array([[5, 5], [6, 5], [7, 7]], dtype=np.float32)
    assert align_on_shared(coords, np.array([0, 1, 9]), previous) is coords


def test_compute_frame_copies_centres_and_scales():
    rng = np.random.default_rng(1)
    vectors = 40 * rng.standard_normal((30, 8)).astype(np.float32)
    ids = drawn_ids(30, 10, (25, 3, 25))
    assert ids.tolist() == list(range(10)) + [25]
    frame = compute_frame(vectors, ids, [f"w{i}" for i in range(30)], np.arange(30, 0, -1))
    assert frame.words[-1] == "w25" and frame.counts[-1] == 5
    np.testing.assert_allclose(frame.coords.mean(axis=0), 0, atol=1e-5)
    assert np.sqrt((frame.coords ** 2).sum(axis=1).mean()) == pytest.approx(1, abs=1e-5)
    vectors[:] = 0  # the frame holds copies
    assert np.any(frame.coords)
