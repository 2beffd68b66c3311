"""Vocabulary order, and the two distributions training draws from, against their formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.text.vocab import AliasSampler, Vocab


def test_vocabulary_is_sorted_by_count_then_word_and_cut():
    counts = {"b": 5, "a": 5, "c": 9, "rare": 1, "d": 2}
    vocab = Vocab.from_counts(counts, min_count=2)
    assert vocab.words == ["c", "a", "b", "d"]
    assert vocab.counts.tolist() == [9, 5, 5, 2]
    assert Vocab.from_counts(counts, min_count=2, max_vocab=2).words == ["c", "a"]
    assert vocab.id("b") == 2 and "rare" not in vocab and len(vocab) == 4 and vocab.total == 21


@settings(max_examples=200, deadline=None)
@given(counts=st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 6), max_size=40),
       min_count=st.integers(1, 4), max_vocab=st.none() | st.integers(1, 10))
def test_the_vectorised_sort_keeps_the_order_of_count_then_word(counts, min_count, max_vocab):
    # The definition: kept words by (-count, word); the rest below the cut, then those past max_vocab.
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    rare = [(w, c) for w, c in counts.items() if 0 < c < min_count] + kept[max_vocab or len(kept):]
    kept = kept[:max_vocab]
    vocab = Vocab.from_counts(counts, min_count, max_vocab)
    assert list(zip(vocab.words, vocab.counts.tolist())) == kept
    assert list(vocab.rare.items()) == rare
    same = Vocab.from_arrays(list(counts), np.array(list(counts.values()), np.int64), min_count, max_vocab)
    assert same.words == vocab.words and same.rare == vocab.rare


def test_unknown_words_suggest_close_spellings():
    vocab = Vocab(["murder", "mother", "brother"], [10, 9, 8])
    with pytest.raises(UnknownWordError, match="did you mean murder"):
        vocab.id("murdr")


def test_keep_probabilities_follow_gensims_formula():
    counts = np.array([100_000, 20_000, 3_000, 50, 1])
    vocab = Vocab([f"w{i}" for i in range(5)], counts)
    sample = 1e-3
    threshold = sample * counts.sum()
    for count, keep in zip(counts, vocab.keep_probabilities(sample)):
        expected = min(1.0, (math.sqrt(count / threshold) + 1) * threshold / count)
        assert keep == pytest.approx(expected, rel=1e-12)
    assert vocab.keep_probabilities(sample)[-1] == 1.0
    assert np.all(vocab.keep_probabilities(0.0) == 1.0)


def test_noise_distribution_is_counts_to_the_three_quarters():
    counts = np.array([81, 16, 1])
    vocab = Vocab(["a", "b", "c"], counts)
    expected = np.array([27.0, 8.0, 1.0]) / 36.0
    np.testing.assert_allclose(vocab.noise_probabilities(0.75), expected)


def test_alias_sampler_draws_the_distribution():
    rng = np.random.default_rng(0)
    p = rng.random(50) ** 3
    p /= p.sum()
    draws = AliasSampler(p).sample(np.random.default_rng(1), 2_000_000)
    assert draws.dtype == np.int32 and draws.min() >= 0 and draws.max() < 50
    observed = np.bincount(draws, minlength=50) / len(draws)
    # Each frequency within 5 standard errors of its probability.
    assert np.all(np.abs(observed - p) < 5 * np.sqrt(p * (1 - p) / len(draws)) + 1e-6)


def test_alias_sampler_refuses_nonsense():
    for bad in ([], [0, 0], [1, -1], [1, np.nan]):
        with pytest.raises(ValueError):
            AliasSampler(np.array(bad, dtype=float))


def test_a_word_cut_by_the_vocabulary_size_is_explained_as_such():
    vocab = Vocab.from_counts({"a": 10, "b": 8, "c": 6, "d": 1}, min_count=2, max_vocab=2)
    assert vocab.words == ["a", "b"] and vocab.rare == {"c": 6, "d": 1}
    assert "keeps only the 2 most frequent" in vocab.why_missing("c")
    assert "minimum count of 1 would keep it" in vocab.why_missing("d")
    assert vocab.why_missing("zebra") is None
    with pytest.raises(UnknownWordError, match="occurs 6 times"):
        vocab.id("c")
