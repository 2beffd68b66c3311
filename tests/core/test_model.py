"""Model queries against brute-force NumPy, on small random and planted models."""

import numpy as np
import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.model import Model, RunState


def make_model(n=50, dim=8, seed=0, output=False):
    rng = np.random.default_rng(seed)
    words = [f"w{i:02d}" for i in range(n)]
    counts = np.arange(n, 0, -1, dtype=np.int64) * 10
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    out = rng.standard_normal((n, dim)).astype(np.float32) if output else None
    return Model(Vocab(words, counts), vectors, out)


def brute_cosines(vectors, query):
    vectors = vectors.astype(np.float64)
    query = np.asarray(query, dtype=np.float64)
    return vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))


def test_basic_attributes():
    model = make_model(output=True)
    assert len(model) == 50 and model.dim == 8
    assert model.words[0] == "w00" and model.counts[0] == 500
    assert "w03" in model and "W03" in model and "nope" not in model and 3 not in model
    assert model.loss_history.dtype == np.float64 and model.loss_history.size == 0
    assert model.state == RunState() and model.config is None
    v = model.vector("w03")
    v[:] = 0
    assert np.any(model.vectors[3] != 0), "vector() must return a copy"


def test_most_similar_matches_brute_force():
    model = make_model()
    cos = brute_cosines(model.vectors, model.vectors[7])
    cos[7] = -np.inf
    expected = np.argsort(-cos)[:5]
    got = model.most_similar("w07", topn=5)
    assert [w for w, _ in got] == [model.words[i] for i in expected]
    np.testing.assert_allclose([s for _, s in got], cos[expected], atol=1e-5)
    assert "w07" not in [w for w, _ in model.most_similar("w07", topn=100)]
    assert len(model.most_similar("w07", topn=100)) == 49


def test_most_similar_by_vector_includes_everyone():
    model = make_model()
    query = model.vectors[7] * 3
    got = model.most_similar(query, topn=3)
    assert got[0][0] == "w07" and got[0][1] == pytest.approx(1.0, abs=1e-5)
    cos = brute_cosines(model.vectors, query)
    assert [w for w, _ in got] == [model.words[i] for i in np.argsort(-cos)[:3]]
    scores = [s for _, s in model.most_similar(query, topn=50)]
    assert scores == sorted(scores, reverse=True)


def test_queries_split_across_threads_give_the_same_answers(monkeypatch):
    import embedding_studio.core.parallel as parallel

    model = make_model(n=1003, dim=16, seed=3)
    words = ["w07", "w500", "w1002"]

    def answers():
        return [model.most_similar(w, topn=20) for w in words] + [model.analogy(["w01", "w02"], ["w03"], topn=5)]

    alone = answers()
    before = parallel.split_threads()
    slices = []
    product = parallel._product
    monkeypatch.setattr(parallel, "_product", lambda *args: (slices.append(args[3:]), product(*args)))
    monkeypatch.setattr(parallel, "SPLIT_ROWS", 100)  # small enough to split this table
    try:
        for threads in (2, 3):
            parallel.split_across_threads(threads)
            slices.clear()
            for got, want in zip(answers(), alone):
                assert [w for w, _ in got] == [w for w, _ in want]
                np.testing.assert_allclose([c for _, c in got], [c for _, c in want], rtol=0, atol=1e-6)
            assert len(slices) == 4 * threads and sorted(slices)[0][0] == 0 and sorted(slices)[-1][1] == 1003
    finally:
        parallel.split_across_threads(before)


def test_similarity_and_matrix():
    model = make_model()
    cos = brute_cosines(model.vectors, model.vectors[2])
    assert model.similarity("w02", "w09") == pytest.approx(cos[9], abs=1e-6)
    assert isinstance(model.similarity("w02", "w09"), float)
    table = model.similarity_matrix(["w02", "w09", "w11"])
    assert table.shape == (3, 3) and table.dtype == np.float32
    np.testing.assert_allclose(np.diag(table), 1, atol=1e-6)
    np.testing.assert_allclose(table, table.T, atol=1e-7)
    assert table[0, 1] == pytest.approx(cos[9], abs=1e-6)


def planted_model():
    """Orthogonal 'royalty' and 'gender' directions plus noise words: king - man + woman = queen."""
    rng = np.random.default_rng(3)
    dim = 16
    royal, gender, person = np.eye(dim)[0], np.eye(dim)[1], np.eye(dim)[2]
    planted = {
        "king": person + royal + gender,
        "queen": person + royal - gender,
        "man": person + gender,
        "woman": person - gender,
    }
    words = list(planted) + [f"noise{i}" for i in range(30)]
    noise = rng.standard_normal((30, dim)) * 0.5
    noise[:, :3] = 0  # noise lives in the other dimensions
    vectors = np.vstack([np.array(list(planted.values())), noise]).astype(np.float32)
    return Model(Vocab(words, np.ones(len(words), dtype=np.int64)), vectors)


def test_analogy_finds_planted_answer_and_excludes_inputs():
    model = planted_model()
    result = model.analogy(["king", "woman"], ["man"], topn=3)
    assert result[0][0] == "queen"
    names = [w for w, _ in model.analogy(["king", "woman"], ["man"], topn=100)]
    assert not {"king", "woman", "man"} & set(names)
    assert len(names) == len(model) - 3


