"""Does any setting a user can pick diverge? Every cell of a grid, several seeds, on ~1.9M words.

    python benchmarks/bench_stability.py [--epochs 2] [--seeds 1 2 3] [--results FILE.jsonl]
        [--dims 32 100 300] [--windows 2 5 10] [--negatives 5 15] [--workers 1 2]

Trains on ../shared/corpora/dostoevsky plus ../shared/corpora/dostoevsky-more, each run in a process of
its own (one-worker runs two at a time, so both cores stay busy), and appends one JSON line per run to
the results file; runs already in it are not repeated, so an interrupted benchmark resumes. Prints the
table for benchmarks/README.md: a cell passes when no seed diverged, every seed's final loss is below
0.5 and within 3% of the cell's best, and no epoch after the first has a mean loss above ln 2.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import DOSTOEVSKY, ROOT

MORE = DOSTOEVSKY.parent / "dostoevsky-more"


def train_once(dim: int, window: int, negative: int, workers: int, seed: int, epochs: int) -> dict:
    """One run in this process; returns its epoch losses, or how it diverged."""
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.errors import TrainingDiverged
    from embedding_studio.core.train.trainer import Trainer

    corpus = load_corpus([DOSTOEVSKY, MORE])
    config = TrainConfig(dim=dim, window=window, negative=negative, workers=workers, seed=seed, epochs=epochs)
    losses: list[float] = []
    started = time.perf_counter()
    try:
        Trainer(corpus.ids, corpus.vocab, config).train(on_epoch_end=lambda end: losses.append(end.loss))
        diverged = None
    except TrainingDiverged as error:
        diverged = str(error)
    return {"dim": dim, "window": window, "negative": negative, "workers": workers, "seed": seed,
            "epochs": epochs, "tokens": len(corpus.ids), "batch_tokens": config.run_batch_tokens, "losses": losses,
            "diverged": diverged,
            "seconds": round(time.perf_counter() - started, 1)}


def key(run: dict) -> tuple:
    return run["dim"], run["window"], run["negative"], run["workers"], run["seed"], run["epochs"]


def verdict(runs: list[dict]) -> tuple[bool, str]:
    """Whether a cell passes, and why not."""
    if any(r["diverged"] for r in runs):
        return False, "diverged"
    finals = [r["losses"][-1] for r in runs]
    if max(finals) >= 0.5:
        return False, "final loss >= 0.5"
    if max(finals) > 1.03 * min(finals):
        return False, "a seed > 3% above the best"
    if any(loss > math.log(2) for r in runs for loss in r["losses"][1:]):
        return False, "an epoch after the first above ln 2"
    return True, ""


def table(runs: list[dict]) -> str:
    cells: dict[tuple, list[dict]] = {}
    for run in sorted(runs, key=key):
        cells.setdefault(key(run)[:4], []).append(run)
    lines = ["| dim | window | negatives | workers | final loss per seed | spread | s per run | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    passed = 0
    for (dim, window, negative, workers), group in cells.items():
        ok, why = verdict(group)
        passed += ok
        finals = [r["losses"][-1] if r["losses"] and not r["diverged"] else math.nan for r in group]
        spread = (max(finals) / min(finals) - 1) * 100 if all(map(math.isfinite, finals)) else math.nan
        seconds = sorted(r["seconds"] for r in group)[len(group) // 2]
        lines.append(f"| {dim} | {window} | {negative} | {workers} | {' / '.join(f'{f:.4f}' for f in finals)} | "
                     f"{spread:.1f}% | {seconds:.0f} | {'pass' if ok else '**FAIL**: ' + why} |")
    lines.append(f"\n{passed} of {len(cells)} cells pass; {len(runs)} runs, "
                 f"{sum(r['seconds'] for r in runs) / 60:.0f} min of training.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[32, 100, 300])
    parser.add_argument("--windows", type=int, nargs="+", default=[2, 5, 10])
    parser.add_argument("--negatives", type=int, nargs="+", default=[5, 15])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "stability.jsonl")
    parser.add_argument("--one", type=int, nargs=5, metavar=("DIM", "WINDOW", "NEG", "WORKERS", "SEED"),
                        help=argparse.SUPPRESS)  # a single run, printed as JSON (used by the grid)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(train_once(*args.one, epochs=args.epochs)))
        return
    if not (DOSTOEVSKY.is_dir() and MORE.is_dir()):
        sys.exit(f"the benchmark corpora are missing: expected {DOSTOEVSKY} and {MORE}")

    done = {}
    if args.results.exists():
        for line in args.results.read_text().splitlines():
            run = json.loads(line)
            done[key(run)] = run
    grid = [(d, w, n, k, s) for d, w, n, k, s in itertools.product(args.dims, args.windows, args.negatives,
                                                                     args.workers, args.seeds)
            if (d, w, n, k, s, args.epochs) not in done]

    def run(settings: tuple) -> dict:
        command = [sys.executable, __file__, "--epochs", str(args.epochs), "--one", *map(str, settings)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        with args.results.open("a") as out:
            out.write(json.dumps(result) + "\n")
        print(f"{settings}: {result['losses']} {result['diverged'] or ''} {result['seconds']} s", flush=True)
        return result

    alone = [g for g in grid if g[3] > 1]  # several workers take every core: one at a time
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, [g for g in grid if g[3] == 1]))
    for settings in alone:
        run(settings)
    wanted = {(d, w, n, k, s, args.epochs) for d, w, n, k, s in
              itertools.product(args.dims, args.windows, args.negatives, args.workers, args.seeds)}
    runs = [json.loads(line) for line in args.results.read_text().splitlines()]
    print(table([r for r in runs if key(r) in wanted]))


if __name__ == "__main__":
    main()
