"""Shared by the benchmarks: where the article's corpus lives, and gensim's evaluators on any vectors."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOSTOEVSKY = ROOT.parent / "shared" / "corpora" / "dostoevsky"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _use_this_checkout() -> None:
    """Import ``embedding_studio`` from this checkout, not from wherever it is installed (main.py's rule):
    a benchmark run in a git worktree of an older commit measures that commit."""
    spec = importlib.util.spec_from_file_location("_embedding_studio_checkout", ROOT / "main.py")
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    launcher.use_this_checkout()


_use_this_checkout()


def require_corpus() -> Path:
    if not DOSTOEVSKY.is_dir():
        sys.exit(f"the benchmark corpus is missing: expected {DOSTOEVSKY}")
    return DOSTOEVSKY


def quality(words: list[str], vectors) -> dict[str, float]:
    """WordSim-353 and SimLex-999 Spearman and analogy accuracy, by gensim's own evaluators."""
    import logging

    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    logging.getLogger("gensim").setLevel(logging.ERROR)
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    return {
        "wordsim": float(kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]),
        "simlex": float(kv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0]),
        "analogy": float(kv.evaluate_word_analogies(datapath("questions-words.txt"))[0]),
    }


def median(values) -> float:
    return float(statistics.median(values))
