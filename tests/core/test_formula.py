"""Formulas wherever a word is, and gensim's doesnt_match / n_similarity / most_similar_cosmul, checked
against gensim's own KeyedVectors on the same vectors."""

import numpy as np
import pytest

from embedding_studio.core.errors import StudioError, UnknownWordError
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.formula import Formula, looks_like_formula, parse_formula
from embedding_studio.core.vectors.model import Model


def make_model(n=60, dim=10, seed=3):
    rng = np.random.default_rng(seed)
    words = [f"w{i:02d}" for i in range(n)]
    return Model(Vocab(words, np.arange(n, 0, -1, dtype=np.int64) * 10),
                 rng.standard_normal((n, dim)).astype(np.float32))


@pytest.fixture(scope="module")
def pair():
    gensim = pytest.importorskip("gensim.models", reason="gensim (the test extra) is needed to compare with it")
    model = make_model()
    kv = gensim.KeyedVectors(model.dim)
    kv.add_vectors(model.words, model.vectors)
    return model, kv


def test_parse_formula():
    assert parse_formula("king - man + woman") == Formula(("king", "woman"), ("man",))
    assert parse_formula("paris-france+germany") == Formula(("paris", "germany"), ("france",))
    assert parse_formula("-man") == Formula((), ("man",))
    assert str(parse_formula("king - man + woman")) == "king + woman - man"
    with pytest.raises(StudioError):
        parse_formula("   ")
    assert looks_like_formula("a - b") and looks_like_formula("a b") and not looks_like_formula("word")


def test_formula_anywhere_a_word_is(pair):
    model, kv = pair
    ours = model.most_similar("w01 - w02 + w03", topn=5)
    theirs = kv.most_similar(positive=["w01", "w03"], negative=["w02"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert model.most_similar(positive=["w01", "w03"], negative=["w02"], topn=5) == ours  # gensim's call
    query, rows = model.query_vector("w01 - w02 + w03")
    assert set(rows) == {1, 2, 3} and np.linalg.norm(query) == pytest.approx(1.0, abs=1e-5)
    assert model.similarity("w01 + w05", "w07") == pytest.approx(
        float(np.dot(kv.get_mean_vector(["w01", "w05"], post_normalize=True), kv.get_vector("w07", norm=True))),
        abs=1e-5)


def test_a_hyphenated_word_is_a_word_not_a_formula():
    vectors = np.eye(3, dtype=np.float32)
    model = Model(Vocab(["e-mail", "e", "mail"], np.array([3, 2, 1])), vectors)
    assert model.query_vector("e-mail")[1] == (0,)
    assert model.query_vector("e - mail")[1] == (1, 2)


def test_unknown_word_in_formula_names_it(pair):
    model, _ = pair
    with pytest.raises(UnknownWordError) as error:
        model.most_similar("w01 - nope + w03")
    assert error.value.word == "nope"
    with pytest.raises(UnknownWordError):
        model.most_similar("nope")


def test_most_similar_cosmul_matches_gensim(pair):
    model, kv = pair
    for positive, negative in ((["w01", "w04"], ["w06"]), (["w10"], []), (["w03", "w08", "w09"], ["w11", "w12"])):
        ours = model.most_similar_cosmul(positive, negative, topn=8)
        theirs = kv.most_similar_cosmul(positive=positive, negative=negative, topn=8)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)
    with pytest.raises(StudioError):
        model.most_similar_cosmul([], ["w01"])


def test_doesnt_match_matches_gensim(pair):
    model, kv = pair
    rng = np.random.default_rng(0)
    for _ in range(20):
        words = [model.words[i] for i in rng.choice(len(model), size=rng.integers(3, 8), replace=False)]
        assert model.doesnt_match(words) == kv.doesnt_match(words)
    with pytest.raises(UnknownWordError):
        model.doesnt_match(["w01", "w02", "nope"])


def test_doesnt_match_finds_the_planted_outsider():
    rng = np.random.default_rng(1)
    centre = rng.standard_normal(16)
    vectors = np.vstack([centre + 0.1 * rng.standard_normal(16) for _ in range(4)] + [-centre])
    model = Model(Vocab(["a", "b", "c", "d", "odd"], np.ones(5, dtype=np.int64)), vectors.astype(np.float32))
    assert model.doesnt_match(["a", "odd", "b", "c", "d"]) == "odd"


def test_n_similarity_matches_gensim(pair):
    model, kv = pair
    for a, b in ((["w01", "w02"], ["w03"]), (["w05", "w06", "w07"], ["w08", "w09"]), (["w04"], ["w04"])):
        assert model.n_similarity(a, b) == pytest.approx(float(kv.n_similarity(a, b)), abs=1e-5)
    with pytest.raises(StudioError):
        model.n_similarity([], ["w01"])
