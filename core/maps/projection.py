"""2D maps of embeddings: PCA (scikit-learn), a fixed spread, and one alignment onto the last map.

A live view re-projects the vectors every second while they train. PCA's axes are only defined up to
sign (and, when two variances are close, up to rotation), so consecutive maps could flip or spin;
:func:`align` rotates/reflects each new map onto the previous one with orthogonal Procrustes on the
words both hold, about their centroid, without scaling or shearing it. t-SNE maps (core.maps.tsne)
use the same spread and need no alignment.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from ..vectors.compare import procrustes_rotation


def movement_map(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two aligned sets of vectors (a word's before and after, row by row) on one 2D PCA map.

    The PCA is fitted on both sets together, so an arrow from a word's first place to its second
    shows its move in the plane that spreads all of them most; both share one unit spread.
    """
    start = np.asarray(start, dtype=np.float64)
    coords = pca_2d(np.vstack([start, np.asarray(end, dtype=np.float64)]))
    coords = unit_spread(coords)
    return coords[:len(start)], coords[len(start):]


def pca_2d(points: np.ndarray) -> np.ndarray:
    """The first two principal-component coordinates of ``points``: (n, 2) float32.

    Fewer than two points, or fewer than two dimensions, are handled without error: missing
    components are zeros.
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
    return coords.astype(np.float32)


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


def unit_spread(coords: np.ndarray) -> np.ndarray:
    """Centred and scaled to unit RMS radius, float32: vectors grow a lot while training, the map should not."""
    coords = np.asarray(coords, dtype=np.float64)
    if not len(coords):
        return coords.astype(np.float32)
    centred = coords - coords.mean(axis=0)
    spread = float(np.sqrt((centred ** 2).sum(axis=1).mean()))
    return (centred / spread if spread > 0 and np.isfinite(spread) else centred).astype(np.float32)


def align(coords: np.ndarray, ids: np.ndarray, previous: np.ndarray, previous_ids: np.ndarray) -> np.ndarray:
    """``coords`` rotated/reflected about the centroid of the shared rows to best match ``previous``.

    ``ids`` and ``previous_ids`` name the rows of each (unique ids; the rows may differ in order and
    membership). Orthogonal Procrustes on the rows both hold: the orthogonal ``R`` minimising
    ``|(a - c) R - (b - p)|``; every row then maps to ``(x - c) R + p``. With fewer than three shared
    rows, or nothing to fit, ``coords`` come back unchanged (as float32).
    """
    coords = np.asarray(coords, dtype=np.float32)
    _, mine, theirs = np.intersect1d(ids, previous_ids, assume_unique=True, return_indices=True)
    if len(mine) < 3:
        return coords
    a = coords[mine].astype(np.float64)
    b = np.asarray(previous, dtype=np.float64)[theirs]
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return coords
    a_centre, b_centre = a.mean(axis=0), b.mean(axis=0)
    if not np.any(a - a_centre) or not np.any(b - b_centre):
        return coords
    rotation = procrustes_rotation(a - a_centre, b - b_centre)
    return ((coords - a_centre) @ rotation + b_centre).astype(np.float32)
