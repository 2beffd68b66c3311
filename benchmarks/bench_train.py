"""Ours against gensim in one run: whole-process wall time, words/s and quality, at the settings people use.

    python benchmarks/bench_train.py [--settings article word2vec large] [--runs 3] [--workers 2]
                                     [--ours "--tokens split --add-context"] [--corpus DIR]

Settings: ``article`` (dim 32, window 2, 20 epochs), ``word2vec`` (dim 100, window 5, 5 epochs: the
original tool's and the app's preset), ``large`` (dim 300, window 5, 3 epochs). For each setting, each run
trains three programs as whole processes timed from outside, in an order that rotates from run to run:
ours; gensim's ``Word2Vec(sg=1)`` on plain ``[a-z]+`` regex tokens, as its users run it; and gensim on our
tokens (to tell the engine's share of a quality difference from the tokeniser's). Run ``r`` uses seed
``r + 1`` for all three, so quality is a mean over seeds; times are medians, and the time ratio is the
median of the run-by-run ratios. With --json FILE the results are also written as JSON. ``--ours`` passes
more flags to our ``train`` (a lever of benchmarks/README.md, "Quality levers", say); gensim runs as ever.
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

from common import ROOT, median, quality, require_corpus

SETTINGS = {
    "article": dict(dim=32, window=2, epochs=20),
    "word2vec": dict(dim=100, window=5, epochs=5),
    "large": dict(dim=300, window=5, epochs=3),
}
PROGRAMS = ("ours", "gensim-regex", "gensim-ours")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def train(program: str, corpus: Path, out: Path, setting: dict, workers: int, seed: int,
          extra: tuple[str, ...] = ()) -> tuple[float, dict]:
    flags = ["--dim", str(setting["dim"]), "--window", str(setting["window"]), "--epochs", str(setting["epochs"]),
             "--workers", str(workers), "--seed", str(seed)]
    if program == "ours":
        from embedding_studio.core.vectors.io import load_model

        seconds = timed([sys.executable, "main.py", "train", str(corpus), "--out", str(out), "--quiet", *flags, *extra])
        model = load_model(out)
        return seconds, {"vocab": len(model), **quality(model.words, model.vectors)}
    from gensim.models import KeyedVectors

    rule = "regex" if program == "gensim-regex" else "project"
    seconds = timed([sys.executable, "benchmarks/gensim_train.py", str(corpus), "--out", str(out),
                     "--tokens", rule, *flags])
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    return seconds, {"vocab": len(kv), **quality(kv.index_to_key, kv.vectors)}


def bench_setting(name: str, corpus: Path, args, tmp: Path) -> dict:
    setting = SETTINGS[name]
    runs: dict[str, list[dict]] = {program: [] for program in PROGRAMS}
    for run in range(args.runs):
        order = PROGRAMS[run % 3:] + PROGRAMS[:run % 3]
        for program in order:
            seconds, scores = train(program, corpus, tmp / f"{program}.bin", setting, args.workers, run + 1,
                                    tuple(args.ours.split()))
            scores["seconds"] = seconds
            runs[program].append(scores)
            print(f"{name} run {run + 1} {program:12s} {seconds:6.1f} s  wordsim {scores['wordsim']:.3f}  "
                  f"simlex {scores['simlex']:.3f}  analogy {scores['analogy']:.3f}  vocab {scores['vocab']}",
                  flush=True)
    summary = {}
    for program, rows in runs.items():
        summary[program] = {"seconds": median(r["seconds"] for r in rows),
                            **{key: statistics.mean(r[key] for r in rows) for key in ("wordsim", "simlex", "analogy")}}
    for other in PROGRAMS[1:]:
        summary[f"ratio vs {other}"] = median(o["seconds"] / g["seconds"] for o, g in zip(runs["ours"], runs[other]))
    return {"setting": setting, "runs": runs, "summary": summary}


def report(name: str, result: dict, runs: int) -> None:
    s, summary = result["setting"], result["summary"]
    print(f"\n{name}: dim {s['dim']}, window {s['window']}, {s['epochs']} epochs; time medians, quality means of "
          f"{runs} seeds")
    print(f"{'':14s}{'seconds':>9s}{'wordsim':>9s}{'simlex':>8s}{'analogy':>9s}")
    for program in PROGRAMS:
        row = summary[program]
        print(f"{program:14s}{row['seconds']:9.1f}{row['wordsim']:9.3f}{row['simlex']:8.3f}{row['analogy']:9.3f}")
    ours = summary["ours"]
    for other in PROGRAMS[1:]:
        theirs = summary[other]
        print(f"ours / {other}: time {summary[f'ratio vs {other}']:.2f}x   wordsim {ours['wordsim'] - theirs['wordsim']:+.3f}"
              f"   simlex {ours['simlex'] - theirs['simlex']:+.3f}   analogy {ours['analogy'] - theirs['analogy']:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--corpus", type=Path, help="the five books (default: ../shared/corpora/dostoevsky "
                        "beside the checkout)")
    parser.add_argument("--ours", default="", metavar="FLAGS",
                        help="more flags for ours' train, in one quoted string (e.g. \"--tokens split\")")
    args = parser.parse_args()
    corpus = args.corpus or require_corpus()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.settings:
            results[name] = bench_setting(name, corpus, args, Path(tmp))
    for name, result in results.items():
        report(name, result, args.runs)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))


if __name__ == "__main__":
    main()
