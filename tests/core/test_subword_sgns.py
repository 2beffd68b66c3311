"""Subword vectors (#28 item 2): fastText-style SGNS, its batch against a per-example reference, the
trainer's subword runs, and the model saved, loaded, exported and asked for unseen words."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import ConfigError, ModelFileError
from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.train.subword_sgns import Composition, initial_subword_table, subword_window_step
from embedding_studio.core.train.trainer import Trainer
from embedding_studio.core.vectors.io import load_any, load_model, load_vectors, save_model, save_word2vec
from embedding_studio.core.vectors.subwords import ngram_hashes

WORDS = ["cat", "cats", "dog", "dogs", "catalogue", "hotdog"]


def per_example_reference(table, n_words, composition, tokens, reduced, noise, lr):
    """fastText's skip-gram update, one example at a time from the rows before the batch: the input is the
    mean of the context word's rows, and its gradient is added in full to each of them."""
    before = table.astype(np.float64)
    after = before.copy()
    loss = 0.0
    n = len(tokens)
    for i in range(n):
        for j in range(max(0, i - reduced[i]), min(n, i + reduced[i] + 1)):
            if j == i:
                continue
            rows = composition.rows[composition.ptr[tokens[j]]:composition.ptr[tokens[j] + 1]]
            h = before[rows].mean(axis=0)
            grad_h = np.zeros_like(h)
            for target, label in [(tokens[i], 1.0)] + [(m, 0.0) for m in noise[i]]:
                out = before[n_words + target]
                prob = 1.0 / (1.0 + math.exp(-h @ out))
                loss += -math.log(prob) if label else -math.log(1.0 - prob)
                grad_h -= lr * (prob - label) * out
                after[n_words + target] -= lr * (prob - label) * h
            for row in rows:
                after[row] += grad_h
    return after, loss


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_subword_step_equals_the_per_example_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_words, buckets, dim, window = len(WORDS), 50, 4, 2
    composition = Composition(WORDS, buckets)
    table = initial_subword_table(n_words, dim, buckets, seed)
    table[n_words:2 * n_words] = rng.normal(0, 0.3, (n_words, dim))
    tokens = rng.integers(0, n_words, 11).astype(np.int32)
    reduced = rng.integers(1, window + 1, len(tokens)).astype(np.int32)
    noise = rng.integers(0, n_words, (len(tokens), 2)).astype(np.int32)
    expected, expected_loss = per_example_reference(table, n_words, composition, tokens, reduced, noise, 0.1)
    loss, pairs = subword_window_step(table, n_words, tokens, composition, reduced, noise, window, 0.1)
    assert pairs == sum(min(len(tokens) - 1, i + r) - max(0, i - r) for i, r in enumerate(reduced))
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    np.testing.assert_allclose(table, expected, atol=1e-5)


def test_composition_is_the_word_row_then_its_ngram_rows() -> None:
    composition = Composition(WORDS, 1000)
    offsets, grams = ngram_hashes(WORDS, 3, 6, 1000)
    for i in range(len(WORDS)):
        rows = composition.rows[composition.ptr[i]:composition.ptr[i + 1]]
        assert rows[0] == i and (rows[1:] - 2 * len(WORDS)).tolist() == grams[offsets[i]:offsets[i + 1]].tolist()
    ptr, rows = composition.of(np.array([2, 0, 2], dtype=np.int32))
    assert rows[ptr[1]:ptr[2]].tolist() == composition.rows[composition.ptr[0]:composition.ptr[1]].tolist()


def demo_corpus(tmp_path: Path, sentences: int = 3000):
    from embedding_studio.core.text.corpus import load_corpus

    path = tmp_path / "demo.txt"
    path.write_text(demo_text(seed=3, sentences=sentences), encoding="utf-8")
    return path, load_corpus([path], min_count=2)


@pytest.fixture(scope="module")
def subword_model(tmp_path_factory):
    _, corpus = demo_corpus(tmp_path_factory.mktemp("corpus"))
    config = TrainConfig(dim=16, epochs=2, workers=1, min_count=2, subwords=True, subword_buckets=5000)
    return Trainer(corpus.ids, corpus.vocab, config).train()


def test_a_subword_run_gives_means_of_own_and_ngram_rows(subword_model) -> None:
    model = subword_model
    assert model.subwords is not None and model.subwords.buckets == 5000
    assert np.isfinite(model.loss_history).all() and model.loss_history[-1] < math.log(2)
    offsets, rows = ngram_hashes(model.words, 3, 6, 5000)
    i = model.index("king")
    grams = model.subwords.ngrams[rows[offsets[i]:offsets[i + 1]]]
    expected = (model.subwords.word_rows[i] + grams.sum(axis=0)) / (1 + len(grams))
    np.testing.assert_allclose(model.vectors[i], expected, atol=1e-6)


