"""Subwords against gensim FastText: our ``train --subwords`` beside gensim's ``FastText(sg=1)`` on the same
tokens, with our plain SGNS as the reference.

    python benchmarks/bench_subwords.py [--settings article word2vec] [--runs 3] [--buckets 500000] [--json FILE]

The five books are read as Embedding Studio reads them (gensim_train.sentences) and cut into chunks of
10,000 tokens; every tenth chunk is held out, the rest trains all three programs (min count 5, 5 negatives,
sample 1e-3, n-grams of 3 to 6 characters in ``--buckets`` rows for both subword models, one thread each).
Run ``r`` uses seed ``r + 1``; figures are means over the runs. Measured on each model:

* WordSim-353, SimLex-999 and the analogies on the vocabulary, by gensim's evaluators (benchmarks.common);
* WordSim and SimLex over every pair, a word outside the vocabulary built from its letters (plain SGNS
  cannot: its pairs are those of its vocabulary), with the share of pairs each model answers;
* the rare words of the held-out split: each held-out occurrence of a word seen fewer than 5 times in
  training (or never), its vector against the output vectors of the vocabulary words within the window
  around it, each real context word against 5 noise words drawn from the training counts ** 0.75 (the same
  draws for every model): the share of (context, noise) pairs that score the real context higher (0.5 is
  chance). Contexts and noise are words that subsampling always keeps (frequency up to 2.6e-3): a frequent
  word is trained mostly as noise, and as a real context scores near chance for every model. The same over
  held-out occurrences of vocabulary words, for comparison.

Times are of the training call alone, in this process, on a shared machine: noisy, a rough guide only.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import numpy as np

from common import DOSTOEVSKY, quality, require_corpus

SETTINGS = {
    "article": dict(dim=32, window=2, epochs=20),
    "word2vec": dict(dim=100, window=5, epochs=5),
}
PROGRAMS = ("ours-subwords", "gensim-fasttext", "ours-plain")
MIN_COUNT = 5
CHUNK = 10_000
NOISE = 5
SAMPLE = 1e-3
ALWAYS_KEPT = SAMPLE * (3 + 5 ** 0.5) / 2  # word2vec's keep probability is 1 up to this frequency


def split(tokens: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """Training sentences and held-out chunks: every tenth chunk of 10,000 tokens is held out."""
    chunks = [tokens[i:i + CHUNK] for i in range(0, len(tokens), CHUNK)]
    return [c for i, c in enumerate(chunks) if i % 10 != 9], [c for i, c in enumerate(chunks) if i % 10 == 9]


class Vectors:
    """What is measured of a model: its vocabulary vectors, output vectors, and a word's vector if any."""

    def __init__(self, words, vectors, output, index, lookup):
        self.words, self.vectors, self.output, self.index, self.lookup = words, vectors, output, index, lookup


def train_ours(sentences: list[list[str]], setting: dict, seed: int, buckets: int, subwords: bool):
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.vocab import Vocab
    from embedding_studio.core.train.trainer import Trainer

    counts = Counter(w for s in sentences for w in s)
    vocab = Vocab.from_counts(counts, min_count=MIN_COUNT)
    index = vocab.index
    ids = np.fromiter((index.get(w, -1) for s in sentences for w in s), dtype=np.int64)
    ids = ids[ids >= 0].astype(np.int32)
    config = TrainConfig(**setting, min_count=MIN_COUNT, workers=1, seed=seed, subwords=subwords,
                         subword_buckets=buckets)
    started = time.perf_counter()
    model = Trainer(ids, vocab, config, timeline=False).train()
    seconds = time.perf_counter() - started

    def lookup(word: str):
        row = index.get(word)
        if row is not None:
            return model.vectors[row]
        return model.subwords.unseen(word) if model.subwords is not None else None

    return seconds, Vectors(model.words, model.vectors, model.output, index, lookup)


def train_gensim(sentences: list[list[str]], setting: dict, seed: int, buckets: int):
    import logging

    from gensim.models import FastText

    logging.getLogger("gensim").setLevel(logging.ERROR)
    started = time.perf_counter()
    model = FastText(sentences, sg=1, vector_size=setting["dim"], window=setting["window"], epochs=setting["epochs"],
                     negative=5, min_count=MIN_COUNT, sample=SAMPLE, min_n=3, max_n=6, bucket=buckets, workers=1,
                     seed=seed)
    seconds = time.perf_counter() - started
    wv = model.wv

    def lookup(word: str):
        if word in wv.key_to_index:
            return wv[word]
        vector = wv[word]  # from its n-grams
        return vector if np.any(vector) else None

    return seconds, Vectors(list(wv.index_to_key), wv.vectors, model.syn1neg, dict(wv.key_to_index), lookup)


def read_pairs(name: str) -> list[tuple[str, str, float]]:
    from gensim.test.utils import datapath

    pairs = []
    with open(datapath(name), encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            try:
                pairs.append((fields[0].lower(), fields[1].lower(), float(fields[2])))
            except (IndexError, ValueError):
                continue
    return pairs


def all_pairs(model: Vectors, pairs: list[tuple[str, str, float]]) -> tuple[float, float]:
    """Spearman over every pair the model can answer (unseen words from letters), and the share answered."""
    from scipy.stats import spearmanr

    mine, human = [], []
    for a, b, score in pairs:
        va, vb = model.lookup(a), model.lookup(b)
        if va is None or vb is None:
            continue
        mine.append(float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb) + 1e-12)))
        human.append(score)
    return float(spearmanr(mine, human)[0]), len(mine) / len(pairs)


