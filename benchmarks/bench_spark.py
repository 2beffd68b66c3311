"""Spark MLlib's Word2Vec (what ``main.py train-spark`` drives) against ours and gensim, on the article's job.

    python benchmarks/bench_spark.py [--seeds 1 2] [--epochs 20] [--master local[2]] [--json FILE]

Every engine trains as a whole process on the same tokens (the corpus has no Gutenberg headers, so
Spark's tokens are local training's exactly) at the article's settings where MLlib has them: dim 32,
window 2, min_count 5, 20 epochs, lr 0.025 decaying linearly. MLlib cannot do the rest: it trains
hierarchical softmax, not 5 negatives, and does no subsampling. So two controls isolate the algorithm
from the implementation: ours with subsampling off, and gensim with MLlib's algorithm (hs=1,
negative=0, sample=0). Quality by gensim's evaluators (benchmarks/common.py), as in bench_train.py.
MLlib's time includes starting Spark (a JVM, ~6-9 s here). Modest on purpose: one run per engine and seed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, quality, require_corpus


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def engines(args) -> dict[str, tuple[list[str], str]]:
    """name: (command without --out and --seed, how to read the output)."""
    common = ["--dim", str(args.dim), "--window", str(args.window), "--epochs", str(args.epochs)]
    ours = [sys.executable, "main.py", "train", "{corpus}", "--quiet", "--workers", "2", *common]
    gensim = [sys.executable, "benchmarks/gensim_train.py", "{corpus}", "--workers", "2", *common]
    spark = [sys.executable, "main.py", "train-spark", "{corpus}", "--master", args.master, "--quiet", *common]
    return {
        "ours (SGNS, sample 1e-3)": (ours, "npz"),
        "ours (SGNS, sample 0)": (ours + ["--sample", "0"], "npz"),
        "gensim (SGNS, sample 1e-3)": (gensim, "bin"),
        "gensim (HS, sample 0) = MLlib's algorithm": (gensim + ["--hs", "--sample", "0"], "bin"),
        f"Spark MLlib, {args.master}, 1 partition": (spark + ["--partitions", "1"], "npz"),
        f"Spark MLlib, {args.master}, 2 partitions": (spark + ["--partitions", "2"], "npz"),
    }


def scores_of(path: Path, kind: str) -> dict[str, float]:
    if kind == "npz":
        from embedding_studio.core.vectors.io import load_model

        model = load_model(path)
        return {"vocab": len(model), **quality(model.words, model.vectors)}
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    return {"vocab": len(kv), **quality(kv.index_to_key, kv.vectors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    corpus = require_corpus()
    from embedding_studio.core.text.corpus import load_corpus

    tokens = load_corpus([corpus]).raw_tokens
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for name, (command, kind) in engines(args).items():
                out = Path(tmp) / f"model.{kind}"
                argv = [part.replace("{corpus}", str(corpus)) for part in command]
                seconds = timed(argv + ["--out", str(out), "--seed", str(seed)])
                row = {"seed": seed, "seconds": seconds, "words_per_sec": tokens * args.epochs / seconds,
                       **scores_of(out, kind)}
                results.setdefault(name, []).append(row)
                print(f"seed {seed}  {name:44s} {seconds:6.1f} s  wordsim {row['wordsim']:.3f}  "
                      f"simlex {row['simlex']:.3f}  analogy {row['analogy']:.3f}  vocab {row['vocab']}", flush=True)
    print(f"\nmeans over seeds {args.seeds} (dim {args.dim}, window {args.window}, {args.epochs} epochs, "
          f"{tokens:,} tokens)\n")
    print("| | seconds | words/s | WordSim-353 | SimLex-999 | analogies |\n|---|---|---|---|---|---|")
    for name, rows in results.items():
        mean = {key: statistics.fmean(r[key] for r in rows) for key in ("seconds", "words_per_sec", "wordsim",
                                                                         "simlex", "analogy")}
        print(f"| {name} | {mean['seconds']:.1f} | {mean['words_per_sec']:,.0f} | {mean['wordsim']:.3f} | "
              f"{mean['simlex']:.3f} | {mean['analogy']:.3f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "runs": results}, indent=2))


if __name__ == "__main__":
    main()
