"""Training on Spark against local training: our SGNS on 1, 2 and 4 partitions, MLlib's Word2Vec, and gensim.

    python benchmarks/bench_spark.py [--corpus five all] [--seeds 1 2] [--epochs 20] [--master local[2]]
                                     [--jsonl FILE] [--table-only]

Quality only (WordSim-353, SimLex-999, analogies by gensim's evaluators, benchmarks/common.py): it does
not depend on how busy the machine is, and this one is shared. Every row trains the same tokens at the
article's settings (dim 32, window 2, min_count 5, 20 epochs, lr 0.025 decaying linearly; 5 negatives and
sample 1e-3 where the engine has them): local training with one worker (the schedule every Spark share
follows), ``train-spark --algorithm sgns`` on 1, 2 and 4 partitions with each way of combining the
partitions (``sqrt``, the default: a row's summed move divided by the square root of the partitions that
moved it; ``rows``: by their number; ``average``: plain parameter averaging; and ``rows`` combined 4 times
an epoch), Spark MLlib's Word2Vec on one partition, and gensim's SGNS.
The Spark rows run in this process, one Spark session for all of them. Corpora: ``five`` (the article's
five books), ``more`` (the 22 others), ``all`` (both shared folders, 27 books). The corpora have no
Gutenberg headers, so Spark's tokens are local training's exactly. Each run is appended to ``--jsonl``
as it ends (a run already there is not repeated), and the table is printed from that file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from common import DOSTOEVSKY, ROOT, quality

CORPORA = {"five": ["dostoevsky"], "more": ["dostoevsky-more"], "all": ["dostoevsky", "dostoevsky-more"]}
CORPUS_NAMES = {"five": "5 books", "more": "22 more books", "all": "both folders (27 books)"}
ROWS = ["local, 1 worker", "sgns, 1 partition", "sgns, 2 partitions, sqrt", "sgns, 4 partitions, sqrt",
        "sgns, 2 partitions, rows", "sgns, 4 partitions, rows", "sgns, 4 partitions, rows, 4 syncs",
        "sgns, 2 partitions, average", "sgns, 4 partitions, average", "MLlib, 1 partition", "gensim, 1 worker"]


def corpus_folder(name: str, tmp: Path, shared: Path) -> Path:
    """One folder for Spark and for local training: links to the corpus's files (the texts are not copied)."""
    folder = tmp / name
    if not folder.exists():
        folder.mkdir()
        for source in CORPORA[name]:
            for path in sorted((shared / source).glob("*.txt")):
                (folder / path.name).symlink_to(path)
    return folder


def train_row(row: str, folder: Path, seed: int, args) -> tuple[list[str], object, int, float | None]:
    """(words, vectors, tokens, last epoch's loss) of one row's model."""
    common = dict(dim=args.dim, window=args.window, epochs=args.epochs, min_count=5, seed=seed)
    if row in ("local, 1 worker", "gensim, 1 worker"):
        from embedding_studio.core.config import TrainConfig
        from embedding_studio.core.text.corpus import load_corpus

        corpus = load_corpus([folder], min_count=5)
        if row.startswith("gensim"):
            from gensim.models import Word2Vec

            sentences = [[corpus.vocab.words[i] for i in corpus.ids[at:at + 10_000].tolist()]
                         for at in range(0, len(corpus.ids), 10_000)]
            model = Word2Vec(sentences, vector_size=args.dim, window=args.window, min_count=1, sg=1, negative=5,
                             sample=1e-3, epochs=args.epochs, workers=1, seed=seed, alpha=0.025)
            return list(model.wv.index_to_key), model.wv.vectors, corpus.raw_tokens, None
        from embedding_studio.core.train.trainer import Trainer

        model = Trainer(corpus.ids, corpus.vocab, TrainConfig(workers=1, **common)).train()
        return model.words, model.vectors, corpus.raw_tokens, float(model.loss_history[-1])
    from embedding_studio.core.train.spark import SparkSettings, SparkTraining

    parts = row.split(", ")
    partitions = int(parts[1].split()[0])
    settings = SparkSettings(partitions=partitions, algorithm="mllib" if row.startswith("MLlib") else "sgns",
                             combine=parts[2] if len(parts) > 2 else "sqrt",
                             syncs=int(parts[3].split()[0]) if len(parts) > 3 else 1, **common)
    model = SparkTraining(str(folder), args.master, settings).run()
    loss = float(model.loss_history[-1]) if len(model.loss_history) else None
    return model.words, model.vectors, model.state.run_tokens, loss


