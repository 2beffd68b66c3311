"""2D projections of embeddings: PCA (scikit-learn), aligned to the previous frame.

A live view re-projects the vectors every few hundred milliseconds while they train. PCA's axes are
only defined up to sign (and, when two variances are close, up to rotation), so consecutive frames
could flip or spin; :func:`align_to` rotates/reflects each new frame onto the previous one with
orthogonal Procrustes, about the centroid, without scaling or shearing it.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes
from sklearn.decomposition import PCA


def pca_2d(points: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
    """The first two principal-component coordinates of ``points``: (n, 2) float32.

    Fewer than two points, or fewer than two dimensions, are handled without error: missing
    components are zeros. If ``previous`` (the last frame, same rows) is given, the result is
    aligned to it with :func:`align_to`.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim == 1:
        points = points.reshape(-1, 1)
    n = points.shape[0]
    dim = points.shape[1] if points.ndim == 2 else 0
    coords = np.zeros((n, 2), dtype=np.float64)
    components = min(2, n - 1, dim) if n >= 2 else 0
    if components >= 1:
        centred = points - points.mean(axis=0)
        if np.any(centred):
            coords[:, :components] = _fit_transform(points, components)
    coords = coords.astype(np.float32)
    if previous is not None:
        coords = align_to(coords, previous)
    return coords


def _fit_transform(points: np.ndarray, components: int) -> np.ndarray:
    # "covariance_eigh" (scikit-learn >= 1.5) eigendecomposes the small dim x dim covariance: exact,
    # and the fastest for tall thin data (10,000 x 32: ~3 ms, against ~12-20 ms for "full",
    # ~10-20 ms for "arpack" and 40-120 ms for "randomized" measured here). Older versions: "full".
    try:
        return PCA(n_components=components, svd_solver="covariance_eigh").fit_transform(points)
    except ValueError as error:
        if "svd_solver" not in str(error):
            raise
        return PCA(n_components=components, svd_solver="full").fit_transform(points)


def align_to(coords: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``coords`` rotated/reflected about its centroid to best match ``previous`` (same rows).

    Orthogonal Procrustes: the orthogonal ``R`` minimising ``|(coords - c) R - (previous - p)|``;
    the result is ``(coords - c) R + p``. Shapes that disagree (e.g. rows added) return ``coords``
    unchanged, so a caller can always pass the last frame.
    """
    coords = np.asarray(coords, dtype=np.float64)
    previous = np.asarray(previous, dtype=np.float64)
    if coords.shape != previous.shape or coords.ndim != 2 or coords.shape[0] == 0:
        return coords.astype(np.float32)
    if not (np.isfinite(coords).all() and np.isfinite(previous).all()):
        return coords.astype(np.float32)
    centre = coords.mean(axis=0)
    prev_centre = previous.mean(axis=0)
    a = coords - centre
    b = previous - prev_centre
    if not np.any(a) or not np.any(b):
        return (a + prev_centre).astype(np.float32)
    rotation, _ = orthogonal_procrustes(a, b)
    return (a @ rotation + prev_centre).astype(np.float32)
