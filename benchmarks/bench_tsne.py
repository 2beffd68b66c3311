"""t-SNE and UMAP maps: a full layout, and adding the words a search brings, old path against new.

    python benchmarks/bench_tsne.py [--sizes 2000 10000] [--added 10] [--dim 32] [--no-old] [--no-umap]

Before issue #13's fix the map's t-SNE (scikit-learn, one OpenMP thread) started over whenever a
word joined the drawn set; now openTSNE fits once and ``transform`` places the new words against the
fixed layout (core.maps.frame.tsne_frame), as does UMAP when umap-learn is installed. The new paths
are timed as the app runs them: ``tsne_frame`` with its spawned, cancellable process. The old path
is scikit-learn's ``TSNE(init="pca")`` in this process (so without the ~1 s its process cost in the
app: this favours the old path). The vectors are generated: ``--clusters`` Gaussian clusters in
``--dim`` dimensions, so "joined its cluster" measures where the added words land: the share of
added words whose 10 nearest drawn words on the map are mostly of their own cluster.
One run of each (t-SNE at 10,000 words takes minutes on the old path).
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

from common import ROOT  # noqa: F401 - puts the project on sys.path


def clustered(n: int, dim: int, clusters: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, clusters, n)
    centres = rng.normal(0, 1.0, (clusters, dim))
    return (centres[labels] + rng.normal(0, 0.35, (n, dim))).astype(np.float32), labels


def joined(coords: np.ndarray, labels: np.ndarray, drawn: int) -> float:
    """Share of the points after ``drawn`` whose 10 nearest of the first ``drawn`` share their label mostly."""
    hits = 0
    for k in range(drawn, len(coords)):
        nearest = np.argsort(np.linalg.norm(coords[:drawn] - coords[k], axis=1))[:10]
        hits += (labels[nearest] == labels[k]).sum() > 5
    return hits / max(1, len(coords) - drawn)


def old_sklearn(points: np.ndarray) -> np.ndarray:
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        return TSNE(n_components=2, perplexity=30.0, init="pca", random_state=0).fit_transform(points)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10_000])
    parser.add_argument("--added", type=int, default=10, help="words a search adds")
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--no-old", action="store_true", help="skip scikit-learn (minutes at 10,000)")
    parser.add_argument("--no-umap", action="store_true")
    args = parser.parse_args()

    from embedding_studio.core.maps.frame import tsne_frame
    from embedding_studio.core.maps.umap_map import umap_available

    methods = ["tsne"] + (["umap"] if umap_available() and not args.no_umap else [])
    print("| words | path | full layout, s | adding words, s | added words that joined their cluster |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        vectors, labels = clustered(n + args.added, args.dim, args.clusters)
        words = [f"w{i}" for i in range(len(vectors))]
        counts = np.ones(len(vectors), dtype=np.int64)
        if not args.no_old:
            start = time.perf_counter()
            old_sklearn(vectors[:n])
            full = time.perf_counter() - start
            start = time.perf_counter()
            coords = old_sklearn(vectors)  # the old path: everything again, every word moves
            again = time.perf_counter() - start
            print(f"| {n:,} | scikit-learn t-SNE (old) | {full:.1f} | {again:.1f} (all again) | "
                  f"{joined(coords, labels, n):.0%} |", flush=True)
        for method in methods:
            start = time.perf_counter()
            first = tsne_frame(vectors, np.arange(n), words, counts, 0.0, threading.Event(), method=method)
            full = time.perf_counter() - start
            start = time.perf_counter()
            second = tsne_frame(vectors, np.arange(n + args.added), words, counts, 0.0, threading.Event(),
                                previous=first, method=method)
            add = time.perf_counter() - start
            moved = float(np.abs(second.coords[:n] - first.coords).max())
            name = "openTSNE" if method == "tsne" else "UMAP (umap-learn)"
            print(f"| {n:,} | {name} | {full:.1f} | {add:.1f} (old words moved {moved:.0g}) | "
                  f"{joined(second.coords, labels, n):.0%} |", flush=True)


if __name__ == "__main__":
    main()