def done_runs(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def print_table(runs: list[dict]) -> None:
    """Per corpus, each row's means over its seeds, and beside each score its difference from local training
    on the same seeds (seeds move these scores by 0.01-0.04: compare like with like)."""
    by_corpus: dict[str, dict[str, dict[int, dict]]] = {}
    for run in runs:
        by_corpus.setdefault(run["corpus"], {}).setdefault(run["row"], {})[run["seed"]] = run
    keys = ("wordsim", "simlex", "analogy")
    for corpus, rows in by_corpus.items():
        any_run = next(iter(next(iter(rows.values())).values()))
        print(f"\n{CORPUS_NAMES[corpus]}: {any_run['tokens']:,} tokens, {any_run['vocab']:,} words\n")
        print("| | seeds | WordSim-353 (vs local) | SimLex-999 (vs local) | analogies (vs local) | loss, last epoch |\n"
              "|---|---|---|---|---|---|")
        local = rows.get("local, 1 worker", {})
        for row in ROWS:
            if row not in rows:
                continue
            got = rows[row]
            seeds = sorted(got)
            cells = []
            for key in keys:
                mean = statistics.fmean(got[seed][key] for seed in seeds)
                if row != "local, 1 worker" and all(seed in local for seed in seeds):
                    delta = mean - statistics.fmean(local[seed][key] for seed in seeds)
                    cells.append(f"{mean:.3f} ({delta:+.3f})")
                else:
                    cells.append(f"{mean:.3f}")
            losses = [got[seed]["loss"] for seed in seeds if got[seed].get("loss") is not None]
            loss = f"{statistics.fmean(losses):.4f}" if losses else "-"
            print(f"| {row} | {', '.join(map(str, seeds))} | {' | '.join(cells)} | {loss} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", choices=list(CORPORA), default=["five", "all"])
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=ROWS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--jsonl", default=str(ROOT / "benchmarks" / "spark.jsonl"))
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--corpora", type=Path, default=DOSTOEVSKY.parent,
                        help="the folder holding dostoevsky/ and dostoevsky-more/ (default %(default)s)")
    args = parser.parse_args()
    log = Path(args.jsonl)
    if args.table_only:
        print_table(done_runs(log))
        return
    for name in {folder for corpus in args.corpus for folder in CORPORA[corpus]}:
        if not (args.corpora / name).is_dir():
            raise SystemExit(f"the benchmark corpus is missing: expected {args.corpora / name} (see --corpora)")
    settings = {"dim": args.dim, "window": args.window, "epochs": args.epochs}
    have = {(r["corpus"], r["row"], r["seed"]) for r in done_runs(log) if r["settings"] == settings}
    from embedding_studio.core.train.spark import start_session

    session, _ = start_session(args.master, app_name="Embedding Studio benchmark")  # one for every Spark row
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for corpus in args.corpus:
                folder = corpus_folder(corpus, Path(tmp), args.corpora)
                for row in args.rows:
                    if (corpus, row, seed) in have:
                        continue
                    started = time.perf_counter()
                    words, vectors, tokens, loss = train_row(row, folder, seed, args)
                    run = {"corpus": corpus, "row": row, "seed": seed, "settings": settings, "tokens": tokens,
                           "vocab": len(words), "loss": loss, "seconds": round(time.perf_counter() - started, 1),
                           **quality(words, vectors)}
                    with log.open("a") as out:
                        out.write(json.dumps(run) + "\n")
                    print(f"{corpus} seed {seed} {row:30s} wordsim {run['wordsim']:.3f} simlex {run['simlex']:.3f} "
                          f"analogy {run['analogy']:.3f}", flush=True)
    session.stop()
    print_table(done_runs(log))


if __name__ == "__main__":
    main()
