"""WEAT against a computation done by hand on 2D vectors, and against a plain loop on random ones."""

import itertools
import math

import numpy as np
import pytest

from embedding_studio.core.errors import StudioError
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.model import Model
from embedding_studio.core.vectors.weat import make_test, presets, weat


def model_of(vectors: dict) -> Model:
    words = list(vectors)
    return Model(Vocab(words, np.ones(len(words), dtype=np.int64)), np.array([vectors[w] for w in words], dtype=np.float32))


HAND = model_of({"a1": (1, 0), "a2": (0, 1), "b1": (-1, 0), "b2": (0, -1),
                 "x1": (2, 0), "x2": (0, 1), "y1": (-1, 0), "y2": (0.6, -0.8)})


def test_effect_size_and_p_value_by_hand():
    # s(w) = mean cos(w, A) - mean cos(w, B):
    #   x1 (1,0): (1+0)/2 - (-1+0)/2 = 1;  x2 (0,1): 1;  y1 (-1,0): -1;  y2 (.6,-.8): (-.1) - (.1) = -0.2
    # effect = (mean s(X) - mean s(Y)) / sd(s, ddof=1) = (1 - -0.6) / sqrt(2.88 / 3) = 1.6 / sqrt(0.96)
    # statistic = (1 + 1) - (-1 - 0.2) = 3.2; of the 6 splits into two pairs, none exceeds it (one equals it)
    result = weat(HAND, make_test(["x1", "x2"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"]))
    assert result.effect_size == pytest.approx(1.6 / math.sqrt(0.96), abs=1e-6)
    assert result.statistic == pytest.approx(3.2, abs=1e-6)
    assert result.p_value == 0.0 and result.exact and result.splits == 6
    assert result.associations["y2"] == pytest.approx(-0.2, abs=1e-6)
    # swapped targets: statistic -3.2; the splits give 3.2, 0.8, 0.8, -0.8, -0.8, -3.2: five exceed it
    swapped = weat(HAND, make_test(["y1", "y2"], ["x1", "x2"], ["a1", "a2"], ["b1", "b2"]))
    assert swapped.effect_size == pytest.approx(-1.6 / math.sqrt(0.96), abs=1e-6)
    assert swapped.p_value == pytest.approx(5 / 6)


def loop_weat(model, X, Y, A, B):
    def cos(u, v):
        u, v = model.vector(u).astype(np.float64), model.vector(v).astype(np.float64)
        return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))

    def s(w):
        return sum(cos(w, a) for a in A) / len(A) - sum(cos(w, b) for b in B) / len(B)

    values = [s(w) for w in X + Y]
    statistic = sum(values[:len(X)]) - sum(values[len(X):])
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    effect = (sum(values[:len(X)]) / len(X) - sum(values[len(X):]) / len(Y)) / sd
    greater = total = 0
    for chosen in itertools.combinations(range(len(values)), len(X)):
        first = sum(values[i] for i in chosen)
        greater += first - (sum(values) - first) > statistic + 1e-9
        total += 1
    return effect, greater / total


def test_matches_a_plain_loop_on_random_vectors():
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(30)]
    model = Model(Vocab(words, np.ones(30, dtype=np.int64)), rng.standard_normal((30, 6)).astype(np.float32))
    X, Y, A, B = words[:5], words[5:11], words[11:15], words[15:20]
    result = weat(model, make_test(X, Y, A, B))
    effect, p = loop_weat(model, X, Y, A, B)
    assert result.effect_size == pytest.approx(effect, abs=1e-5)
    assert result.p_value == pytest.approx(p, abs=1e-9) and result.exact


def test_sampled_p_value_is_close_to_the_exact_one(monkeypatch):
    import embedding_studio.core.vectors.weat as module

    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(40)]
    model = Model(Vocab(words, np.ones(40, dtype=np.int64)), rng.standard_normal((40, 5)).astype(np.float32))
    test = make_test(words[:7], words[7:14], words[14:20], words[20:26])
    exact = weat(model, test)
    monkeypatch.setattr(module, "EXACT_LIMIT", 10)
    sampled = weat(model, test, permutations=20_000, seed=1)
    assert not sampled.exact and sampled.splits == 20_000
    assert sampled.p_value == pytest.approx(exact.p_value, abs=0.02)
    assert sampled.effect_size == exact.effect_size


def test_missing_words_are_dropped_and_reported():
    result = weat(HAND, make_test("x1 x2 nope", "y1, y2", ["a1", "a2", "A1"], ["b1", "b2"]))
    assert result.missing["X"] == ["nope"] and result.used["X"] == ["x1", "x2"]
    with pytest.raises(StudioError, match="at least 2"):
        weat(HAND, make_test(["x1", "zz"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"]))
    with pytest.raises(StudioError, match="share"):
        weat(HAND, make_test(["x1", "x2"], ["x2", "y2"], ["a1", "a2"], ["b1", "b2"]))


def test_the_papers_sets_are_the_presets():
    tests = presets()
    assert len(tests) == 10
    first = tests["weat1"]
    assert len(first.X.words) == 25 and len(first.Y.words) == 25 and "aster" in first.X.words
    assert len(first.A.words) == 25 and "caress" in first.A.words and "prison" in first.B.words
    assert tests["weat7"].A.words[:3] == ("male", "man", "boy")
    assert all(len(set(t.X.words) & set(t.Y.words)) == 0 for t in tests.values())


def test_no_spread_gives_no_effect_size_and_valid_json():
    import json

    flat = model_of({"a1": (1, 0), "a2": (1, 0), "b1": (0, 1), "b2": (0, 1),
                     "x1": (1, 1), "x2": (1, 1), "y1": (1, 1), "y2": (1, 1)})
    result = weat(flat, make_test(["x1", "x2"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"]))
    assert math.isnan(result.effect_size) and result.p_value == 0.0
    report = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert report["effect_size"] is None and report["p_value"] == 0.0 and report["exact"]
