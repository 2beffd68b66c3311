"""Semantic axes on planted vectors: direction, places, ranking, the 2-axis map, and projecting out."""

import numpy as np
import pytest

from embedding_studio.core.errors import StudioError
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.axes import axis_map, parse_pairs, positions, rank_along, remove_direction, semantic_axis
from embedding_studio.core.vectors.model import Model

GENDER = np.array([1, 0, 0, 0], dtype=np.float32)
WEALTH = np.array([0, 1, 0, 0], dtype=np.float32)


def planted() -> Model:
    rng = np.random.default_rng(0)
    table = {"he": GENDER, "she": -GENDER, "man": GENDER, "woman": -GENDER,
             "rich": WEALTH, "poor": -WEALTH, "king": GENDER + WEALTH, "queen": -GENDER + WEALTH,
             "beggar": GENDER - WEALTH}
    words = list(table)
    vectors = np.array([table[w] + 0.05 * rng.standard_normal(4) for w in words])
    extra = rng.standard_normal((20, 4)) * 0.3 + np.array([0, 0, 1, 0])
    return Model(Vocab(words + [f"n{i}" for i in range(20)], np.arange(29, 0, -1)),
                 np.vstack([vectors, extra]).astype(np.float32))


def test_parse_pairs():
    assert parse_pairs("he-she, man-woman") == [("he", "she"), ("man", "woman")]
    assert parse_pairs("king - man : queen - woman; rich vs poor") == [("king - man", "queen - woman"), ("rich", "poor")]
    for bad in ("", "he", "he-", "a-b-c"):
        with pytest.raises(StudioError):
            parse_pairs(bad)


def test_axis_is_the_mean_difference_of_the_pairs():
    model = planted()
    axis = semantic_axis(model, "he-she, man-woman")
    u = model.unit_vectors
    expected = (u[0] - u[1] + u[2] - u[3]) / 2
    np.testing.assert_allclose(axis.direction, expected / np.linalg.norm(expected), atol=1e-6)
    assert axis.label == "she, woman \u2190 \u2192 he, man"
    assert positions(model, axis)[model.index("king")] > 0.5 > -0.5 > positions(model, axis)[model.index("queen")]


def test_ranking_and_the_two_axis_map():
    model = planted()
    gender, wealth = semantic_axis(model, "he-she"), semantic_axis(model, "rich-poor")
    high, low = rank_along(model, gender, topn=3)
    assert {w for w, _ in high} == {"king", "man", "beggar"} and low[0][0] in {"woman", "queen"}
    assert [s for _, s in high] == sorted((s for _, s in high), reverse=True)
    assert "he" not in [w for w, _ in high + low]
    coords = axis_map(model, gender, wealth, ["king", "queen", "beggar"])
    assert coords.shape == (3, 2)
    assert coords[0, 0] > 0 and coords[0, 1] > 0 and coords[1, 0] < 0 < coords[1, 1] and coords[2, 1] < 0
    frequent, _ = rank_along(model, gender, topn=5, restrict_vocab=3)  # he, she, man; he defines the axis
    assert [w for w, _ in frequent] == ["man"]


def test_remove_direction_projects_it_out_and_keeps_the_rest():
    model = planted()
    gender = semantic_axis(model, "he-she, man-woman")
    cleaned = remove_direction(model, gender)
    np.testing.assert_allclose(cleaned.vectors @ gender.direction, 0, atol=1e-5)
    d = gender.direction.astype(np.float64)
    residual = model.vectors - np.outer(model.vectors @ d, d)
    np.testing.assert_allclose(cleaned.vectors, residual, atol=1e-5)
    assert cleaned.similarity("king", "queen") > model.similarity("king", "queen")
    assert model.vectors is not cleaned.vectors and cleaned.vocab is model.vocab
    with pytest.raises(StudioError):
        remove_direction(model, np.zeros(3))


def test_axes_take_formulas_and_refuse_nothing():
    model = planted()
    axis = semantic_axis(model, [("king - rich", "queen - rich")])
    assert positions(model, axis)[model.index("he")] > 0.5
    with pytest.raises(StudioError, match="cancel"):
        semantic_axis(model, [("he", "he")])
