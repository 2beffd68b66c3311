"""Aligned comparison: a rotated copy moved nowhere, planted movers come first, neighbour change,
weighting, different widths, and the arrows' map."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from embedding_studio.core.errors import StudioError
from embedding_studio.core.maps.projection import movement_map
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.compare import align_models, jaccard_rows, procrustes_rotation, shared_words, top_neighbours
from embedding_studio.core.vectors.model import Model


def random_model(n=300, dim=16, seed=0, words=None, counts=None):
    rng = np.random.default_rng(seed)
    words = words or [f"w{i:03d}" for i in range(n)]
    counts = np.arange(len(words), 0, -1, dtype=np.int64) * 7 if counts is None else counts
    return Model(Vocab(words, counts), rng.standard_normal((len(words), dim)).astype(np.float32))


def rotated_copy(model, seed=1, scale=1.0):
    rotation = ortho_group.rvs(model.dim, random_state=seed).astype(np.float32)
    return Model(model.vocab, model.vectors @ rotation * scale)


def test_a_rotated_copy_moved_nowhere():
    model = random_model()
    result = align_models(model, rotated_copy(model, scale=3.0))
    assert result.movement.max() < 1e-5
    assert result.neighbour_change.max() == 0.0
    assert len(result.words) == len(model)


def test_planted_movers_come_first():
    model = random_model(seed=2)
    other = rotated_copy(model, seed=5)
    rng = np.random.default_rng(9)
    moved = [10, 50, 120, 200]
    other.vectors[moved] = rng.standard_normal((len(moved), model.dim)).astype(np.float32) * 3
    other.invalidate()
    result = align_models(model, other)
    assert {w["word"] for w in result.movers(4)} == {model.words[i] for i in moved}
    untouched = np.setdiff1d(np.arange(len(model)), moved)
    assert result.movement[untouched].max() < 0.05  # four outliers barely tilt a weighted fit of 300
    assert result.movers(4, by="neighbours")[0]["neighbour_change"] > 0.5


def test_only_shared_words_most_frequent_first_and_top():
    left = random_model(words=["a", "b", "c", "d", "e"], counts=np.array([50, 40, 30, 20, 10]))
    right = random_model(words=["e", "d", "x", "b", "a"], counts=np.array([100, 90, 80, 1, 60]))
    words, mine, theirs, counts = shared_words(left, right, top=None)
    assert words == ["a", "d", "e", "b"] and list(counts) == [50, 20, 10, 1]
    assert [right.words[i] for i in theirs] == words and [left.words[i] for i in mine] == words
    assert shared_words(left, right, top=2)[0] == ["a", "d"]
    with pytest.raises(StudioError, match="share"):
        align_models(left, random_model(words=["p", "q", "a"]))


def test_different_widths_are_laid_into_each_other():
    model = random_model(dim=8, seed=3)
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.standard_normal((20, 8)))  # 8 orthonormal columns in 20 dimensions
    wide = Model(model.vocab, (model.vectors @ basis.T).astype(np.float32))
    result = align_models(model, wide)
    assert result.rotation.shape == (8, 20) and result.movement.max() < 1e-5


def test_weighted_procrustes_follows_the_heavy_rows():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((50, 5))
    truth = ortho_group.rvs(5, random_state=3)
    b = a @ truth
    b[:5] = rng.standard_normal((5, 5)) * 5  # corrupted rows...
    weights = np.ones(50)
    weights[:5] = 1e-9  # ...that carry no weight
    np.testing.assert_allclose(procrustes_rotation(a, b, weights), truth, atol=1e-6)
    assert np.abs(procrustes_rotation(a, b) - truth).max() > 1e-2


def test_neighbours_and_jaccard_by_brute_force():
    rng = np.random.default_rng(6)
    unit = rng.standard_normal((40, 6)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    got = top_neighbours(unit, 5, block=7)
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    np.testing.assert_array_equal(got, np.argsort(-scores, axis=1, kind="stable")[:, :5])
    x = np.array([[1, 2, 3], [1, 2, 3]])
    y = np.array([[3, 2, 1], [4, 5, 1]])
    np.testing.assert_allclose(jaccard_rows(x, y), [1.0, 1 / 5])


def test_movement_map_draws_the_moved_word_longest():
    model = random_model(n=60, dim=10, seed=8)
    other = rotated_copy(model)
    other.vectors[3] *= -1
    other.invalidate()
    result = align_models(model, other)
    start, end = movement_map(result.left, result.right)
    lengths = np.linalg.norm(end - start, axis=1)
    assert start.shape == end.shape == (60, 2)
    assert np.argmax(lengths) == result.words.index("w003")
