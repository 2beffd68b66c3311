"""t-SNE of the final vectors with openTSNE, and new words placed into a layout without redoing it.

openTSNE replaces scikit-learn's t-SNE because a fitted openTSNE embedding can ``transform`` new
points: they are optimised against the fixed reference layout, so a search that adds a word costs
a fraction of a second and moves no word already drawn (scikit-learn could only start over, which
reshuffled the whole map and took ~12 s at 2,000 words, ~82 s at 10,000). The fitted embedding is
kept pickled (:class:`Layout`), so the work can run in a cancellable process (core.maps.cancellable).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .cancellable import Cancelled, run_cancellable

__all__ = ["Cancelled", "Layout", "fit_layout", "place", "tsne_2d", "tsne_2d_cancellable", "tsne_fit"]


@dataclass(frozen=True)
class Layout:
    """A fitted 2D layout that new points can be placed into (t-SNE or UMAP).

    ``model`` is the pickled fitted object (None when there were too few points to fit one);
    map coordinates are ``(raw - center) / scale``, the unit spread of the reference points.
    """

    method: str  # "tsne" or "umap"
    model: bytes | None
    size: int  # how many reference points were fitted
    center: np.ndarray
    scale: float

    def to_map(self, raw: np.ndarray) -> np.ndarray:
        return ((np.asarray(raw, np.float64) - self.center) / self.scale).astype(np.float32)


def tsne_fit(points: np.ndarray, perplexity: float = 30.0, seed: int = 0) -> tuple[np.ndarray, bytes | None]:
    """Raw 2D t-SNE coordinates of ``points`` and the pickled openTSNE embedding (None for n < 4)."""
    from openTSNE import TSNE
    from threadpoolctl import threadpool_limits

    points = np.asarray(points, dtype=np.float32)
    n = len(points)
    if n < 4:
        return np.zeros((n, 2), dtype=np.float32), None
    perplexity = float(min(perplexity, max(1.0, (n - 1) / 3)))
    # One OpenMP thread (n_jobs=1 and the limit): on small inputs spinning threads cost far more than
    # they save, and the machine's other cores belong to the UI and to other work.
    with threadpool_limits(limits=1, user_api="openmp"):
        embedding = TSNE(perplexity=perplexity, n_jobs=1, random_state=seed, initialization="pca",
                         neighbors="exact" if n < 1000 else "annoy").fit(points)
    return np.asarray(embedding, dtype=np.float32), pickle.dumps(embedding)


def tsne_2d(points: np.ndarray, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """2D t-SNE coordinates of ``points`` (n, 2) float32; perplexity is capped for small n."""
    return tsne_fit(points, perplexity, seed)[0]


def tsne_place(model: bytes, points: np.ndarray) -> np.ndarray:
    """Raw coordinates for new ``points`` in a fitted embedding; the reference points do not move."""
    from threadpoolctl import threadpool_limits

    embedding = pickle.loads(model)
    n = embedding.shape[0]
    k = int(min(25, n - 1))
    with threadpool_limits(limits=1, user_api="openmp"):
        placed = embedding.transform(np.asarray(points, dtype=np.float32), k=k,
                                     perplexity=float(min(5.0, max(1.0, (k - 1) / 3))))
    return np.asarray(placed, dtype=np.float32)


def _fit(method: str, points: np.ndarray, seed: int) -> tuple[np.ndarray, bytes | None]:
    if method == "umap":
        from .umap_map import umap_fit
        return umap_fit(points, seed=seed)
    return tsne_fit(points, seed=seed)


def _place(method: str, model: bytes, points: np.ndarray) -> np.ndarray:
    if method == "umap":
        from .umap_map import umap_place
        return umap_place(model, points)
    return tsne_place(model, points)


def fit_layout(method: str, points: np.ndarray, cancelled: Callable[[], bool], seed: int = 0
               ) -> tuple[np.ndarray, Layout]:
    """Map coordinates (unit spread) of ``points`` and their :class:`Layout`, in a cancellable process."""
    raw, model = run_cancellable(_fit, (method, np.asarray(points, np.float32), seed), cancelled, name=method)
    raw = np.asarray(raw, dtype=np.float64)
    center = raw.mean(axis=0) if len(raw) else np.zeros(2)
    spread = float(np.sqrt(((raw - center) ** 2).sum(axis=1).mean())) if len(raw) else 0.0
    layout = Layout(method, model, len(raw), center, spread if spread > 0 and np.isfinite(spread) else 1.0)
    return layout.to_map(raw), layout


def place(layout: Layout, points: np.ndarray, cancelled: Callable[[], bool]) -> np.ndarray:
    """Map coordinates for new ``points`` placed into ``layout`` (which must have a model)."""
    if layout.model is None:
        raise ValueError("this layout has too few points to place new ones into")
    raw = run_cancellable(_place, (layout.method, layout.model, np.asarray(points, np.float32)), cancelled,
                          name=layout.method)
    return layout.to_map(raw)


def tsne_2d_cancellable(points: np.ndarray, cancelled: Callable[[], bool], perplexity: float = 30.0,
                        seed: int = 0, poll: float = 0.05) -> np.ndarray:
    """:func:`tsne_2d` in a separate process; raises :class:`Cancelled` soon after ``cancelled()``."""
    return run_cancellable(tsne_2d, (np.asarray(points, np.float32), perplexity, seed), cancelled,
                           name="tsne", poll=poll)
