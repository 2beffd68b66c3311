"""Which tokenising rule gives the best vectors? gensim's Word2Vec trained on each rule's tokens.

    python benchmarks/bench_tokens.py [--seeds 1 2 3] [--rules standard article ...] [--corpus DIR ...]
                                      [--dim 32 --window 2 --epochs 20]

The same texts (Gutenberg boilerplate stripped by the project's reader) are tokenised by each rule of
core.text.tokens, and by plain ``re.findall(r"[a-z]+", text.lower())`` as gensim's users would, then
gensim trains skip-gram on each at the article's settings (dim 32, window 2, 5 negatives, 20 epochs,
2 workers); gensim's evaluators score the vectors (WordSim-353, SimLex-999, analogies). gensim, not our
trainer, so only the tokens differ. Prints a table of means over the seeds, and JSON lines with --json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

from common import DOSTOEVSKY, quality

from embedding_studio.core.config import TOKEN_RULE_NAMES
from embedding_studio.core.text.decoding import find_text_files, iter_text
from embedding_studio.core.text.tokens import tokenize

REGEX = "regex [a-z]+"


def tokens_of(paths: list[str], rule: str) -> list[str]:
    tokens: list[str] = []
    for path in find_text_files(paths):
        for piece in iter_text(path):
            tokens.extend(re.findall(r"[a-z]+", piece.lower()) if rule == REGEX else tokenize(piece, rule))
    return tokens


def train_and_score(tokens: list[str], seed: int, args: argparse.Namespace) -> dict[str, float]:
    from gensim.models import Word2Vec

    sentences = [tokens[i:i + 10_000] for i in range(0, len(tokens), 10_000)]
    model = Word2Vec(sentences, sg=1, vector_size=args.dim, window=args.window, negative=5, epochs=args.epochs,
                     min_count=5, sample=1e-3, workers=2, seed=seed)
    return quality(model.wv.index_to_key, model.wv.vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", nargs="+", default=[REGEX, *TOKEN_RULE_NAMES])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--corpus", nargs="+", default=[str(DOSTOEVSKY)])
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="also print one JSON line per run")
    args = parser.parse_args()
    rows = []
    for rule in args.rules:
        tokens = tokens_of(args.corpus, rule)
        scores = []
        for seed in args.seeds:
            started = time.perf_counter()
            score = train_and_score(tokens, seed, args)
            scores.append(score)
            if args.json:
                print(json.dumps({"rule": rule, "seed": seed, "tokens": len(tokens), **score,
                                  "seconds": round(time.perf_counter() - started, 1)}), flush=True)
        mean = {k: statistics.mean(s[k] for s in scores) for k in scores[0]}
        rows.append((rule, len(tokens), len(set(tokens)), mean))
        print(f"# {rule}: {mean}", file=sys.stderr, flush=True)
    print(f"\ngensim Word2Vec sg=1, dim {args.dim}, window {args.window}, {args.epochs} epochs, "
          f"seeds {args.seeds}, means:")
    print("| tokens | words | distinct | WordSim | SimLex | analogies |")
    print("|---|---|---|---|---|---|")
    for rule, n, distinct, mean in rows:
        print(f"| {rule} | {n:,} | {distinct:,} | {mean['wordsim']:.3f} | {mean['simlex']:.3f} | "
              f"{mean['analogy']:.3f} |")


if __name__ == "__main__":
    main()
