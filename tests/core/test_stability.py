"""Stability across runs: a tiny generated corpus, few epochs; the measures against brute force."""


import numpy as np
import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import StudioError
from embedding_studio.core.text.demo import demo_corpus
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.train.stability import StabilityRuns, measure, neighbours_across, similarity_spread
from embedding_studio.core.vectors.model import Model

FAST = dict(dim=12, epochs=1, workers=1)


@pytest.fixture(scope="module")
def corpus():
    return demo_corpus(seed=2)


def test_seeds_give_different_models_and_a_report(corpus):
    runs = StabilityRuns(corpus.ids, corpus.vocab, TrainConfig(**FAST, seed=5), runs=3)
    seen = []
    models = runs.run(on_progress=lambda i, n, p: seen.append(i))
    assert len(models) == 3 and [m.config.seed for m in models] == [5, 6, 7]
    assert not np.allclose(models[0].vectors, models[1].vectors)
    assert set(seen) <= {0, 1, 2}
    report = measure(models, topn=5, limit=None)
    assert len(report.words) == len(corpus.vocab) and report.runs == 3
    assert ((0 <= report.jaccard) & (report.jaccard <= 1)).all() and (report.spread >= 0).all()
    rows = neighbours_across(models, "king", topn=4)
    assert len(rows) == 4 and "king" not in [w for w, _, _ in rows]
    assert [m for _, m, _ in rows] == sorted((m for _, m, _ in rows), reverse=True)
    (mean, std), = similarity_spread(models, "king", ["queen"])
    cosines = [m.similarity("king", "queen") for m in models]
    assert mean == pytest.approx(np.mean(cosines), abs=1e-6) and std == pytest.approx(np.std(cosines), abs=1e-6)


def test_bootstrap_resamples_passages(corpus):
    runs = StabilityRuns(corpus.ids, corpus.vocab, TrainConfig(**FAST), runs=2, bootstrap=True)
    first, second = runs.tokens_of_run(0), runs.tokens_of_run(1)
    assert abs(len(first) - len(corpus.ids)) < 1000 and not np.array_equal(first, second)
    assert np.array_equal(first, runs.tokens_of_run(0))  # seeded


def test_identical_runs_are_perfectly_stable():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((40, 6)).astype(np.float32)
    vocab = Vocab([f"w{i}" for i in range(40)], np.arange(40, 0, -1))
    report = measure([Model(vocab, vectors), Model(vocab, vectors * 2)], topn=5)
    assert (report.jaccard == 1).all() and np.allclose(report.spread, 0, atol=1e-6) and report.unstable() == []


def test_measures_by_brute_force():
    rng = np.random.default_rng(1)
    vocab = Vocab([f"w{i}" for i in range(30)], np.arange(30, 0, -1))
    models = [Model(vocab, rng.standard_normal((30, 5)).astype(np.float32)) for _ in range(3)]
    report = measure(models, topn=4, block=7)
    units = [m.unit_vectors.astype(np.float64) for m in models]
    for i in (0, 13, 29):
        sets = []
        for u in units:
            cos = u @ u[i]
            cos[i] = -np.inf
            sets.append(set(np.argsort(-cos)[:4]))
        pairs = [(0, 1), (0, 2), (1, 2)]
        assert report.jaccard[i] == pytest.approx(np.mean([len(sets[a] & sets[b]) / len(sets[a] | sets[b])
                                                            for a, b in pairs]))
        cos = np.stack([u @ u[i] for u in units])
        mean = cos.mean(axis=0)
        mean[i] = -np.inf
        consensus = np.argsort(-mean)[:4]
        assert report.spread[i] == pytest.approx(cos.std(axis=0)[consensus].mean(), abs=1e-5)
    assert report.unstable(below=1.01)[0] == report.words[int(np.argmin(report.jaccard))]


def test_stop_ends_the_runs_and_keeps_the_finished_ones(corpus):
    runs = StabilityRuns(corpus.ids, corpus.vocab, TrainConfig(dim=12, epochs=3, workers=1), runs=4)

    def progress(index, total, p):
        if index == 1:
            runs.stop()

    models = runs.run(on_progress=progress, progress_interval=0.0)
    assert len(models) == 1 and runs.stopped


def test_refuses_too_few_runs(corpus):
    with pytest.raises(StudioError):
        StabilityRuns(corpus.ids, corpus.vocab, TrainConfig(**FAST), runs=1)
    with pytest.raises(StudioError):
        measure([], topn=5)
