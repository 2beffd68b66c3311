"""Training speed (words/s) for 1 and 2 workers and dims 32, 100 and 300 on the article's corpus.

    python benchmarks/bench_speed.py [--epochs 3] [--runs 3]

Words/s counts corpus tokens (before subsampling) over the training call alone, the worker processes
already started (they are kept between runs); medians of --runs.
"""

from __future__ import annotations

import argparse
import time

from common import DOSTOEVSKY, median, require_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dims", type=int, nargs="+", default=[32, 100, 300])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    require_corpus()
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.train.trainer import Trainer
    from embedding_studio.core.train.workers import warm_up

    corpus = load_corpus([DOSTOEVSKY])
    print(f"{'workers':>8s}{'dim':>6s}{'words/s':>12s}{'s/epoch':>9s}")
    for workers in args.workers:
        warm_up(workers)
        for dim in args.dims:
            speeds = []
            for run in range(args.runs):
                config = TrainConfig(dim=dim, epochs=args.epochs, workers=workers, seed=run + 1)
                started = time.perf_counter()
                Trainer(corpus.ids, corpus.vocab, config).train()
                speeds.append(len(corpus.ids) * args.epochs / (time.perf_counter() - started))
            speed = median(speeds)
            print(f"{workers:>8d}{dim:>6d}{speed:12,.0f}{len(corpus.ids) / speed:9.2f}", flush=True)


if __name__ == "__main__":
    main()
