"""Ours against gensim on the article's job, in one run: whole-process wall time, words/s, quality.

    python benchmarks/bench_train.py [--runs 3] [--workers 2] [--dim 32] [--epochs 20]

Each run trains both (order alternating, each in its own process, timed from outside) and evaluates
both with gensim's evaluators. Prints per-run figures, then medians and the ratios the issues ask for;
with --json FILE also writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, median, quality, require_corpus


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run_ours(corpus: Path, out: Path, args) -> tuple[float, dict]:
    from core.vectors.io import load_model

    seconds = timed([sys.executable, "main.py", "train", str(corpus), "--out", str(out), "--quiet",
                     "--dim", str(args.dim), "--window", str(args.window), "--epochs", str(args.epochs),
                     "--workers", str(args.workers), "--seed", str(args.seed)])
    model = load_model(out)
    return seconds, {"vocab": len(model), **quality(model.words, model.vectors)}


def run_gensim(corpus: Path, out: Path, args) -> tuple[float, dict]:
    from gensim.models import KeyedVectors

    seconds = timed([sys.executable, "benchmarks/gensim_train.py", str(corpus), "--out", str(out),
                     "--dim", str(args.dim), "--window", str(args.window), "--epochs", str(args.epochs),
                     "--workers", str(args.workers), "--seed", str(args.seed)])
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    return seconds, {"vocab": len(kv), **quality(kv.index_to_key, kv.vectors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    corpus = require_corpus()
    from core.text.corpus import load_corpus

    tokens = load_corpus([corpus]).raw_tokens
    results: dict[str, list] = {"ours": [], "gensim": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            order = ["ours", "gensim"] if run % 2 == 0 else ["gensim", "ours"]
            for name in order:
                runner = run_ours if name == "ours" else run_gensim
                seconds, scores = runner(corpus, Path(tmp) / f"{name}.bin", args)
                scores.update(seconds=seconds, words_per_sec=tokens * args.epochs / seconds)
                results[name].append(scores)
                print(f"run {run + 1} {name:6s} {seconds:6.1f} s  {scores['words_per_sec']:>9,.0f} words/s  "
                      f"wordsim {scores['wordsim']:.3f}  simlex {scores['simlex']:.3f}  "
                      f"analogy {scores['analogy']:.3f}  vocab {scores['vocab']}", flush=True)
    summary = {name: {key: median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()}
    ours, theirs = summary["ours"], summary["gensim"]
    print(f"\nmedians over {args.runs} runs (dim {args.dim}, window {args.window}, {args.epochs} epochs, "
          f"{args.workers} workers, {tokens:,} tokens)")
    print(f"{'':8s}{'seconds':>9s}{'words/s':>11s}{'wordsim':>9s}{'simlex':>8s}{'analogy':>9s}{'vocab':>7s}")
    for name, row in summary.items():
        print(f"{name:8s}{row['seconds']:9.1f}{row['words_per_sec']:11,.0f}{row['wordsim']:9.3f}"
              f"{row['simlex']:8.3f}{row['analogy']:9.3f}{row['vocab']:7.0f}")
    print(f"\ntime ratio ours/gensim: {ours['seconds'] / theirs['seconds']:.2f}   "
          f"wordsim diff {ours['wordsim'] - theirs['wordsim']:+.3f}   "
          f"simlex diff {ours['simlex'] - theirs['simlex']:+.3f}   "
          f"analogy diff {ours['analogy'] - theirs['analogy']:+.4f}   "
          f"vocab ratio {ours['vocab'] / theirs['vocab']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "runs": results, "medians": summary},
                                              indent=2))


if __name__ == "__main__":
    main()
