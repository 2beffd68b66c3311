"""The quality levers (w + c, all-but-the-top, the word rule) measured against gensim on the same text.

    python benchmarks/bench_levers.py [--settings article word2vec] [--seeds 1 2 3] [--jsonl FILE]

For each setting and seed: ours trained once as a whole process (``main.py train``, levers off, so the
saved model holds the raw input and output tables), every lever then applied to those tables
(core.vectors.postprocess) and scored; ours again with ``--tokens split`` (the word rule nearest to plain
``[a-z]+``); and gensim's ``Word2Vec(sg=1)`` from benchmarks/gensim_train.py on regex tokens (as its users
run it) and on our tokens, with the same seed. Quality by gensim's evaluators (benchmarks/common.py).
Every row is appended to the JSONL file as it is measured; the summary gives means over the seeds.
gensim's analogy evaluator is a Python loop over 19,544 questions per lever: at dim 100 on a loaded
machine each took minutes, so ``--evaluator core`` scores with core/vectors/evaluate.py (one matrix
product per block of questions; the same figures, as its tests hold it to gensim's).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import ROOT, quality, require_corpus

from embedding_studio.core.vectors.postprocess import query_table

SETTINGS = {
    "article": dict(dim=32, window=2, epochs=20),
    "word2vec": dict(dim=100, window=5, epochs=5),
}
#: name: (w + c, directions removed or None), applied to the raw tables of one run.
LEVERS = {
    "raw": (False, None),
    "mean": (False, 0),
    "abtt1": (False, 1),
    "abtt2": (False, 2),
    "abtt3": (False, 3),
    "w+c": (True, None),
    "w+c mean": (True, 0),
    "w+c abtt1": (True, 1),
    "w+c abtt2": (True, 2),
    "w+c abtt3": (True, 3),
}


def flags(setting: dict, workers: int, seed: int) -> list[str]:
    return ["--dim", str(setting["dim"]), "--window", str(setting["window"]), "--epochs", str(setting["epochs"]),
            "--workers", str(workers), "--seed", str(seed)]


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def core_quality(words: list[str], vectors) -> dict[str, float]:
    """The three scores by core/vectors/evaluate.py on gensim's copies of the test sets."""
    from gensim.test.utils import datapath

    from embedding_studio.core.text.vocab import Vocab
    from embedding_studio.core.vectors.evaluate import evaluate_analogies, evaluate_pairs
    from embedding_studio.core.vectors.model import Model

    model = Model(Vocab(list(words), np.arange(len(words), 0, -1, dtype=np.int64)), vectors)
    return {"wordsim": evaluate_pairs(model, datapath("wordsim353.tsv")).spearman,
            "simlex": evaluate_pairs(model, datapath("simlex999.txt")).spearman,
            "analogy": evaluate_analogies(model, datapath("questions-words.txt")).accuracy}


SCORERS = {"gensim": quality, "core": core_quality}
score = quality


def ours(corpus: Path, out: Path, setting: dict, workers: int, seed: int, extra: list[str]) -> dict[str, dict]:
    """Every lever on one run of ours (raw tables, levers off in training)."""
    from embedding_studio.core.vectors.io import load_model

    run([sys.executable, "main.py", "train", str(corpus), "--out", str(out), "--quiet", "--no-timeline",
         "--no-levers", *flags(setting, workers, seed), *extra])
    model = load_model(out)
    return {name: score(model.words, query_table(model.vectors, model.output, plus, top))
            for name, (plus, top) in LEVERS.items()}


def gensim(corpus: Path, out: Path, setting: dict, workers: int, seed: int, rule: str) -> dict:
    from gensim.models import KeyedVectors

    run([sys.executable, "benchmarks/gensim_train.py", str(corpus), "--out", str(out), "--tokens", rule,
         *flags(setting, workers, seed)])
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    return score(kv.index_to_key, kv.vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, help="the five books (default: ../shared/corpora/dostoevsky "
                        "beside the checkout)")
    parser.add_argument("--evaluator", choices=list(SCORERS), default="gensim",
                        help="gensim's evaluators, or core/vectors/evaluate.py (much faster at dim 100)")
    parser.add_argument("--no-split", action="store_true", help="skip ours with --tokens split")
    parser.add_argument("--jsonl", default=str(ROOT / "benchmarks" / "levers.jsonl"),
                        help="append each row here (%(default)s)")
    args = parser.parse_args()
    corpus = args.corpus or require_corpus()
    global score
    score = SCORERS[args.evaluator]
    rows: list[dict] = []

    def record(setting: str, seed: int, program: str, scores: dict) -> None:
        row = {"setting": setting, "seed": seed, "program": program, **scores}
        rows.append(row)
        with open(args.jsonl, "a") as sink:
            sink.write(json.dumps(row) + "\n")
        print(f"{setting:9s} seed {seed} {program:24s} wordsim {scores['wordsim']:.3f}  simlex {scores['simlex']:.3f}"
              f"  analogy {scores['analogy']:.3f}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.settings:
            setting = SETTINGS[name]
            for seed in args.seeds:
                for lever, scores in ours(corpus, tmp / "ours.npz", setting, args.workers, seed, []).items():
                    record(name, seed, f"ours {lever}", scores)
                if not args.no_split:
                    for lever, scores in ours(corpus, tmp / "split.npz", setting, args.workers, seed,
                                              ["--tokens", "split"]).items():
                        record(name, seed, f"ours split {lever}", scores)
                for rule in ("regex", "project"):
                    record(name, seed, f"gensim {rule}", gensim(corpus, tmp / "g.bin", setting, args.workers, seed, rule))
    print(f"\nmeans over seeds {args.seeds}")
    for name in args.settings:
        programs = list(dict.fromkeys(r["program"] for r in rows if r["setting"] == name))
        reference = {key: statistics.mean(r[key] for r in rows if r["setting"] == name and r["program"] == "gensim regex")
                     for key in ("wordsim", "simlex", "analogy")}
        print(f"\n{name}: {SETTINGS[name]}; columns: mean, then minus gensim on regex tokens")
        for program in programs:
            mine = [r for r in rows if r["setting"] == name and r["program"] == program]
            means = {key: statistics.mean(r[key] for r in mine) for key in ("wordsim", "simlex", "analogy")}
            print(f"  {program:24s}" + "".join(f"  {key} {means[key]:.3f} ({means[key] - reference[key]:+.3f})"
                                                for key in ("wordsim", "simlex", "analogy")))


if __name__ == "__main__":
    main()
