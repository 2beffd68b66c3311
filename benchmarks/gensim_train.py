"""Train gensim's Word2Vec (sg=1) on a corpus read exactly as Embedding Studio reads it.

Run as its own process by bench_train.py so both sides are timed as whole processes.
"""

from __future__ import annotations

import argparse
import re

import common  # noqa: F401 - embedding_studio from this checkout

from embedding_studio.core.text.decoding import find_text_files, iter_text
from embedding_studio.core.text.tokens import tokenize


def sentences(paths: list[str], rule: str = "project", length: int = 10_000) -> list[list[str]]:
    """The token stream cut into gensim's maximum sentence length, so windows see the same text.

    ``rule`` "project" tokenises as Embedding Studio does; "regex" as gensim's users commonly do,
    ``re.findall(r"[a-z]+", text.lower())``, over the same text (Gutenberg headers stripped alike).
    """
    tokens: list[str] = []
    for path in find_text_files(paths):
        for piece in iter_text(path):
            tokens.extend(re.findall(r"[a-z]+", piece.lower()) if rule == "regex" else tokenize(piece))
    return [tokens[i:i + length] for i in range(0, len(tokens), length)]


def main() -> None:
    from gensim.models import Word2Vec

    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="+")
    parser.add_argument("--out", required=True)
    for name, default in [("dim", 32), ("window", 2), ("negative", 5), ("epochs", 20), ("min-count", 5),
                          ("workers", 2), ("seed", 1)]:
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--tokens", choices=["project", "regex"], default="project",
                        help="read as Embedding Studio does, or with a plain [a-z]+ regex as gensim's users do")
    parser.add_argument("--hs", action="store_true",
                        help="hierarchical softmax instead of negative sampling (Spark MLlib's algorithm)")
    args = parser.parse_args()
    model = Word2Vec(sentences(args.corpus, args.tokens), sg=1, vector_size=args.dim, window=args.window, hs=int(args.hs),
                     negative=0 if args.hs else args.negative, epochs=args.epochs, min_count=args.min_count,
                     sample=args.sample, workers=args.workers, seed=args.seed)
    model.wv.save_word2vec_format(args.out, binary=True)


if __name__ == "__main__":
    main()