def test_an_unseen_word_answers_from_its_letters(subword_model) -> None:
    model = subword_model
    word = "kingliest"
    assert word not in model and model.from_letters(word) and not model.from_letters("king")
    offsets, rows = ngram_hashes([word], 3, 6, 5000)
    np.testing.assert_allclose(model.vector(word), model.subwords.ngrams[rows].mean(axis=0), atol=1e-6)
    assert len(model.most_similar(word, topn=5)) == 5
    assert model.vector("KINGLIEST") == pytest.approx(model.vector(word))  # as the vocabulary: lowercase


def test_saved_loaded_and_exported(subword_model, tmp_path: Path) -> None:
    model = subword_model
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.config.subwords and loaded.subwords.min_n == 3 and loaded.subwords.max_n == 6
    np.testing.assert_array_equal(loaded.subwords.ngrams, model.subwords.ngrams)
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    np.testing.assert_array_equal(loaded.vector("kingliest"), model.vector("kingliest"))
    save_word2vec(loaded, tmp_path / "m.txt")
    text = load_vectors(tmp_path / "m.txt")
    assert text.words == model.words  # the vocabulary's words, with their composed vectors
    np.testing.assert_allclose(text.vectors, model.vectors, rtol=1e-6)


def test_a_subword_model_continues_training(subword_model) -> None:
    model = subword_model
    ngrams = model.subwords.ngrams.copy()
    config = model.config.replace(epochs=1)
    tokens = np.repeat(np.arange(len(model), dtype=np.int32), 3)
    more = Trainer(tokens, model.vocab, config, model=model).train()
    assert more.subwords is not None and more.state.epochs_trained == 3
    assert not np.array_equal(more.subwords.ngrams, ngrams)  # the n-grams went on training
    assert model.subwords.ngrams is not more.subwords.ngrams


def test_incomplete_subword_members_are_refused(subword_model, tmp_path: Path) -> None:
    save_model(subword_model, tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as whole, zipfile.ZipFile(tmp_path / "cut.npz", "w") as cut:
        for item in whole.infolist():
            if item.filename != "subword_rows.npy":
                cut.writestr(item, whole.read(item))
    with pytest.raises(ModelFileError, match="subword vectors are incomplete"):
        load_model(tmp_path / "cut.npz")


def test_the_subword_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="subword_buckets"):
        TrainConfig(subwords=True, subword_buckets=0)
    with pytest.raises(ConfigError, match="subwords must be true or false"):
        TrainConfig(subwords="yes")


def test_cli_trains_subwords_and_similar_says_built_from_letters(tmp_path: Path) -> None:
    from embedding_studio.core.cli import main as cli_main

    path, _ = demo_corpus(tmp_path, 2000)
    out = tmp_path / "sub.npz"
    err = io.StringIO()
    code = cli_main(["train", str(path), "--out", str(out), "--dim", "8", "--epochs", "1", "--workers", "1",
                     "--quiet", "--subwords", "--subword-buckets", "3000"], stdout=io.StringIO(), stderr=err)
    assert code == 0, err.getvalue()
    assert load_any(out).subwords.buckets == 3000
    stdout, err = io.StringIO(), io.StringIO()
    assert cli_main(["similar", str(out), "queenliness", "-n", "3"], stdout=stdout, stderr=err) == 0
    assert "built from its letters" in err.getvalue() and len(stdout.getvalue().splitlines()) == 3


def test_impossible_ngram_lengths_in_a_model_file_are_refused(subword_model, tmp_path: Path) -> None:
    save_model(subword_model, tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as whole, zipfile.ZipFile(tmp_path / "bad.npz", "w") as bad:
        for item in whole.infolist():
            if item.filename == "subword_sizes.npy":
                buffer = io.BytesIO()
                np.save(buffer, np.array([0, 99], dtype=np.int64))
                bad.writestr(item, buffer.getvalue())
            else:
                bad.writestr(item, whole.read(item))
    with pytest.raises(ModelFileError, match="n-gram lengths 0..99"):
        load_model(tmp_path / "bad.npz")


def test_ngram_rows_may_sum_more_updates_than_own_rows() -> None:
    from embedding_studio.core.train.subword_sgns import NGRAM_ROW_ALLOWANCE, _bounded

    rows = np.array([0, 0, 0, 20, 20, 20], dtype=np.int32)  # an own row, then an n-gram row (from 12 on)
    updates = np.full(6, 10.0)
    factors = _bounded(rows, updates, 6.0, loose_from=12, allowance=NGRAM_ROW_ALLOWANCE)
    np.testing.assert_allclose(factors[:3], 6.0 / 30.0)
    np.testing.assert_allclose(factors[3:], min(1.0, 6.0 * NGRAM_ROW_ALLOWANCE / 30.0))
    strict = _bounded(rows, updates, 6.0, loose_from=12, allowance=1.0)
    np.testing.assert_allclose(strict, 6.0 / 30.0)
