"""Benchmark files: gensim's presets, guessing a file's kind, and running a list of files."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors import benchmarks as benchmarks_module
from embedding_studio.core.vectors.benchmarks import ANALOGIES, PAIRS, Benchmark, gensim_presets, guess_kind, headline, run_benchmarks
from embedding_studio.core.vectors.evaluate import AnalogyResult, PairsResult
from embedding_studio.core.vectors.model import Model


@pytest.fixture
def toy() -> Model:
    # orthonormal axes: place (p, r) and gender (g0, g1); "woman - man + king" is exactly queen
    e = np.eye(6)
    p, r, g0, g1 = e[:4]
    s = 2 ** -0.5
    vectors = {"man": s * (p + g0), "woman": s * (p + g1), "king": s * (r + g0), "queen": s * (r + g1),
               "cat": e[4], "dog": 0.8 * e[4] + 0.6 * e[5]}
    words = list(vectors)
    return Model(Vocab(words, np.arange(len(words), 0, -1)), np.array([vectors[w] for w in words], np.float32))


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


# --- presets and kinds ----------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("gensim") is None, reason="gensim is not installed")
def test_gensim_presets_are_found_without_importing_gensim():
    names = {b.name: b for b in gensim_presets()}
    assert set(names) == {"WordSim-353", "SimLex-999", "Google analogies"}
    assert names["WordSim-353"].kind == PAIRS and names["SimLex-999"].kind == PAIRS
    assert names["Google analogies"].kind == ANALOGIES
    assert all(Path(b.path).is_file() for b in names.values())


def test_no_presets_without_gensim(monkeypatch):
    monkeypatch.setattr(benchmarks_module.importlib.util, "find_spec", lambda name: None)
    assert gensim_presets() == []


@pytest.mark.parametrize("text, kind", [
    ("word1\tword2\tscore\nking\tqueen\t9\n", PAIRS),
    ("# similarity\nking,queen,9\n", PAIRS),
    ("king queen 9\n", PAIRS),
    ("# analogies\n\n: royalty\nman woman king queen\n", ANALOGIES),
    ("man woman king queen\n", ANALOGIES),  # four words and no section line
])
def test_guess_kind(tmp_path, text, kind):
    assert guess_kind(write(tmp_path, "b.txt", text)) == kind


def test_an_unreadable_file_is_guessed_pairs_and_reported_when_run(tmp_path, toy):
    missing = str(tmp_path / "missing.txt")
    assert guess_kind(missing) == PAIRS
    [(_, result)] = run_benchmarks(toy, [Benchmark(missing, PAIRS, "missing")])
    assert isinstance(result, str) and "missing.txt" in result


def test_short_names_the_headline_metric():
    assert Benchmark("p.tsv", PAIRS, "WordSim-353").short == "WordSim-353 Spearman"
    assert Benchmark("q.txt", ANALOGIES, "Google analogies").short == "Google analogies accuracy"


# --- running a list -------------------------------------------------------------------------


def test_run_benchmarks_keeps_order_and_one_bad_file_spoils_nothing(tmp_path, toy):
    pairs = Benchmark(write(tmp_path, "p.tsv", "king\tqueen\t9\nman\twoman\t8\ncat\tking\t1\n"), PAIRS, "pairs")
    bad = Benchmark(write(tmp_path, "bad.txt", "king queen\n"), PAIRS, "bad")
    questions = Benchmark(write(tmp_path, "q.txt", ": royalty\nman woman king queen\nzzz man king queen\n"),
                          ANALOGIES, "questions")
    results = run_benchmarks(toy, [pairs, bad, questions])
    assert [b for b, _ in results] == [pairs, bad, questions]
    (_, scored), (_, error), (_, answered) = results
    assert isinstance(scored, PairsResult) and scored.pairs_used == 3
    assert isinstance(error, str) and "bad.txt" in error and "line 1" in error
    assert isinstance(answered, AnalogyResult) and (answered.correct, answered.total, answered.skipped) == (1, 1, 1)
    assert headline(scored) == scored.spearman
    assert headline(answered) == 1.0
    assert math.isnan(headline(error))


def test_analogy_vocab_limits_the_words_analogies_search(tmp_path, toy):
    questions = Benchmark(write(tmp_path, "q.txt", "man woman king queen\n"), ANALOGIES, "questions")
    [(_, everything)] = run_benchmarks(toy, [questions])
    [(_, frequent)] = run_benchmarks(toy, [questions], analogy_vocab=3)  # queen is the 4th word
    assert everything.total == 1 and everything.correct == 1
    assert frequent.total == 0 and frequent.skipped == 1
    assert math.isnan(headline(frequent))  # nothing answered: no point on the curve
