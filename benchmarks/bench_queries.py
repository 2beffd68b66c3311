"""Query and projection latency: most_similar on a 200,000 x 300 model, PCA of 10,000 points.

    python benchmarks/bench_queries.py [--repeats 50] [--as-in-app]

Random vectors (the arithmetic does not care what they mean); medians over --repeats calls after a
warm-up call that builds the cached unit matrix. ``--as-in-app`` sets up threads as the app does
(BLAS on one thread, large queries split across the cores; see ``gui.app``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from common import ROOT  # noqa: F401 - puts the project on sys.path
from embedding_studio.core.vectors.model import Model
from embedding_studio.core.maps.projection import pca_2d
from embedding_studio.core.text.vocab import Vocab


def median_ms(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--as-in-app", action="store_true", help="BLAS on one thread, queries split, as in the app")
    args = parser.parse_args()
    if args.as_in_app:
        import os

        from threadpoolctl import threadpool_limits

        from embedding_studio.core.parallel import split_across_threads

        threadpool_limits(limits=1, user_api="blas")
        split_across_threads(min(os.cpu_count() or 1, 4))
    rng = np.random.default_rng(0)
    n, dim = 200_000, 300
    model = Model(Vocab([f"w{i}" for i in range(n)], np.arange(n, 0, -1)),
                  rng.standard_normal((n, dim), dtype=np.float32))
    words = [f"w{i}" for i in rng.integers(0, n, args.repeats)]
    model.most_similar("w0")  # builds the unit matrix once
    it = iter(words)
    print(f"most_similar, {n:,} x {dim}: {median_ms(lambda: model.most_similar(next(it), topn=10), args.repeats):.1f} ms")
    points = rng.standard_normal((10_000, 32), dtype=np.float32)
    previous = pca_2d(points)
    print(f"PCA of 10,000 x 32, aligned to the previous frame: "
          f"{median_ms(lambda: pca_2d(points + 0.01, previous), args.repeats):.1f} ms")


if __name__ == "__main__":
    main()
