"""PCA against scikit-learn, and Procrustes alignment between frames."""


import numpy as np
import pytest
from sklearn.decomposition import PCA

from embedding_studio.core.maps.projection import align, pca_2d, unit_spread


def rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def test_pca_matches_sklearn_up_to_sign():
    rng = np.random.default_rng(0)
    points = rng.standard_normal((200, 10)) * np.linspace(3, 0.1, 10)
    ours = pca_2d(points)
    theirs = PCA(n_components=2).fit_transform(points)
    assert ours.shape == (200, 2) and ours.dtype == np.float32
    for k in range(2):
        sign = np.sign(ours[:, k] @ theirs[:, k])
        np.testing.assert_allclose(ours[:, k] * sign, theirs[:, k], atol=1e-4)


@pytest.mark.parametrize("shape", [(0, 5), (1, 5), (2, 5), (3, 1), (5, 0), (4, 2)])
def test_degenerate_inputs_do_not_crash(shape):
    points = np.random.default_rng(1).standard_normal(shape)
    coords = pca_2d(points)
    assert coords.shape == (shape[0], 2)
    assert np.isfinite(coords).all()


def test_identical_points_give_zeros():
    coords = pca_2d(np.ones((6, 4)))
    np.testing.assert_array_equal(coords, 0)


def test_one_dimension_is_padded():
    points = np.arange(5.0).reshape(-1, 1)
    coords = pca_2d(points)
    np.testing.assert_allclose(np.abs(coords[:, 0]), np.abs(points[:, 0] - 2), atol=1e-6)
    np.testing.assert_array_equal(coords[:, 1], 0)


@pytest.mark.parametrize("reflect", [False, True])
def test_rotated_or_reflected_frame_aligns_back(reflect):
    rng = np.random.default_rng(2)
    frame = rng.standard_normal((30, 2)).astype(np.float32)
    frame -= frame.mean(axis=0)
    moved = frame @ rotation(1.234)
    if reflect:
        moved = moved * np.array([1, -1])
    ids = np.arange(30)
    aligned = align(moved, ids, frame, ids)
    assert aligned.dtype == np.float32
    np.testing.assert_allclose(aligned, frame, atol=1e-5)


def test_alignment_is_rigid_only():
    rng = np.random.default_rng(3)
    frame = rng.standard_normal((20, 2))
    aligned = align(frame * 5 + 3, np.arange(20), frame, np.arange(20))
    # no scaling: pairwise distances are those of the input
    def dists(x):
        return np.linalg.norm(x[:, None] - x[None], axis=-1)
    np.testing.assert_allclose(dists(aligned), dists(frame * 5), rtol=1e-5)


def test_unit_spread_centres_and_scales_and_keeps_degenerate_input():
    coords = unit_spread(np.array([[1.0, 1.0], [3.0, 1.0], [2.0, 4.0]]))
    np.testing.assert_allclose(coords.mean(axis=0), 0, atol=1e-6)
    assert np.sqrt((coords ** 2).sum(axis=1).mean()) == pytest.approx(1)
    np.testing.assert_array_equal(unit_spread(np.ones((3, 2))), np.zeros((3, 2)))