def held_out_tasks(train: list[list[str]], held: list[list[str]], window: int, seed: int = 0):
    """(word, context words, noise words) for held-out occurrences: rare words and vocabulary words."""
    counts = Counter(w for s in train for w in s)
    total = sum(counts.values())
    # contexts and noise among the words subsampling always keeps: a frequent word ("the") is trained
    # mostly as noise, so as a real context it would score below chance for every model alike
    vocab = [w for w, c in counts.items() if c >= MIN_COUNT and c <= ALWAYS_KEPT * total]
    in_vocab = set(vocab)
    p = np.array([counts[w] for w in vocab], dtype=np.float64) ** 0.75
    p /= p.sum()
    rng = np.random.default_rng(seed)
    rare, common_ = [], []
    for chunk in held:
        for i, word in enumerate(chunk):
            if counts[word] < MIN_COUNT:
                kind = rare
            elif word in in_vocab and len(common_) < 20_000 and rng.random() < 0.2:
                kind = common_
            else:
                continue
            context = [c for c in chunk[max(0, i - window):i] + chunk[i + 1:i + 1 + window] if c in in_vocab]
            if context:
                kind.append((word, context))
    noise = iter(rng.choice(len(vocab), (sum(len(c) for _, c in rare + common_), NOISE), p=p).tolist())
    rare = [(w, c, [[vocab[j] for j in next(noise)] for _ in c]) for w, c in rare]
    common_ = [(w, c, [[vocab[j] for j in next(noise)] for _ in c]) for w, c in common_]
    return rare, common_


def context_score(model: Vectors, tasks) -> tuple[float, float]:
    """Share of (real context, noise) pairs the word's vector scores the right way, and words answered."""
    wins = total = answered = 0
    for word, context, noise in tasks:
        vector = model.lookup(word)
        if vector is None:
            continue
        answered += 1
        real = model.output[[model.index[c] for c in context]] @ vector
        fake = model.output[[[model.index[n] for n in row] for row in noise]] @ vector
        wins += int((real[:, None] > fake).sum())
        total += fake.size
    return (wins / total if total else float("nan")), answered / max(1, len(tasks))


def measure(model: Vectors, rare, common_, wordsim, simlex) -> dict:
    result = quality(model.words, np.asarray(model.vectors, dtype=np.float32))
    result["wordsim_all"], result["wordsim_answered"] = all_pairs(model, wordsim)
    result["simlex_all"], result["simlex_answered"] = all_pairs(model, simlex)
    result["rare_context"], result["rare_answered"] = context_score(model, rare)
    result["vocab_context"], _ = context_score(model, common_)
    return result


def main() -> None:
    from gensim_train import sentences as read_sentences

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--buckets", type=int, default=500_000)
    parser.add_argument("--json")
    parser.add_argument("--corpus", help=f"folder of the five books (default {DOSTOEVSKY})")
    parser.add_argument("--limit", type=int, help="only the first LIMIT tokens (a quick check of the script)")
    args = parser.parse_args()
    corpus = args.corpus or str(require_corpus())
    tokens = [w for s in read_sentences([corpus]) for w in s][:args.limit]
    train, held = split(tokens)
    print(f"{len(tokens):,} tokens; {sum(map(len, train)):,} train, {sum(map(len, held)):,} held out", flush=True)
    wordsim, simlex = read_pairs("wordsim353.tsv"), read_pairs("simlex999.txt")
    report = {}
    for name in args.settings:
        setting = SETTINGS[name]
        rare, common_ = held_out_tasks(train, held, setting["window"])
        print(f"\n{name} {setting}: {len(rare):,} held-out rare occurrences, {len(common_):,} vocabulary ones",
              flush=True)
        runs = {program: [] for program in PROGRAMS}
        for run in range(args.runs):
            seed = run + 1
            for program in PROGRAMS[run % len(PROGRAMS):] + PROGRAMS[:run % len(PROGRAMS)]:
                if program == "gensim-fasttext":
                    seconds, model = train_gensim(train, setting, seed, args.buckets)
                else:
                    seconds, model = train_ours(train, setting, seed, args.buckets, program == "ours-subwords")
                result = {"seconds": seconds, **measure(model, rare, common_, wordsim, simlex)}
                runs[program].append(result)
                print(f"  seed {seed} {program:16s} " + " ".join(f"{k} {v:.3f}" for k, v in result.items()), flush=True)
        means = {program: {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} for program, rows in runs.items()}
        report[name] = {"setting": setting, "runs": runs, "means": means}
        keys = list(means[PROGRAMS[0]])
        print(f"  {'mean':16s} " + " ".join(f"{k:>16s}" for k in keys))
        for program in PROGRAMS:
            print(f"  {program:16s} " + " ".join(f"{means[program][k]:16.3f}" for k in keys))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
