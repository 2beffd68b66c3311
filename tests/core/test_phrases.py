"""core.text.phrases: planted collocations are found, nothing else is, and joining is greedy and exact."""

from __future__ import annotations

import numpy as np
import pytest

from embedding_studio.core.errors import CorpusError
from embedding_studio.core.text.corpus import corpus_from_tokens, load_corpus
from embedding_studio.core.text.phrases import PhraseSettings, join_pairs, pair_counts, score_pairs
from embedding_studio.core.vectors.model import Model


def planted_text(seed: int = 0, sentences: int = 3000) -> list[str]:
    """Random words from 300 fillers, with three collocations planted: two pairs and a triple."""
    rng = np.random.default_rng(seed)
    fillers = [f"w{i}".translate(str.maketrans("0123456789", "oizeasbtxg")) for i in range(300)]
    planted = [["new", "york"], ["good", "heavens"], ["pyotr", "stepanovitch", "verhovensky"]]
    tokens: list[str] = []
    for _ in range(sentences):
        tokens.extend(rng.choice(fillers, size=rng.integers(3, 9)).tolist())
        if rng.random() < 0.1:
            tokens.extend(planted[rng.integers(len(planted))])
    return tokens


def test_planted_collocations_are_found_and_nothing_else():
    corpus = corpus_from_tokens(planted_text(), min_count=5, phrases=PhraseSettings(passes=2))
    found = {p.token for p in corpus.phrases}
    assert {"new_york", "good_heavens", "pyotr_stepanovitch_verhovensky"} <= found
    assert found <= {"new_york", "good_heavens", "pyotr_stepanovitch", "pyotr_stepanovitch_verhovensky"}
    assert "new_york" in corpus.vocab and "york" not in corpus.vocab  # york never occurs alone
    assert corpus.vocab.total == corpus.n_tokens and corpus.raw_tokens > corpus.n_tokens


def test_one_pass_joins_pairs_only():
    corpus = corpus_from_tokens(planted_text(), min_count=5, phrases=PhraseSettings(passes=1))
    found = {p.token for p in corpus.phrases}
    assert {"new_york", "good_heavens", "pyotr_stepanovitch"} <= found  # greedy: stepanovitch is taken
    assert all(p.token.count("_") == 1 for p in corpus.phrases)


def test_a_high_threshold_finds_none_and_changes_nothing():
    tokens = planted_text()
    plain = corpus_from_tokens(tokens, min_count=5)
    strict = corpus_from_tokens(tokens, min_count=5, phrases=PhraseSettings(threshold=1e12))
    assert strict.phrases == [] and strict.vocab.words == plain.vocab.words
    np.testing.assert_array_equal(strict.ids, plain.ids)


def test_the_score_is_word2phrases():
    counts = np.array([10, 20, 5])
    keys, times = pair_counts([np.array([0, 1, 0, 1, 2, 0, 1])], counts, min_count=1)
    pairs = {(int(k) // 3, int(k) % 3): int(t) for k, t in zip(keys, times)}
    assert pairs == {(0, 1): 3, (1, 0): 1, (1, 2): 1, (2, 0): 1}
    chosen, scores = score_pairs(keys, times, counts, total=1000, settings=PhraseSettings(threshold=1, min_count=1))
    expected = {(0, 1): (3 - 1) / (10 * 20) * 1000, (1, 0): 0.0, (1, 2): 0.0, (2, 0): 0.0}
    assert {(int(k) // 3, int(k) % 3): pytest.approx(s) for k, s in zip(chosen, scores)} == \
        {pair: pytest.approx(s) for pair, s in expected.items() if s > 1}


def slow_join(chunk: list[int], phrases: set[tuple[int, int]], n_words: int, order: list[tuple[int, int]]):
    out, i = [], 0
    while i < len(chunk):
        if i + 1 < len(chunk) and (chunk[i], chunk[i + 1]) in phrases:
            out.append(n_words + order.index((chunk[i], chunk[i + 1])))
            i += 2
        else:
            out.append(chunk[i])
            i += 1
    return out


@pytest.mark.parametrize("seed", range(20))
def test_joining_is_greedy_from_the_left_like_a_loop(seed):
    rng = np.random.default_rng(seed)
    n_words = 4
    chunk = rng.integers(0, n_words, size=200).astype(np.int32)
    order = sorted({(int(a), int(b)) for a, b in rng.integers(0, n_words, size=(3, 2))})
    keys = np.array([a * n_words + b for a, b in order], dtype=np.int64)
    assert join_pairs(chunk, keys, n_words).tolist() == slow_join(chunk.tolist(), set(order), n_words, order)


def test_phrases_survive_the_token_cache_and_match_reading_in_memory(tmp_path):
    text = tmp_path / "t.txt"
    tokens = planted_text(seed=1)
    text.write_text("\n".join(" ".join(tokens[i:i + 12]) for i in range(0, len(tokens), 12)))
    settings = PhraseSettings()
    plain = load_corpus([text], phrases=settings)
    first = load_corpus([text], phrases=settings, cache_dir=tmp_path / "cache")
    again = load_corpus([text], phrases=settings, cache_dir=tmp_path / "cache")
    assert plain.phrases and first.phrases == plain.phrases == again.phrases
    assert first.vocab.words == plain.vocab.words == again.vocab.words
    np.testing.assert_array_equal(first.ids, plain.ids)
    np.testing.assert_array_equal(again.ids, plain.ids)
    without = load_corpus([text], cache_dir=tmp_path / "cache")  # other settings: another entry
    assert "new_york" not in without.vocab


def test_a_phrase_can_be_searched_with_a_space():
    corpus = corpus_from_tokens(planted_text(), min_count=5, phrases=PhraseSettings())
    vectors = np.random.default_rng(0).normal(size=(len(corpus.vocab), 8)).astype(np.float32)
    model = Model(corpus.vocab, vectors)
    assert model.index("New York") == model.index("new_york") == corpus.vocab.index["new_york"]


def test_bad_phrase_settings_are_refused():
    for bad in (dict(threshold=0), dict(passes=0), dict(min_count=0)):
        with pytest.raises(ValueError):
            PhraseSettings(**bad)
    with pytest.raises(CorpusError):
        corpus_from_tokens([], phrases=PhraseSettings())
