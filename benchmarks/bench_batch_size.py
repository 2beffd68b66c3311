"""Quality against batch size: how many tokens one batch may hold before summed updates hurt.

    python benchmarks/bench_batch_size.py [--sizes 256 512 1024 2048 4096] [--seeds 1 2 3] [--workers 1]

Trains the article's job (20 epochs) once per size and seed, plus gensim per seed for reference, and
prints WordSim-353, SimLex-999 and analogy accuracy (gensim's evaluators) as mean [min-max].
"""

from __future__ import annotations

import argparse
import statistics

from common import DOSTOEVSKY, quality, require_corpus


def ours(batch: int, seed: int, workers: int) -> dict:
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.errors import TrainingDiverged
    from embedding_studio.core.train.trainer import Trainer

    corpus = load_corpus([DOSTOEVSKY])
    try:
        model = Trainer(corpus.ids, corpus.vocab, TrainConfig(batch_tokens=batch, seed=seed, workers=workers)).train()
    except TrainingDiverged:
        return {"wordsim": float("nan"), "simlex": float("nan"), "analogy": float("nan")}
    return quality(model.words, model.vectors)


def gensim(seed: int, workers: int) -> dict:
    from gensim.models import Word2Vec
    from gensim_train import sentences

    model = Word2Vec(sentences([str(DOSTOEVSKY)]), sg=1, vector_size=32, window=2, negative=5, epochs=20,
                     min_count=5, sample=1e-3, workers=workers, seed=seed)
    return quality(model.wv.index_to_key, model.wv.vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    require_corpus()
    rows = {"gensim": [gensim(s, args.workers) for s in args.seeds]}
    for size in args.sizes:
        rows[str(size)] = [ours(size, s, args.workers) for s in args.seeds]
        print(size, rows[str(size)], flush=True)
    print(f"\n{'batch':>8s}  {'WordSim-353':>22s}  {'SimLex-999':>22s}  {'analogies':>22s}")
    for name, runs in rows.items():
        cells = [f"{statistics.mean(r[m] for r in runs):.3f} [{min(r[m] for r in runs):.3f}-"
                 f"{max(r[m] for r in runs):.3f}]" for m in ("wordsim", "simlex", "analogy")]
        print(f"{name:>8s}  " + "  ".join(f"{c:>22s}" for c in cells))


if __name__ == "__main__":
    main()
