"""Does the model depend on the number of workers? Quality at 1-32 workers, with gensim's threads beside.

    python benchmarks/bench_workers.py [--dims 32 100 300] [--windows 2 5 10] [--workers 1 2 4 8 16 32]
        [--seeds 1 2] [--gensim-seeds 1] [--gensim-workers 1 2 16] [--results FILE.jsonl] [--table]

Trains on the five books of ../shared/corpora/dostoevsky (the corpus read once, every run in this process)
at each setting, 5 epochs (3 at dim 300), and scores each model with gensim's evaluators (WordSim-353,
SimLex-999, the analogy questions), plus the mean cosine among the 2,000 most frequent words (vectors that
squeeze together show there first). gensim 4.4 trains the same tokens with as many threads. One JSON line
per run goes to the results file; runs already in it are not repeated, so an interrupted benchmark resumes.

A machine with fewer cores than workers is oversubscribed: each worker's batch then waits, preempted,
while the others train, which is the staleness it would meet on that many real cores, and more. A cell
passes when the mean over seeds is within WordSim 0.03, SimLex 0.02 and analogies 0.01 of one worker's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np

from common import ROOT, quality, require_corpus

BOUNDS = {"wordsim": 0.03, "simlex": 0.02, "analogy": 0.01}


def epochs_for(dim: int) -> int:
    return 3 if dim >= 300 else 5


def mean_cosine(vectors: np.ndarray, top: int = 2000) -> float:
    unit = vectors[:top] / np.maximum(np.linalg.norm(vectors[:top], axis=1, keepdims=True), 1e-12)
    n = len(unit)
    return float((unit.sum(axis=0) @ unit.sum(axis=0) - n) / (n * (n - 1)))


def train_ours(corpus, dim: int, window: int, workers: int, seed: int) -> dict:
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.errors import TrainingDiverged
    from embedding_studio.core.train.trainer import Trainer

    config = TrainConfig(dim=dim, window=window, epochs=epochs_for(dim), workers=workers, seed=seed)
    started = time.perf_counter()
    try:
        model = Trainer(corpus.ids, corpus.vocab, config, timeline=False).train()
    except TrainingDiverged as error:
        return {"diverged": str(error)}
    result = {"seconds": round(time.perf_counter() - started, 1), "loss": float(model.loss_history[-1]),
              "batch_tokens": config.run_batch_tokens, "in_flight": config.batches_in_flight, "diverged": None}
    result.update(quality(list(model.vocab.words), model.vectors))
    result["mean_cosine"] = mean_cosine(model.vectors)
    return result


def train_gensim(sentences, dim: int, window: int, workers: int, seed: int) -> dict:
    from gensim.models import Word2Vec

    started = time.perf_counter()
    model = Word2Vec(sentences, sg=1, vector_size=dim, window=window, negative=5, epochs=epochs_for(dim),
                     min_count=5, sample=1e-3, workers=workers, seed=seed)
    result = {"seconds": round(time.perf_counter() - started, 1), "diverged": None}
    result.update(quality(list(model.wv.index_to_key), model.wv.vectors))
    result["mean_cosine"] = mean_cosine(model.wv.vectors)
    return result


def key(run: dict) -> tuple:
    return run["program"], run["dim"], run["window"], run["workers"], run["seed"]


def table(runs: list[dict]) -> str:
    """One block per (dim, window): a row per worker count, ours against one worker, gensim beside."""
    cells: dict[tuple, list[dict]] = {}
    for run in runs:
        cells.setdefault((run["program"], run["dim"], run["window"], run["workers"]), []).append(run)

    def mean(group: list[dict], name: str) -> float:
        values = [r[name] for r in group if not r.get("diverged")]
        return float(np.mean(values)) if values else float("nan")

    lines = ["| dim | window | workers | batch x in flight | ours WordSim / SimLex / analogies (seeds) | vs 1 worker "
             "| mean cos | s | gensim WordSim / SimLex / analogies | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    passed = total = 0
    for dim, window in sorted({(d, w) for _, d, w, _ in cells}):
        one = cells.get(("ours", dim, window, 1))
        for workers in sorted({k[3] for k in cells if k[1:3] == (dim, window)}):
            ours = cells.get(("ours", dim, window, workers), [])
            theirs = cells.get(("gensim", dim, window, workers), [])
            if not ours:
                continue
            scores = {name: mean(ours, name) for name in BOUNDS}
            diffs = {name: scores[name] - mean(one, name) for name in BOUNDS} if one else {}
            ok = not any(r.get("diverged") for r in ours) and all(
                diffs.get(name, 0.0) >= -bound for name, bound in BOUNDS.items())
            total += 1
            passed += ok
            gensim = " / ".join(f"{mean(theirs, n):.3f}" for n in BOUNDS) if theirs else "-"
            shape = f"{ours[0].get('batch_tokens', '?')} x {ours[0].get('in_flight', '?')}"
            lines.append(
                f"| {dim} | {window} | {workers} | {shape} | {' / '.join(f'{scores[n]:.3f}' for n in BOUNDS)} "
                f"({len(ours)}) | {' / '.join(f'{diffs[n]:+.3f}' for n in BOUNDS) if diffs else '-'} | "
                f"{mean(ours, 'mean_cosine'):.2f} | {np.median([r.get('seconds', np.nan) for r in ours]):.1f} | "
                f"{gensim} | {'pass' if ok else '**FAIL**'} |")
    lines.append(f"\n{passed} of {total} cells pass.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[32, 100, 300])
    parser.add_argument("--windows", type=int, nargs="+", default=[2, 5, 10])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--gensim-seeds", type=int, nargs="*", default=[1])
    parser.add_argument("--gensim-workers", type=int, nargs="*", help="gensim's thread counts (default: --workers)")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "workers.jsonl")
    parser.add_argument("--table", action="store_true", help="only print the table of the results so far")
    args = parser.parse_args()
    done = {}
    if args.results.exists():
        done = {key(r): r for r in map(json.loads, args.results.read_text().splitlines())}
    if not args.table:
        corpus_path = require_corpus()
        from embedding_studio.core.text.corpus import load_corpus

        corpus = load_corpus([corpus_path])
        sentences = None
        plan = [("ours", d, w, k, s) for d, w, k, s in
                itertools.product(args.dims, args.windows, args.workers, args.seeds)]
        threads = args.workers if args.gensim_workers is None else args.gensim_workers
        plan += [("gensim", d, w, k, s) for d, w, k, s in
                 itertools.product(args.dims, args.windows, threads, args.gensim_seeds)]
        for program, dim, window, workers, seed in plan:
            if (program, dim, window, workers, seed) in done:
                continue
            if program == "ours":
                result = train_ours(corpus, dim, window, workers, seed)
            else:
                if sentences is None:  # gensim reads the same words, cut at its sentence limit
                    from gensim_train import sentences as read_sentences

                    sentences = read_sentences([str(corpus_path)])
                result = train_gensim(sentences, dim, window, workers, seed)
            run = {"program": program, "dim": dim, "window": window, "workers": workers, "seed": seed,
                   "cores": len(os.sched_getaffinity(0)), **result}
            done[key(run)] = run
            with args.results.open("a") as out:
                out.write(json.dumps(run) + "\n")
            print(json.dumps(run), flush=True)
    wanted = [r for r in done.values() if r["dim"] in args.dims and r["window"] in args.windows
              and r["workers"] in args.workers]
    print(table(wanted))


if __name__ == "__main__":
    main()