def test_analogy_matches_3cosadd_brute_force():
    model = make_model(seed=5)
    unit = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
    mean = (unit[1] + unit[4] - unit[6]) / 3
    cos = brute_cosines(model.vectors, mean)
    cos[[1, 4, 6]] = -np.inf
    expected = [model.words[i] for i in np.argsort(-cos)[:5]]
    got = model.analogy(["w01", "w04"], ["w06"], topn=5)
    assert [w for w, _ in got] == expected
    np.testing.assert_allclose([s for _, s in got], np.sort(cos)[::-1][:5], atol=1e-5)


def test_analogy_gensim_agrees():
    gensim = pytest.importorskip("gensim")
    model = make_model(seed=9)
    kv = gensim.models.KeyedVectors(model.dim)
    kv.add_vectors(model.words, model.vectors)
    ours = model.analogy(["w01", "w04"], ["w06"], topn=5)
    theirs = kv.most_similar(positive=["w01", "w04"], negative=["w06"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert [w for w, _ in model.most_similar("w03", 5)] == [w for w, _ in kv.most_similar("w03", topn=5)]


def test_unknown_word_raises_with_suggestions():
    words = ["castle", "queen", "king", "kingdom"]
    model = Model(Vocab(words, np.array([4, 3, 2, 1])), np.eye(4, dtype=np.float32))
    with pytest.raises(UnknownWordError) as info:
        model.most_similar("kingg")
    assert info.value.word == "kingg"
    assert "king" in info.value.suggestions
    assert "did you mean" in str(info.value)
    with pytest.raises(KeyError):
        model.vector("zzzz")
    for call in (
        lambda: model.similarity("king", "qqq"),
        lambda: model.analogy(["king", "xx"], ["queen"]),
        lambda: model.similarity_matrix(["king", "nope"]),
    ):
        with pytest.raises(UnknownWordError):
            call()


def test_lowercase_fallback():
    model = Model(Vocab(["paris", "London"], np.array([2, 1])), np.eye(2, dtype=np.float32))
    np.testing.assert_array_equal(model.vector("Paris"), [1, 0])
    np.testing.assert_array_equal(model.vector("London"), [0, 1])
    with pytest.raises(UnknownWordError):
        model.vector("london")


def test_zero_vectors_do_not_make_nan():
    model = make_model(n=10, dim=4)
    model.vectors[3] = 0
    model.invalidate()
    result = model.most_similar("w03", topn=9)
    assert all(np.isfinite(s) for _, s in result)
    assert all(s == 0 for _, s in result)
    assert all(np.isfinite(s) for _, s in model.most_similar("w01", topn=9))
    assert model.similarity("w03", "w01") == 0
    assert np.isfinite(model.similarity_matrix(["w03", "w01"])).all()
    assert all(np.isfinite(s) for _, s in model.most_similar(np.zeros(4), topn=3))
    assert all(np.isfinite(s) for _, s in model.analogy(["w01"], ["w01"], topn=3))


def test_invalidate_refreshes_cache():
    model = make_model(n=10, dim=4)
    before = model.most_similar("w00", topn=1)[0][0]
    target = 1 if before != "w01" else 2
    model.vectors[target] = model.vectors[0] * 2  # in place, as the trainer does
    assert model.most_similar("w00", topn=1)[0][0] == before  # cached
    model.invalidate()
    assert model.most_similar("w00", topn=1)[0] == (f"w{target:02d}", pytest.approx(1.0, abs=1e-6))


def test_topn_edges():
    model = make_model(n=5, dim=3)
    assert model.most_similar("w00", topn=0) == []
    assert len(model.most_similar("w00", topn=10)) == 4
    single = Model(Vocab(["only"], np.array([1])), np.ones((1, 3), dtype=np.float32))
    assert single.most_similar("only") == []


def test_constructor_fields():
    model = Model(
        Vocab(["a", "b"], np.array([2, 1])),
        np.ones((2, 3), dtype=np.float64),
        np.zeros((2, 3)),
        TrainConfig(dim=3, workers=1),
        [1.5, 1.0],
        RunState(epochs_trained=2),
    )
    assert model.vectors.dtype == np.float32 and model.output.dtype == np.float32
    assert model.loss_history.dtype == np.float64 and list(model.loss_history) == [1.5, 1.0]
    assert model.state.epochs_trained == 2 and model.config.dim == 3
    with pytest.raises(ValueError):
        Model(Vocab(["a"], np.array([1])), np.ones((2, 3)))


def test_a_word_is_in_the_model_exactly_when_it_can_be_looked_up():
    # A phrase typed with spaces (as a person types it) is found by index(); `in` must agree.
    from embedding_studio.core.text.phrases import JOINER

    words = ["pyotr" + JOINER + "stepanovitch", "the", "Moscow"]
    model = Model(Vocab(words, [5, 9, 3]), np.eye(3, 4, dtype=np.float32))
    for typed in ("pyotr stepanovitch", "Pyotr  Stepanovitch", "THE", "Moscow", "moscow"):
        assert (typed in model) == _finds(model, typed), typed
    assert "pyotr stepanovitch" in model and "THE" in model and "Moscow" in model
    assert "stepanovitch" not in model and None not in model


def _finds(model, word):
    try:
        model.index(word)
        return True
    except UnknownWordError:
        return False
