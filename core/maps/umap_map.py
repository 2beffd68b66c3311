"""UMAP of the final vectors (umap-learn, an optional extra), with new words placed by ``transform``.

umap-learn is optional (``pip install -e ".[umap]"``, as the README says): it pulls numba, whose first call
compiles for many seconds. Like t-SNE it runs in a cancellable process (core.maps.tsne.fit_layout);
the fitted model is kept pickled so words a search adds are placed without moving the others.
"""

from __future__ import annotations

import importlib.util
import pickle

import numpy as np

# as the README installs it (a checkout), and the package alone for any other install
INSTALL_HINT = ("UMAP needs the umap-learn package: in the project's folder, pip install -e \".[umap]\" "
                "(as the README says); or pip install umap-learn")


def umap_available() -> bool:
    """Whether umap-learn can be imported (checked without importing it: that takes seconds)."""
    return importlib.util.find_spec("umap") is not None


def umap_fit(points: np.ndarray, neighbours: int = 15, seed: int = 0) -> tuple[np.ndarray, bytes | None]:
    """Raw 2D UMAP coordinates of ``points`` and the pickled fitted model (None for n < 4)."""
    points = np.asarray(points, dtype=np.float32)
    n = len(points)
    if n < 4:
        return np.zeros((n, 2), dtype=np.float32), None
    from threadpoolctl import threadpool_limits
    import umap

    # A fixed seed makes umap-learn single-threaded as well as repeatable; cosine as the neighbours do.
    with threadpool_limits(limits=1, user_api="openmp"):
        model = umap.UMAP(n_components=2, n_neighbors=int(min(neighbours, n - 1)), metric="cosine",
                          random_state=seed, init="spectral" if n > 16 else "random", n_jobs=1)
        coords = model.fit_transform(points)
    return np.asarray(coords, dtype=np.float32), pickle.dumps(model)


def umap_place(model: bytes, points: np.ndarray) -> np.ndarray:
    """Raw coordinates for new ``points`` in a fitted UMAP; the fitted points do not move."""
    from threadpoolctl import threadpool_limits

    fitted = pickle.loads(model)
    with threadpool_limits(limits=1, user_api="openmp"):
        return np.asarray(fitted.transform(np.asarray(points, dtype=np.float32)), dtype=np.float32)
