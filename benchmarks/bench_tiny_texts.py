"""Do texts of a few distinct words train at the defaults? A grid of generated texts, trained one by one.

    python benchmarks/bench_tiny_texts.py [--results /tmp/tiny_texts.jsonl] [--vocab 2 3 5 8 14 20 30 50]
        [--orders cycle runs pairs shuffled iid sentences verses] [--counts flat zipf steep few]
        [--lines short long] [--tokens 5000 46000 200000] [--seeds 1 2 3] [--presets article word2vec]
        [--workers 1] [--no-followups | --followups-from FILE.jsonl | --again FILE.jsonl] [--tag LABEL]

The issue: a 46,000-token text of 14 distinct words diverged at the article's defaults (loss 17 in
epoch 8), even with one worker, and was not kept. This generates such texts in memory over a grid
(vocabulary size; order: a repeating cycle, runs of one word, every word twice, a shuffled multiset,
i.i.d. draws, a few fixed sentences in random or in fixed order; flat, Zipf, 1/rank^2 or "a fifth of
the words make 90%" counts; five words a line or the whole text on one line; length), writes each to a
temporary .txt, reads it with ``load_corpus`` as the app and the command line do, and trains it with
``TrainConfig(workers=1)`` (the article's defaults). Texts whose token ids come out identical (the line
layout never changed them) are trained once and reported for each layout.

Each run appends a JSON line to ``--results``: its settings, the vocabulary and kept share after
subsampling, per-epoch losses, whether the first attempt diverged and the run started again with the
careful bound (``restarted``, the note the trainer gave), whether it still diverged (``TrainingDiverged``)
or was refused (``ConfigError``) and why, the largest epoch loss after the first, the final loss, and the
largest input and output row norms the run ended with. Runs already in the results file (with the same
tag) are not repeated, so an interrupted search resumes. Follow-ups (unless ``--no-followups``): every
text whose first attempt failed again with two workers, and a subset (2-50 words, 46,000 tokens) with
the *word2vec defaults* preset (dim 100, window 5, 5 epochs). ``--followups-from`` runs only the
follow-ups, on the failing texts of an earlier results file; ``--again`` runs every text that failed or
restarted in an earlier results file once more, at its own settings (to check a change of the engine).

The default grid (2,016 trainings; the line layouts share theirs) takes about 12 CPU minutes on one core
plus 2 for the follow-ups; one process, one run after another.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np

import common  # noqa: E402,F401 - embedding_studio from this checkout

from embedding_studio.core.config import TrainConfig  # noqa: E402
from embedding_studio.core.errors import ConfigError, CorpusError, TrainingDiverged  # noqa: E402
from embedding_studio.core.text.corpus import load_corpus  # noqa: E402
from embedding_studio.core.train.trainer import Trainer  # noqa: E402

#: Fifty short words of letters only (the tokeniser drops digits, so "w0".."w49" would all read "w").
WORDS = ("the and cat dog sun sea red big run sky old new hat cup box fox pen ink map car bus van "
         "tea jam egg oak elm ash fig yam cod eel owl bee ant bat cow pig hen ram ewe elk gnu yak "
         "emu koi tin zinc gold iron").split()
# past fifty (--vocab 100 500): made-up words of three letters, "qab", "qac", ...
WORDS += ["q" + a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"]
assert len(set(WORDS)) == len(WORDS)

LN2 = math.log(2)
SEED = 12345  # of the texts, not of training


# -- texts ---------------------------------------------------------------------------------------------

COUNTS = ("flat", "zipf", "steep", "few")
ORDERS = ("cycle", "runs", "pairs", "shuffled", "iid", "sentences", "verses")


def probabilities(v: int, counts: str) -> np.ndarray:
    """flat: equal; zipf: 1/rank; steep: 1/rank**2; few: a fifth of the words (at least one) share 90%."""
    ranks = np.arange(1, v + 1, dtype=float)
    if counts == "flat":
        weights = np.ones(v)
    elif counts == "zipf":
        weights = 1.0 / ranks
    elif counts == "steep":
        weights = 1.0 / ranks**2
    elif counts == "few":
        top = max(1, v // 5)
        weights = np.where(ranks <= top, 0.9 / top, 0.1 / max(1, v - top)) if v > top else np.ones(v)
    else:
        raise ValueError(counts)
    return weights / weights.sum()


def block(v: int, counts: str) -> np.ndarray:
    """One round of every word, each as often as its share (the rarest once, at most 100 times the
    rarest), the words spread evenly over the round (smooth weighted round robin)."""
    p = probabilities(v, counts)
    times = np.clip(np.round(p / p.min()), 1, 100).astype(int)
    slots = np.concatenate([(np.arange(t) + 0.5) / t for t in times])
    ids = np.repeat(np.arange(v), times)
    return ids[np.argsort(slots, kind="stable")]


def text_ids(v: int, order: str, counts: str, n: int, seed: int = SEED) -> np.ndarray:
    """Word ids (indices into WORDS) of a generated text of about ``n`` tokens.

    cycle: a b c a b c ... (frequent words come round more often); runs: each word's occurrences in one
    run per round, 5 times its share of the rarest's (a a a a a b b b b b ...: a word is its own context);
    pairs: the cycle with every word twice (a a b b c c ...); shuffled: exactly the counts, shuffled;
    iid: independent draws; sentences: a few fixed sentences of 4-9 words, in random order; verses: the
    same sentences always in the same order (a cycle with a longer period).
    """
    rng = np.random.default_rng([seed, v, ORDERS.index(order), COUNTS.index(counts), n])
    p = probabilities(v, counts)
    if order == "cycle":
        return np.resize(block(v, counts), n)
    if order == "runs":
        return np.resize(np.repeat(np.arange(v), np.clip(np.round(5 * p / p.min()), 5, 100).astype(int)), n)
    if order == "pairs":
        return np.resize(np.repeat(block(v, counts), 2), n)
    if order == "shuffled":
        ids = np.repeat(np.arange(v), np.maximum(1, np.round(p * n)).astype(int))
        rng.shuffle(ids)
        return ids[:n]
    if order == "iid":
        return rng.choice(v, size=n, p=p)
    if order in ("sentences", "verses"):
        b = np.tile(block(v, counts), max(1, -(-12 // v)))
        rng.shuffle(b)
        cuts, at = [], 0
        while at < len(b):
            step = int(rng.integers(4, 10))
            cuts.append(b[at:at + step])
            at += step
        picks = rng.integers(0, len(cuts), size=n // 4 + 1) if order == "sentences" else \
            np.resize(np.arange(len(cuts)), n // 4 + 1)
        return np.concatenate([cuts[i] for i in picks])[:n]
    raise ValueError(order)


def write_text(ids: np.ndarray, lines: str, path: Path) -> None:
    words = np.array(WORDS)[ids]
    with open(path, "w", encoding="utf-8") as f:
        if lines == "long":
            f.write(" ".join(words.tolist()) + "\n")
        else:
            for i in range(0, len(words), 5):
                f.write(" ".join(words[i:i + 5].tolist()) + "\n")


# -- one run -------------------------------------------------------------------------------------------

def train(ids, vocab, config: TrainConfig) -> dict:
    losses: list[float] = []
    started = time.perf_counter()
    out = {"diverged": None, "refused": None, "restarted": None}
    trainer = None

    def restarted(note: str) -> None:
        out["restarted"] = note
        out["first_losses"] = losses[:]
        losses.clear()

    try:
        trainer = Trainer(ids, vocab, config, timeline=False)
        trainer.train(on_epoch_end=lambda end: losses.append(round(end.loss, 5)), on_restart=restarted)
    except TrainingDiverged as error:
        out["diverged"] = str(error)
    except ConfigError as error:
        out["refused"] = str(error)
    out["seconds"] = round(time.perf_counter() - started, 3)
    out["losses"] = losses
    finite = [x for x in losses if math.isfinite(x)]
    out["max_after_1"] = max(losses[1:], default=None) if losses[1:] else None
    if out["max_after_1"] is not None and not math.isfinite(out["max_after_1"]):
        out["max_after_1"] = str(out["max_after_1"])
    out["final"] = losses[-1] if losses and math.isfinite(losses[-1]) else (str(losses[-1]) if losses else None)
    out["min_loss"] = min(finite, default=None)
    if trainer is not None:
        n = len(vocab)
        table = trainer._table
        with np.errstate(all="ignore"):
            out["in_norm_max"] = float(np.nanmax(np.linalg.norm(table[:n], axis=1)))
            out["out_norm_max"] = float(np.nanmax(np.linalg.norm(table[n:], axis=1)))
            out["nan_rows_in"] = int(np.isnan(table[:n]).any(axis=1).sum())
            out["nan_rows_out"] = int(np.isnan(table[n:]).any(axis=1).sum())
        keep = vocab.keep_probabilities(config.sample)
        out["kept_share"] = round(float(np.dot(vocab.counts, keep) / vocab.counts.sum()), 4)
    return out


def outcome(run: dict) -> str:
    if run.get("corpus_error"):
        return "corpus-refused"
    if run["refused"]:
        return "refused"
    if run["diverged"]:
        return "DIVERGED"
    final = run["final"]
    if not isinstance(final, float):
        return "no-loss"
    if final > LN2 - 0.03:
        return "no-learning"
    return "ok"


FAILED = ("DIVERGED", "no-learning", "no-loss")


def run_key(run: dict, tag: str) -> tuple:
    return (run["v"], run["order"], run["counts"], run["lines"], run["n"], run["preset"], run["seed"],
            run["workers"], tag)

PRESETS = {
    "article": {},
    "word2vec": dict(dim=100, window=5, negative=5, epochs=5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="/tmp/tiny_texts.jsonl")
    parser.add_argument("--vocab", type=int, nargs="+", default=[2, 3, 5, 8, 14, 20, 30, 50])
    parser.add_argument("--orders", nargs="+", default=list(ORDERS), choices=ORDERS)
    parser.add_argument("--counts", nargs="+", default=list(COUNTS), choices=COUNTS)
    parser.add_argument("--lines", nargs="+", default=["short", "long"])
    parser.add_argument("--tokens", type=int, nargs="+", default=[5000, 46000, 200000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="training seeds")
    parser.add_argument("--presets", nargs="+", default=["article"], choices=list(PRESETS))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-followups", action="store_true")
    parser.add_argument("--followups-from", metavar="FILE",
                        help="skip the grid: run the follow-ups on the failing texts of an earlier results file")
    parser.add_argument("--again", metavar="FILE",
                        help="skip the grid: run every text that failed or restarted in FILE again, as it ran there")
    parser.add_argument("--tag", default="", help="a label stored with every run")
    args = parser.parse_args()

    done: dict[tuple, dict] = {}  # runs already in the results file (same tag): not repeated, so a stopped
    if Path(args.results).exists():  # search resumes where it stopped
        with open(args.results, encoding="utf-8") as earlier:
            for line in earlier:
                run = json.loads(line)
                done[run_key(run, run.get("tag", ""))] = run
    results = open(args.results, "a", encoding="utf-8")
    seen: dict[tuple, dict] = {}  # (ids hash, preset, seed, workers) -> the run already trained
    failing: list[tuple] = []
    started = time.perf_counter()

    def record(run: dict) -> None:
        run["outcome"] = outcome(run)
        run["tag"] = args.tag
        results.write(json.dumps(run) + "\n")
        results.flush()
        losses = run.get("losses") or []
        shown = " ".join(f"{x:.3f}" if isinstance(x, float) else str(x) for x in losses[:3])
        print(f"{run['outcome']:>14}{' (restarted)' if run.get('restarted') else ''} V={run['v']:<2} {run['order']:<9} {run['counts']:<4} {run['lines']:<5} "
              f"n={run['n']:<6} {run['preset']:<8} w={run['workers']} s={run['seed']} "
              f"final={run.get('final')} max>1={run.get('max_after_1')} [{shown} ...] "
              f"{'(same ids)' if run.get('same_as') else ''}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "text.txt"

        def one(v, order, counts, lines, n, preset, seed, workers):
            earlier = done.get(run_key(dict(v=v, order=order, counts=counts, lines=lines, n=n, preset=preset,
                                            seed=seed, workers=workers), args.tag))
            if earlier is not None:
                return earlier
            ids = text_ids(v, order, counts, n)
            write_text(ids, lines, path)
            run = dict(v=v, order=order, counts=counts, lines=lines, n=n, preset=preset, seed=seed,
                       workers=workers)
            try:
                corpus = load_corpus([path])
            except CorpusError as error:
                run.update(corpus_error=str(error), refused=None, diverged=None)
                record(run)
                return run
            digest = hashlib.sha1(corpus.ids.tobytes() + "\0".join(corpus.vocab.words).encode()).hexdigest()
            run.update(tokens=len(corpus.ids), vocab=len(corpus.vocab))
            key = (digest, preset, seed, workers)
            if key in seen:
                run.update({k: val for k, val in seen[key].items() if k not in run or k == "tokens"})
                run["same_as"] = seen[key]["lines"]
            else:
                config = TrainConfig(workers=workers, seed=seed, **PRESETS[preset])
                run.update(train(corpus.ids, corpus.vocab, config))
                seen[key] = run
            record(run)
            return run

        if args.again:  # what failed or restarted in an earlier results file, at its own settings
            with open(args.again, encoding="utf-8") as earlier:
                runs = [json.loads(line) for line in earlier]
            for run in runs:
                if (run["outcome"] in FAILED or run.get("restarted")) and not run.get("same_as"):
                    one(*(run[key] for key in ("v", "order", "counts", "lines", "n", "preset", "seed", "workers")))
            args.no_followups = True
        elif args.followups_from:  # the failing texts of an earlier grid (one worker), without the grid
            with open(args.followups_from, encoding="utf-8") as earlier:
                for line in earlier:
                    run = json.loads(line)
                    if run["workers"] == 1 and run["outcome"] in FAILED and not run.get("same_as"):
                        failing.append(tuple(run[key] for key in ("v", "order", "counts", "lines", "n", "preset",
                                                                  "seed")))
            failing = sorted(set(failing), key=failing.index)
        else:
            grid = itertools.product(args.vocab, args.orders, args.counts, args.lines, args.tokens, args.presets,
                                     args.seeds)
            for v, order, counts, lines, n, preset, seed in grid:
                run = one(v, order, counts, lines, n, preset, seed, args.workers)
                if run["outcome"] in FAILED and not run.get("same_as"):
                    failing.append((v, order, counts, lines, n, preset, seed))

        if not args.no_followups:
            print(f"-- follow-ups: {len(failing)} failing texts with 2 workers; word2vec preset on a subset")
            for v, order, counts, lines, n, preset, seed in failing:
                if args.workers != 2:
                    one(v, order, counts, lines, n, preset, seed, 2)
            if "word2vec" not in args.presets:
                subset = [v for v in (2, 3, 5, 14, 30, 50) if v in args.vocab]
                for v, order, counts, seed in itertools.product(subset, args.orders, args.counts, args.seeds):
                    one(v, order, counts, "short", 46000, "word2vec", seed, args.workers)
    results.close()
    print(f"done in {time.perf_counter() - started:.0f} s; results in {args.results}")


if __name__ == "__main__":
    main()
