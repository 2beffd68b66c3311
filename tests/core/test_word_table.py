"""core.text.word_table: ids found from the spaced text's bytes are exactly split() and the dict's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedding_studio.core.config import TOKEN_RULE_NAMES
from embedding_studio.core.text.token_ids import FirstSeenIds as _FirstSeenIds
from embedding_studio.core.text.tokens import spaced_words
from embedding_studio.core.text.word_table import WordTable


class _FirstSeen(dict):
    """word -> id in order of first appearance (as the corpus reader numbers)."""

    def __missing__(self, word: str) -> int:
        new = self[word] = len(self)
        return new


def _both(texts: list[str], rule: str = "keep-hyphens", bulk: bool = True) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each text's ids by the byte-level table and by split() + a dict, piece after piece (``bulk``:
    the reader's index, given new words in bulk; else a plain dict, asked word by word)."""
    fast_index, slow_index = _FirstSeenIds() if bulk else _FirstSeen(), _FirstSeen()
    table = WordTable(fast_index)
    fast, slow = [], []
    for text in texts:
        spaced = spaced_words(text, rule)
        ids, starts = table.ids(spaced.encode("utf-8"))
        words = spaced.split()
        fast.append(ids)
        slow.append(np.array([slow_index[w] for w in words], np.int32).reshape(-1))
        # where each word starts, in bytes: the word is there
        data = spaced.encode("utf-8")
        assert [data[s:s + len(w.encode())].decode() for s, w in zip(starts.tolist(), words)] == words
    assert list(fast_index) == list(slow_index)  # the same words, numbered in the same order
    return fast, slow


def _assert_same(texts: list[str], rule: str = "keep-hyphens") -> None:
    for bulk in (True, False):
        fast, slow = _both(texts, rule, bulk)
        for a, b in zip(fast, slow):
            assert a.dtype == np.int32
            np.testing.assert_array_equal(a, b)


def test_words_of_every_length_short_medium_long_and_overlong():
    words = ["a", "ab", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq", "x" * 101]
    text = " ".join(words * 3) + "\n" + " ".join(reversed(words))
    _assert_same([text, text[::-1], text])


def test_words_that_share_their_first_eight_bytes_stay_apart():
    words = ["abcdefgh", "abcdefghi", "abcdefghij", "abcdefghijklmnop", "abcdefghijklmnopa", "abcdefghijklmnopb"]
    _assert_same([" ".join(words), " ".join(reversed(words)) + " abcdefg"])


def test_tricky_unicode_whitespace_and_marks_give_the_same_words():
    text = ("caf\u00e9\u00a0na\u00efve\u3000\u0436\u0438\u0437\u043d\u044c\u2009word\x1cnext\x1fend "
            "e\u0301t\u00e9 \u0301alone x\u2028y\u2029z\x85w \ufeffbom s\u00adoft z\u200dwj "
            "\u0434\u043e\u0441\u0442\u043e\u0435\u0432\u0441\u043a\u0438\u0439 don't man's to-morrow")
    for rule in TOKEN_RULE_NAMES:
        _assert_same([text, text.upper(), text], rule)


def test_spaced_text_holds_only_ascii_whitespace():
    spaced = spaced_words("a\u00a0b\u3000c\u2003d\u1680e\x85f")
    assert spaced.split() == ["a", "b", "c", "d", "e", "f"]
    assert not any(c.isspace() and not c.isascii() for c in spaced)


def test_empty_and_blank_text_have_no_ids():
    _assert_same(["", "   \n\t ", "...", "word"])


def test_the_table_grows_and_keeps_every_word():
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz\u00e9\u0436"))
    vocabulary = ["".join(rng.choice(letters, size=n)) for n in rng.integers(1, 20, size=30_000)]
    texts = [" ".join(rng.choice(vocabulary, size=20_000)) for _ in range(4)]
    _assert_same(texts)


_ALPHABET = "abcXYZ\u00e9\u00c9\u0436 \n\t'\u2019-\u2014.,0_\u00a0\u3000\u0301\u00ad\x1c"


@pytest.mark.parametrize("rule", TOKEN_RULE_NAMES)
@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.text(alphabet=_ALPHABET, max_size=80), min_size=1, max_size=4))
def test_any_text_gets_the_ids_split_and_a_dict_give(rule, texts):
    _assert_same(texts, rule)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(max_size=60), min_size=1, max_size=3))
def test_any_unicode_text_gets_the_ids_split_and_a_dict_give(texts):
    _assert_same(texts)


@pytest.mark.parametrize("batch", [1, 3])
def test_unknown_words_numbered_in_small_rounds_keep_their_order_of_appearance(monkeypatch, batch):
    monkeypatch.setattr(WordTable, "FIRST_BATCH", batch)  # many rounds of numbering and looking up again
    rng = np.random.default_rng(1)
    vocabulary = ["a", "bb", "caf\u00e9", "abcdefghij", "abcdefghijk", "x" * 17, "y" * 30, "\u0436" * 5]
    texts = [" ".join(rng.choice(vocabulary, size=200)) for _ in range(3)]
    _assert_same(texts)
